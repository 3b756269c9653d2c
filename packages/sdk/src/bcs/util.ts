export { addressToBytes, digestToBytes, normalizeAddress, toBase58, toHex } from '../utils/encoding.js'

/** Byte-wise order, then length: Rust's `Ord` for byte arrays, which `BTreeMap`/`BTreeSet` use. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}
