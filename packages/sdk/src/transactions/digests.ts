/**
 * Digests of the wire layer (reference: `types/src/digests.rs`, `crypto.rs`, `object.rs`):
 * Blake2b-256 over a type-name salt and the BCS bytes, shown as Base58.
 */
import { encodeBcs } from '../bcs/codec.js'
import { SomaObject, type SomaObjectInput } from '../bcs/objects.js'
import { TransactionData, type TransactionDataInput } from '../bcs/transaction.js'
import { TransactionEffects, type TransactionEffectsInput } from '../bcs/effects.js'
import { InvalidArgumentError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import { digestToBytes, toBase58, toHex } from '../utils/encoding.js'

const utf8 = new TextEncoder()

/** The intent of a SOMA user transaction: scope TransactionData, version V0, app Soma. */
export const TRANSACTION_INTENT = Object.freeze([0, 0, 1] as const)

/** Blake2b-256 of `"<TypeName>::" ‖ bytes`, the reference's salted digest. */
export function saltedDigest(typeName: string, bytes: Uint8Array): Uint8Array {
  return blake2b256(utf8.encode(`${typeName}::`), bytes)
}

function txBytes(tx: Uint8Array | TransactionDataInput): Uint8Array {
  return tx instanceof Uint8Array ? tx : encodeBcs(TransactionData, tx)
}

/** The transaction digest (Base58): Blake2b-256(`"TransactionData::"` ‖ BCS(TransactionData)). */
export function transactionDigest(tx: Uint8Array | TransactionDataInput): string {
  return toBase58(saltedDigest('TransactionData', txBytes(tx)))
}

/**
 * The 32 bytes a user signs: Blake2b-256(intent ‖ BCS(TransactionData)), intent `[0, 0, 1]`.
 * No salt, and the signature covers this hash, never the raw bytes.
 */
export function signingDigest(tx: Uint8Array | TransactionDataInput, intent: ArrayLike<number> = TRANSACTION_INTENT): Uint8Array {
  if (intent.length !== 3) throw new InvalidArgumentError('An intent is 3 bytes: scope, version, app id.')
  return blake2b256(Uint8Array.from(intent), txBytes(tx))
}

/** The object digest (Base58): Blake2b-256(`"Object::"` ‖ BCS(ObjectInner)). */
export function objectDigest(object: Uint8Array | SomaObjectInput): string {
  const bytes = object instanceof Uint8Array ? object : encodeBcs(SomaObject, object)
  return toBase58(saltedDigest('Object', bytes))
}

/** The effects digest (Base58): Blake2b-256(`"TransactionEffects::"` ‖ BCS(TransactionEffects)). */
export function effectsDigest(effects: Uint8Array | TransactionEffectsInput): string {
  const bytes = effects instanceof Uint8Array ? effects : encodeBcs(TransactionEffects, effects)
  return toBase58(saltedDigest('TransactionEffects', bytes))
}

/**
 * `ObjectID::derive_id(tx_digest, n)`: the id of the n-th object a transaction creates
 * (`0x` + 64 hex). `CreateModel` gives the model id at n = 0.
 */
export function deriveObjectId(transactionDigest: string | Uint8Array, creationIndex: bigint | number): string {
  const n = BigInt(creationIndex)
  if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new InvalidArgumentError('The creation index must be a u64.')
  const le = new Uint8Array(8)
  new DataView(le.buffer).setBigUint64(0, n, true)
  return `0x${toHex(blake2b256(digestToBytes(transactionDigest, 'transaction digest'), le))}`
}
