/**
 * User signatures (reference: `types/src/crypto.rs`, `transaction.rs`): the 97-byte Ed25519
 * `GenericSignature` (`0x00 ‖ sig ‖ pk`), multisig (`0x02 ‖ BCS(MultiSig)`), signing a transaction
 * (over the intent digest, never the raw bytes), verification, and the signed envelope.
 */
import { decodeBcs, encodeBcs } from '../bcs/codec.js'
import { SenderSignedData, TransactionData, type TransactionDataInput } from '../bcs/transaction.js'
import { InvalidSignatureError } from '../errors/index.js'
import { parseMultiSig, verifyMultiSig, type DecodedMultiSig } from '../keys/multisig.js'
import { Ed25519PublicKey, SIGNATURE_SCHEME_FLAG } from '../keys/publickey.js'
import type { SignedTransaction, Signer } from '../keys/signer.js'
import { fromBase64, normalizeAddress } from '../utils/encoding.js'
import { TRANSACTION_INTENT, signingDigest, transactionDigest } from './digests.js'

export const ED25519_SERIALIZED_SIGNATURE_LENGTH = 97

export type ParsedSignature =
  | { scheme: 'ED25519'; signature: Uint8Array; publicKey: Ed25519PublicKey; signer: string }
  | ({ scheme: 'MultiSig'; signer: string } & DecodedMultiSig)

/** Parses a serialized signature (bytes or Base64). */
export function parseSerializedSignature(serialized: Uint8Array | string): ParsedSignature {
  const bytes = typeof serialized === 'string' ? fromBase64(serialized) : serialized
  const flag = bytes[0]
  if (flag === SIGNATURE_SCHEME_FLAG.ED25519) {
    if (bytes.length !== ED25519_SERIALIZED_SIGNATURE_LENGTH) {
      throw new InvalidSignatureError(`An Ed25519 signature is 97 bytes (flag ‖ sig ‖ pk), got ${bytes.length}.`)
    }
    const publicKey = new Ed25519PublicKey(bytes.slice(65))
    return { scheme: 'ED25519', signature: bytes.slice(1, 65), publicKey, signer: publicKey.toSomaAddress() }
  }
  if (flag === SIGNATURE_SCHEME_FLAG.MultiSig) {
    const ms = parseMultiSig(bytes)
    return { scheme: 'MultiSig', signer: ms.address, ...ms }
  }
  throw new InvalidSignatureError(`Unsupported signature scheme flag ${flag ?? '(empty)'}.`, {
    hint: 'User signatures are Ed25519 (0x00) or MultiSig (0x02).',
  })
}

/** Signs a transaction with any `Signer`: over Blake2b-256([0,0,1] ‖ bcs), never the raw bytes. */
export function signTransaction(signer: Signer, tx: Uint8Array | TransactionDataInput): Promise<SignedTransaction> {
  return signer.signTransaction(tx)
}

/**
 * Verifies a user signature over a transaction and returns the signer's address. With
 * `expectedSigner`, also checks that it is the transaction's sender (or the given address).
 * Throws `InvalidSignatureError` / `InvalidMultiSigError` on failure.
 */
export function verifyTransactionSignature(
  tx: Uint8Array | TransactionDataInput,
  serialized: Uint8Array | string,
  options: { expectedSigner?: string; intent?: ArrayLike<number> } = {},
): string {
  const bytes = tx instanceof Uint8Array ? tx : encodeBcs(TransactionData, tx)
  const message = signingDigest(bytes, options.intent ?? TRANSACTION_INTENT)
  const parsed = parseSerializedSignature(serialized)
  let signer: string
  if (parsed.scheme === 'ED25519') {
    if (!parsed.publicKey.verify(message, parsed.signature)) {
      throw new InvalidSignatureError('The Ed25519 signature does not verify against this transaction.')
    }
    signer = parsed.signer
  } else {
    signer = verifyMultiSig(message, typeof serialized === 'string' ? fromBase64(serialized) : serialized)
  }
  if (options.expectedSigner !== undefined && normalizeAddress(options.expectedSigner) !== signer) {
    throw new InvalidSignatureError(`The signature is from ${signer}, not from ${normalizeAddress(options.expectedSigner)}.`)
  }
  return signer
}

/** The sender of BCS `TransactionData`. */
export function transactionSender(tx: Uint8Array): string {
  return decodeBcs(TransactionData, tx).V1!.sender
}

/**
 * BCS of the signed transaction (`SenderSignedData`; what the Python SDK's `Keypair.sign`
 * returns): ULEB(1) ‖ intent ‖ BCS(TransactionData) ‖ ULEB(n) ‖ (ULEB(len) ‖ signature)*.
 */
export function serializeSignedTransaction(tx: Uint8Array | TransactionDataInput, signatures: (Uint8Array | string)[]): Uint8Array {
  const data = tx instanceof Uint8Array ? decodeBcs(TransactionData, tx) : tx
  return encodeBcs(SenderSignedData, {
    intentMessage: { intent: { scope: TRANSACTION_INTENT[0], version: TRANSACTION_INTENT[1], appId: TRANSACTION_INTENT[2] }, value: data },
    txSignatures: signatures.map((s) => (typeof s === 'string' ? fromBase64(s) : s)),
  })
}

/** Parses a signed transaction's BCS into its data bytes and serialized signatures. */
export function deserializeSignedTransaction(bytes: Uint8Array): {
  intent: [number, number, number]
  transaction: Uint8Array
  signatures: Uint8Array[]
} {
  const signed = decodeBcs(SenderSignedData, bytes)
  const i = signed.intentMessage.intent
  return {
    intent: [i.scope, i.version, i.appId],
    transaction: encodeBcs(TransactionData, signed.intentMessage.value),
    signatures: signed.txSignatures.map((s) => Uint8Array.from(s)),
  }
}

/**
 * Checks a signed transaction the way the node's authenticator does for user transactions: the
 * intent is `[0, 0, 1]`, every signature verifies over the signing digest, and the sender is among
 * the signers. Returns the decoded data bytes, digest and signer addresses.
 */
export function verifySignedTransaction(signed: Uint8Array): { transaction: Uint8Array; digest: string; signers: string[] } {
  const { intent, transaction, signatures } = deserializeSignedTransaction(signed)
  if (intent[0] !== 0 || intent[1] !== 0 || intent[2] !== 1) {
    throw new InvalidSignatureError(`Unexpected intent [${intent.join(', ')}]; user transactions use [0, 0, 1].`)
  }
  if (signatures.length === 0) throw new InvalidSignatureError('The transaction carries no signature.')
  // A user transaction has exactly one signer, the sender, and the node wants exactly one signature
  // per signer (`SignerSignatureNumberMismatch` otherwise); extra signatures are not ignored.
  if (signatures.length !== 1) {
    throw new InvalidSignatureError(`Expected exactly 1 signature (the sender's), got ${signatures.length}.`, {
      details: 'SignerSignatureNumberMismatch',
    })
  }
  const signers = signatures.map((s) => verifyTransactionSignature(transaction, s))
  const sender = transactionSender(transaction)
  if (!signers.includes(sender)) {
    throw new InvalidSignatureError(`No signature from the sender ${sender}.`, { details: `signers: ${signers.join(', ')}` })
  }
  return { transaction, digest: transactionDigest(transaction), signers }
}
