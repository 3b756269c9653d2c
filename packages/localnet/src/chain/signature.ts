/**
 * The node's user-signature check on the execution hot path. A single Ed25519 signature (every
 * wallet transaction) is checked first with Node's OpenSSL verifier, about ten times faster than
 * the pure-JS one; anything OpenSSL does not accept (multisig, a bad or unusual signature) goes to
 * the SDK's `verifySignedTransaction`, which decides and names the error.
 *
 * This is exact: OpenSSL's RFC 8032 check (canonical S, R recomputed and compared byte-for-byte,
 * cofactorless equation) accepts a subset of what the node's ZIP-215 rules accept (canonical S,
 * cofactored equation, non-canonical encodings allowed), so an OpenSSL "valid" is a ZIP-215 valid
 * and an OpenSSL "invalid" is decided by the ZIP-215 verifier.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto'

import { Ed25519PublicKey, verifySignedTransaction } from '@soma-ts/sdk'

import { signingDigestOf } from './digests.js'

const ED25519_FLAG = 0x00
const SIGNATURE_LENGTH = 97
/** Parsed keys and their addresses, so repeat senders skip the DER parse and the address hash. */
const KEY_CACHE_LIMIT = 10_000
const keyCache = new Map<string, { key: KeyObject; address: string } | null>()

function cachedKey(publicKey: Uint8Array): { key: KeyObject; address: string } | null {
  const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url')
  let entry = keyCache.get(x)
  if (entry === undefined) {
    try {
      // A JWK import is an order of magnitude cheaper than parsing the same key as DER.
      entry = { key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }), address: new Ed25519PublicKey(publicKey).toSomaAddress() }
    } catch {
      entry = null // OpenSSL refuses the point; the ZIP-215 verifier decides
    }
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
    keyCache.set(x, entry)
  }
  return entry
}

/**
 * Checks a user transaction's signature as the node does (intent `[0, 0, 1]`, exactly one
 * signature, from the sender).
 *
 * @param intent - the signed envelope's intent
 * @param transaction - BCS `TransactionData`
 * @param signatures - the serialized signatures
 * @param sender - the transaction's sender
 * @param signed - the whole BCS `SenderSignedData`, for the exact fallback
 * @throws InvalidSignatureError (from the SDK) when the signature is refused
 */
export function verifyUserSignature(
  intent: readonly [number, number, number],
  transaction: Uint8Array,
  signatures: readonly Uint8Array[],
  sender: string,
  signed: Uint8Array,
): void {
  const only = signatures.length === 1 ? signatures[0]! : undefined
  if (intent[0] === 0 && intent[1] === 0 && intent[2] === 1 && only !== undefined && only.length === SIGNATURE_LENGTH && only[0] === ED25519_FLAG) {
    const entry = cachedKey(only.subarray(65))
    if (entry !== null && entry.address === sender) {
      if (verify(null, signingDigestOf([0, 0, 1], transaction), entry.key, only.subarray(1, 65))) return
    }
  }
  verifySignedTransaction(signed)
}
