/**
 * Blake2b-256 for the SDK's wire code. One implementation everywhere in the SDK: @noble/hashes,
 * pure JS, so keys, signing and digests also work in browsers. (The native `@soma-ts/core` hash is
 * for multi-gigabyte files; both agree byte for byte, checked in test/crypto.test.ts.)
 */
import { blake2b } from '@noble/hashes/blake2.js'

export function blake2b256(...parts: Uint8Array[]): Uint8Array {
  const h = blake2b.create({ dkLen: 32 })
  for (const p of parts) h.update(p)
  return h.digest()
}
