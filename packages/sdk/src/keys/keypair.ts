/**
 * Ed25519 keypairs, the only user key type on SOMA. Secret forms: 32 raw bytes, 64 hex digits
 * (optional `0x`), Bech32 `somaprivkey1…` (`flag ‖ seed`), and the keystore's Base64 `flag ‖ seed`.
 * Error messages never contain key material.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { base64, bech32 } from '@scure/base'

import { InvalidKeyError } from '../errors/index.js'
import { concatBytes, fromHex, toHex } from '../utils/encoding.js'
import {
  DEFAULT_DERIVATION_PATH,
  generateMnemonic,
  mnemonicToSecretKey,
  normalizeMnemonic,
  type MnemonicWordCount,
} from './mnemonic.js'
import { Ed25519PublicKey, SIGNATURE_SCHEME_FLAG } from './publickey.js'
import { Keypair } from './signer.js'

export const SECRET_KEY_LENGTH = 32
/** The Bech32 human-readable part of exported private keys. */
export const PRIVATE_KEY_PREFIX = 'somaprivkey'

/** An Ed25519 key held in memory. */
export class Ed25519Keypair extends Keypair {
  readonly #secret: Uint8Array
  readonly #publicKey: Ed25519PublicKey

  private constructor(secret: Uint8Array) {
    super()
    this.#secret = Uint8Array.from(secret)
    this.#publicKey = new Ed25519PublicKey(ed25519.getPublicKey(this.#secret))
  }

  /** A fresh random key. */
  static generate(): Ed25519Keypair {
    return new Ed25519Keypair(ed25519.utils.randomSecretKey())
  }

  /** A fresh key from a fresh mnemonic (what `soma wallet new` does); returns both. */
  static generateWithMnemonic(
    options: { words?: MnemonicWordCount; derivationPath?: string } = {},
  ): { keypair: Ed25519Keypair; mnemonic: string } {
    const mnemonic = generateMnemonic(options.words ?? 12)
    return { keypair: Ed25519Keypair.fromMnemonic(mnemonic, options.derivationPath), mnemonic }
  }

  /** The key at `path` (default `m/44'/784'/0'/0'/0'`) of an English BIP-39 phrase, empty passphrase. */
  static fromMnemonic(mnemonic: string, derivationPath: string = DEFAULT_DERIVATION_PATH): Ed25519Keypair {
    return new Ed25519Keypair(mnemonicToSecretKey(normalizeMnemonic(mnemonic), derivationPath))
  }

  /**
   * From 32 raw bytes, 64 hex digits (optional `0x`), or a Bech32 `somaprivkey1…` string, like the
   * reference's `Keypair.from_secret_key`.
   */
  static fromSecretKey(secret: Uint8Array | string): Ed25519Keypair {
    if (secret instanceof Uint8Array) {
      if (secret.length !== SECRET_KEY_LENGTH) {
        throw new InvalidKeyError(`Secret key must be exactly 32 bytes, got ${secret.length}.`)
      }
      return new Ed25519Keypair(secret)
    }
    if (typeof secret !== 'string') throw new InvalidKeyError('A secret key is bytes or a string.')
    const text = secret.trim()
    if (text.toLowerCase().startsWith(PRIVATE_KEY_PREFIX)) return Ed25519Keypair.fromBech32(text)
    const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) {
      throw new InvalidKeyError('Invalid hex string for the secret key.', {
        hint: 'Give 64 hex digits, a somaprivkey1… string, or 32 raw bytes.',
      })
    }
    if (hex.length !== 64) throw new InvalidKeyError(`Secret key must be exactly 32 bytes, got ${hex.length / 2}.`)
    return new Ed25519Keypair(fromHex(hex))
  }

  /** From `somaprivkey1…` (classic Bech32 of `flag ‖ seed`). */
  static fromBech32(text: string): Ed25519Keypair {
    let prefix: string
    let words: number[]
    try {
      const decoded = bech32.decode(text.trim().toLowerCase() as `${string}1${string}`, 200)
      prefix = decoded.prefix
      words = decoded.words
    } catch {
      throw new InvalidKeyError('The private key is not valid Bech32.', {
        hint: 'Exported keys look like somaprivkey1… (classic Bech32, not Bech32m).',
      })
    }
    if (prefix !== PRIVATE_KEY_PREFIX) {
      throw new InvalidKeyError(`The private key has prefix "${prefix.slice(0, 20)}", expected "${PRIVATE_KEY_PREFIX}".`)
    }
    let raw: Uint8Array
    try {
      raw = bech32.fromWords(words)
    } catch {
      throw new InvalidKeyError('The private key is not valid Bech32.')
    }
    return Ed25519Keypair.fromSomaBytes(raw)
  }

  /** From `flag ‖ seed` (33 bytes). */
  static fromSomaBytes(raw: Uint8Array): Ed25519Keypair {
    if (raw.length !== 33) throw new InvalidKeyError(`A flagged private key is 33 bytes, got ${raw.length}.`)
    if (raw[0] !== SIGNATURE_SCHEME_FLAG.ED25519) {
      throw new InvalidKeyError(`Unsupported key scheme flag ${raw[0]}; only Ed25519 (0x00) user keys exist.`)
    }
    return new Ed25519Keypair(raw.slice(1))
  }

  /** From a keystore entry: standard Base64 of `flag ‖ seed`. */
  static fromKeystoreString(text: string): Ed25519Keypair {
    let raw: Uint8Array
    try {
      raw = base64.decode(text.trim())
    } catch {
      throw new InvalidKeyError('The keystore entry is not valid Base64.')
    }
    return Ed25519Keypair.fromSomaBytes(raw)
  }

  override getPublicKey(): Ed25519PublicKey {
    return this.#publicKey
  }

  /** The raw 32-byte Ed25519 seed. Handle with care. */
  override getSecretKey(): Uint8Array {
    return Uint8Array.from(this.#secret)
  }

  /** 64 hex digits, no `0x`, no flag (`Keypair.to_secret_key`). */
  toSecretKeyHex(): string {
    return toHex(this.#secret)
  }

  /** `flag ‖ seed` (33 bytes). */
  toSomaBytes(): Uint8Array {
    return concatBytes(Uint8Array.of(SIGNATURE_SCHEME_FLAG.ED25519), this.#secret)
  }

  /** Bech32 `somaprivkey1…` (`soma keytool export`, `Keypair.to_encoded`). */
  toBech32(): string {
    return bech32.encode(PRIVATE_KEY_PREFIX, bech32.toWords(this.toSomaBytes()), 200)
  }

  /** The keystore's Base64 of `flag ‖ seed`. */
  toKeystoreString(): string {
    return base64.encode(this.toSomaBytes())
  }

  /** A raw 64-byte Ed25519 signature of `message` (for transactions, the signing digest). */
  override async sign(message: Uint8Array): Promise<Uint8Array> {
    return ed25519.sign(message, this.#secret)
  }

  /** Keeps secrets out of logs and JSON. */
  toJSON(): { address: string } {
    return { address: this.toSomaAddress() }
  }
}
