/**
 * BLS12-381 validator protocol keys (fastcrypto's min-sig scheme: signatures in G1, 48 bytes;
 * public keys in G2, 96 bytes) and the proof of possession a validator registers with
 * (`types/src/crypto.rs::generate_proof_of_possession`). Only validators hold these keys; user
 * accounts are Ed25519. Error messages never contain key material.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { base64 } from '@scure/base'

import { InvalidKeyError } from '../errors/index.js'
import { addressToBytes } from '../utils/encoding.js'

export const BLS_SECRET_KEY_LENGTH = 32
export const BLS_PUBLIC_KEY_LENGTH = 96
export const BLS_SIGNATURE_LENGTH = 48

/** fastcrypto's hash-to-curve domain for min-sig BLS12-381 signatures. */
const BLS_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'
/** Intent `{scope: ProofOfPossession (8), version: V0, app: Soma}`. */
const POP_INTENT = [8, 0, 1]

/**
 * The bytes a proof of possession signs: BCS of `IntentMessage{intent, value: pk ‖ address}`
 * (the value is a `Vec<u8>`, so ULEB128-length-prefixed), then the epoch 0 as u64 LE, as
 * fastcrypto's `new_secure` appends it.
 *
 * @param protocolPubkey - the 96-byte BLS public key
 * @param address - the validator's account address
 * @returns the message bytes
 * @throws {InvalidAddressError} for a malformed address
 * @example
 * const message = proofOfPossessionMessage(keypair.publicKeyBytes(), '0x2a…')
 */
export function proofOfPossessionMessage(protocolPubkey: Uint8Array, address: string): Uint8Array {
  const msg = new Uint8Array([...protocolPubkey, ...addressToBytes(address)])
  const out: number[] = [...POP_INTENT]
  let n = msg.length
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return new Uint8Array([...out, ...msg, 0, 0, 0, 0, 0, 0, 0, 0])
}

/**
 * Whether `proof` is a valid proof of possession of `protocolPubkey` for `address`. Malformed
 * bytes are simply invalid.
 *
 * @param proof - the 48-byte signature
 * @param protocolPubkey - the 96-byte BLS public key
 * @param address - the validator's account address
 * @returns true when the signature verifies
 * @throws {InvalidAddressError} for a malformed address
 * @example
 * verifyProofOfPossession(proof, keypair.publicKeyBytes(), address) // true
 */
export function verifyProofOfPossession(proof: Uint8Array, protocolPubkey: Uint8Array, address: string): boolean {
  const message = proofOfPossessionMessage(protocolPubkey, address)
  try {
    const sigs = bls12_381.shortSignatures
    return sigs.verify(sigs.Signature.fromBytes(proof), sigs.hash(message, BLS_DST), protocolPubkey)
  } catch {
    return false
  }
}

/** A BLS12-381 protocol key held in memory. */
export class BlsKeypair {
  readonly #secret: Uint8Array
  readonly #publicKey: Uint8Array

  private constructor(secret: Uint8Array) {
    this.#secret = Uint8Array.from(secret)
    this.#publicKey = bls12_381.shortSignatures.getPublicKey(this.#secret).toBytes(true)
  }

  /**
   * A fresh random key.
   *
   * @returns the keypair
   * @example
   * const protocolKey = BlsKeypair.generate()
   */
  static generate(): BlsKeypair {
    return new BlsKeypair(bls12_381.utils.randomSecretKey())
  }

  /**
   * From the 32-byte big-endian scalar (blst's and fastcrypto's private key bytes).
   *
   * @param secret - 32 bytes, a non-zero scalar below the group order
   * @returns the keypair
   * @throws {InvalidKeyError} when the bytes are not a BLS12-381 secret key
   * @example
   * const key = BlsKeypair.fromSecretKey(bytes)
   */
  static fromSecretKey(secret: Uint8Array): BlsKeypair {
    if (!(secret instanceof Uint8Array) || secret.length !== BLS_SECRET_KEY_LENGTH) {
      throw new InvalidKeyError(`A BLS12-381 secret key is exactly 32 bytes, got ${secret instanceof Uint8Array ? secret.length : typeof secret}.`)
    }
    try {
      return new BlsKeypair(secret)
    } catch {
      throw new InvalidKeyError('The bytes are not a BLS12-381 secret key (zero or not below the group order).')
    }
  }

  /**
   * From a protocol key file's text: Base64 of the 32-byte private key, no scheme flag (the
   * reference's `write_authority_keypair_to_file`).
   *
   * @param text - the file's contents (surrounding whitespace is ignored)
   * @returns the keypair
   * @throws {InvalidKeyError} when the text is not such a key
   * @example
   * const key = BlsKeypair.fromBase64(readFileSync('protocol.key', 'utf8'))
   */
  static fromBase64(text: string): BlsKeypair {
    let raw: Uint8Array
    try {
      raw = base64.decode(text.trim())
    } catch {
      throw new InvalidKeyError('A protocol key file holds Base64, and this text is not Base64.')
    }
    return BlsKeypair.fromSecretKey(raw)
  }

  /**
   * The text of a protocol key file: Base64 of the 32-byte private key.
   *
   * @returns the Base64 text
   * @example
   * writeFileSync('protocol.key', key.toBase64(), { mode: 0o600 })
   */
  toBase64(): string {
    return base64.encode(this.#secret)
  }

  /**
   * The compressed 96-byte G2 public key (`AuthorityPublicKeyBytes`).
   *
   * @returns the public key bytes
   * @example
   * toBase64(key.publicKeyBytes())
   */
  publicKeyBytes(): Uint8Array {
    return Uint8Array.from(this.#publicKey)
  }

  /**
   * The proof of possession of this key for `address` (48 bytes), as AddValidator and a protocol
   * key update need it.
   *
   * @param address - the validator's account address (the transaction's sender)
   * @returns the signature bytes
   * @throws {InvalidAddressError} for a malformed address
   * @example
   * const proof = key.proofOfPossession(signer.toSomaAddress())
   */
  proofOfPossession(address: string): Uint8Array {
    const sigs = bls12_381.shortSignatures
    return sigs.sign(sigs.hash(proofOfPossessionMessage(this.#publicKey, address), BLS_DST), this.#secret).toBytes(true)
  }

  /** Keeps secrets out of logs and JSON. */
  toJSON(): { publicKey: string } {
    return { publicKey: base64.encode(this.#publicKey) }
  }
}
