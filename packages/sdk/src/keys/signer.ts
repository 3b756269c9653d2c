/**
 * Who can sign (as Sui's `Signer` → `Keypair` → `Ed25519Keypair`). Everything that signs takes a
 * `Signer`, so an in-memory key, a keystore entry, a multisig or a remote signer plug in alike.
 *
 * A remote signer (KMS, HSM, hardware wallet) extends `Signer` and implements two methods:
 * `getPublicKey()` (the Ed25519 public key, fetched once and cached) and `async sign(bytes)`
 * (a raw 64-byte Ed25519 signature of exactly `bytes`, which for a transaction is the 32-byte
 * intent digest). Everything else (address, intent, serialized signature) is inherited. See
 * `packages/sdk/docs/signers.md`.
 */
import { encodeBcs } from '../bcs/codec.js'
import { TransactionData, type TransactionDataInput } from '../bcs/transaction.js'
import { InvalidSignatureError } from '../errors/index.js'
import { TRANSACTION_INTENT, signingDigest, transactionDigest } from '../transactions/digests.js'
import { concatBytes, toBase64 } from '../utils/encoding.js'
import { Ed25519PublicKey, SIGNATURE_SCHEME_FLAG } from './publickey.js'

/** The public half a signer exposes: enough to derive its address. */
export interface SignerPublicKey {
  toSomaAddress(): string
}

export interface SignedTransaction {
  /** BCS(TransactionData). */
  bytes: Uint8Array
  /** Base64 of the serialized signature (97 bytes for Ed25519). */
  signature: string
  /** The transaction digest, Base58. */
  digest: string
}

/** `0x00 ‖ signature(64) ‖ publicKey(32)`. */
export function toSerializedSignature(signature: Uint8Array, publicKey: Ed25519PublicKey): Uint8Array {
  if (signature.length !== 64) throw new InvalidSignatureError('An Ed25519 signature is 64 bytes.')
  return concatBytes(Uint8Array.of(SIGNATURE_SCHEME_FLAG.ED25519), signature, publicKey.toRawBytes())
}

/** Anything that can sign SOMA transactions. Subclasses supply `getPublicKey` and `sign`. */
export abstract class Signer {
  /** The signer's public key. */
  abstract getPublicKey(): SignerPublicKey
  /** The raw signature of exactly `bytes` (for a transaction: its intent digest). */
  abstract sign(bytes: Uint8Array): Promise<Uint8Array>

  /** `0x` + 64 hex. */
  toSomaAddress(): string {
    return this.getPublicKey().toSomaAddress()
  }

  /**
   * The serialized signature (scheme flag first) of `bytes` under `intent`: the signer signs
   * Blake2b-256(intent ‖ bytes), never the raw bytes. Ed25519 signers get `0x00 ‖ sig ‖ pk`.
   */
  async signWithIntent(bytes: Uint8Array, intent: ArrayLike<number> = TRANSACTION_INTENT): Promise<Uint8Array> {
    const publicKey = this.getPublicKey()
    if (!(publicKey instanceof Ed25519PublicKey)) {
      throw new InvalidSignatureError('This signer has no Ed25519 public key.', {
        hint: 'A signer of another scheme overrides signWithIntent (as MultiSigSigner does).',
        docsPath: 'signers.md',
      })
    }
    return toSerializedSignature(await this.sign(signingDigest(bytes, intent)), publicKey)
  }

  /**
   * Signs a transaction (BCS bytes or a `TransactionData` value) over its intent digest; returns
   * the BCS, the Base64 serialized signature and the Base58 digest.
   */
  async signTransaction(tx: Uint8Array | TransactionDataInput): Promise<SignedTransaction> {
    const bytes = tx instanceof Uint8Array ? tx : encodeBcs(TransactionData, tx)
    return { bytes, signature: toBase64(await this.signWithIntent(bytes)), digest: transactionDigest(bytes) }
  }
}

/** A signer that holds its secret: adds secret export (Sui's `Keypair`). */
export abstract class Keypair extends Signer {
  /** The raw secret key. Handle with care. */
  abstract getSecretKey(): Uint8Array
}
