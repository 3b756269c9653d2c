/**
 * The wire digests on the node's hot path, hashed by the native core. The SDK computes the same
 * digests in pure JS (it must run in browsers), which costs 3x (64 bytes) to 40x (a 20 KB
 * SystemState object) more per hash on this machine; the node hashes every transaction, its
 * effects and every object it writes. Byte-for-byte the SDK's (`test/chain-digests.test.ts`).
 */
import { blake2b256, toBase58 } from '@soma-ts/core'
import { digestToBytes, toHex } from '@soma-ts/sdk'

const utf8 = new TextEncoder()
const OBJECT_SALT = utf8.encode('Object::')
const TRANSACTION_SALT = utf8.encode('TransactionData::')
const EFFECTS_SALT = utf8.encode('TransactionEffects::')

/** Blake2b-256 of the parts, concatenated (one native call). */
export function blake2b256Of(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const joined = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    joined.set(p, at)
    at += p.length
  }
  return blake2b256(joined)
}

/** The object digest (Base58) of BCS `ObjectInner`, as the SDK's `objectDigest`. */
export function objectDigestOf(objectBytes: Uint8Array): string {
  return toBase58(blake2b256Of(OBJECT_SALT, objectBytes))
}

/** The transaction digest (Base58) of BCS `TransactionData`, as the SDK's `transactionDigest`. */
export function transactionDigestOf(transactionBytes: Uint8Array): string {
  return toBase58(blake2b256Of(TRANSACTION_SALT, transactionBytes))
}

/** The effects digest (Base58) of BCS `TransactionEffects`, as the SDK's `effectsDigest`. */
export function effectsDigestOf(effectsBytes: Uint8Array): string {
  return toBase58(blake2b256Of(EFFECTS_SALT, effectsBytes))
}

/** The 32 bytes a user signs: Blake2b-256(intent ‖ BCS(TransactionData)), as the SDK's `signingDigest`. */
export function signingDigestOf(intent: readonly [number, number, number], transactionBytes: Uint8Array): Uint8Array {
  return blake2b256Of(Uint8Array.from(intent), transactionBytes)
}

/** `derive_id(tx_digest, creation_num)`: `0x` + hex of Blake2b-256(digest ‖ u64 LE), as the SDK's `deriveObjectId`. */
export function deriveObjectIdOf(transactionDigest: string, creationNum: bigint): string {
  const le = new Uint8Array(8)
  new DataView(le.buffer).setBigUint64(0, creationNum, true)
  return `0x${toHex(blake2b256Of(digestToBytes(transactionDigest, 'transaction digest'), le))}`
}
