import { ed25519 } from '@noble/curves/ed25519.js'

import { InvalidKeyError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import { concatBytes, fromBase64, toBase64, toHex } from '../utils/encoding.js'

/** Signature scheme flags (`SignatureScheme::flag`). MultiSig is 0x02 (not 0x03 as a doc comment says). */
export const SIGNATURE_SCHEME_FLAG = { ED25519: 0x00, BLS12381: 0x01, MultiSig: 0x02 } as const
export type SignatureSchemeName = keyof typeof SIGNATURE_SCHEME_FLAG

export const ED25519_PUBLIC_KEY_LENGTH = 32
export const ED25519_SIGNATURE_LENGTH = 64

/** An Ed25519 public key: address derivation, `flag ‖ pk` Base64, verification. */
export class Ed25519PublicKey {
  readonly #bytes: Uint8Array

  constructor(value: Uint8Array | string) {
    const bytes = typeof value === 'string' ? decodeText(value) : value
    if (!(bytes instanceof Uint8Array) || bytes.length !== ED25519_PUBLIC_KEY_LENGTH) {
      throw new InvalidKeyError('An Ed25519 public key is 32 bytes.', {
        details: `got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes} bytes`,
      })
    }
    this.#bytes = Uint8Array.from(bytes)
  }

  /** Parses Base64 of `flag(0x00) ‖ pk` (33 bytes), as in `soma.aliases` and `keytool list`. */
  static fromSomaBase64(text: string): Ed25519PublicKey {
    const raw = fromBase64(text)
    if (raw.length !== 33 || raw[0] !== SIGNATURE_SCHEME_FLAG.ED25519) {
      throw new InvalidKeyError('Expected Base64 of flag 0x00 followed by a 32-byte Ed25519 public key.', {
        details: `decoded ${raw.length} bytes with flag ${raw[0] ?? 'none'}`,
      })
    }
    return new Ed25519PublicKey(raw.slice(1))
  }

  toRawBytes(): Uint8Array {
    return Uint8Array.from(this.#bytes)
  }

  /** `flag ‖ pk` (33 bytes). */
  toSomaBytes(): Uint8Array {
    return concatBytes(Uint8Array.of(SIGNATURE_SCHEME_FLAG.ED25519), this.#bytes)
  }

  /** Base64 of `flag ‖ pk`. */
  toSomaBase64(): string {
    return toBase64(this.toSomaBytes())
  }

  /** `0x` + hex of Blake2b-256(0x00 ‖ pk). */
  toSomaAddress(): string {
    return `0x${toHex(blake2b256(this.toSomaBytes()))}`
  }

  /** Ed25519 verification of `signature` over `message` (ZIP-215 rules, as the node's verifier). */
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== ED25519_SIGNATURE_LENGTH) return false
    try {
      return ed25519.verify(signature, message, this.#bytes)
    } catch {
      return false
    }
  }

  equals(other: Ed25519PublicKey): boolean {
    return toHex(this.#bytes) === toHex(other.toRawBytes())
  }
}

function decodeText(text: string): Uint8Array {
  const raw = fromBase64(text)
  // Accept both the bare 32-byte key and the 33-byte flagged form.
  if (raw.length === 33 && raw[0] === SIGNATURE_SCHEME_FLAG.ED25519) return raw.slice(1)
  return raw
}
