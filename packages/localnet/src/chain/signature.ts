/**
 * The node's user-signature check on the execution hot path. A single Ed25519 signature (every
 * wallet transaction) is checked first by the native core's RFC 8032 verifier (AWS-LC), tens of
 * times faster than the pure-JS one; anything it does not accept (multisig, a bad or unusual
 * signature) goes to the SDK's `verifySignedTransaction`, which decides and names the error.
 *
 * This is exact: RFC 8032 (canonical S, R recomputed and compared byte-for-byte, cofactorless
 * equation) accepts a subset of what the node's ZIP-215 rules accept (canonical S, cofactored
 * equation, non-canonical encodings allowed), so a native "valid" is a ZIP-215 valid and a native
 * "invalid" is decided by the ZIP-215 verifier.
 */
import { ed25519VerifyStrict } from '@soma-ts/core'
import { Ed25519PublicKey, verifySignedTransaction } from '@soma-ts/sdk'

import { signingDigestOf } from './digests.js'

const ED25519_FLAG = 0x00
const SIGNATURE_LENGTH = 97
/** Addresses by public key, so repeat senders skip the address hash. */
const ADDRESS_CACHE_LIMIT = 10_000
const addressCache = new Map<string, string>()

function addressOf(publicKey: Uint8Array): string {
  const key = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1')
  let address = addressCache.get(key)
  if (address === undefined) {
    address = new Ed25519PublicKey(publicKey).toSomaAddress()
    if (addressCache.size >= ADDRESS_CACHE_LIMIT) addressCache.clear()
    addressCache.set(key, address)
  }
  return address
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
    const publicKey = only.subarray(65)
    if (addressOf(publicKey) === sender && ed25519VerifyStrict(publicKey, signingDigestOf([0, 0, 1], transaction), only.subarray(1, 65))) return
  }
  verifySignedTransaction(signed)
}
