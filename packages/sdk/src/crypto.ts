/**
 * The protocol's crypto helpers, with the reference SDK's meaning (`encrypt_weights`,
 * `decrypt_weights`, `commitment`): AES-256-CTR with a zero IV and Base58 keys, and
 * Blake2b-256 commitments in Base58 (never hex).
 */
import {
  aes256Ctr,
  blake2b256,
  blake2b256File,
  encryptFileWithChecksum,
  fromBase58,
  InvalidKeyError,
  KEY_LENGTH,
  randomKey,
  toBase58,
  type FileOptions,
} from '@soma-ts/core'

/** A key as raw 32 bytes or as its Base58 text. */
export type KeyInput = Uint8Array | string

/** Parses a decryption key given as 32 raw bytes or Base58 text. */
export function parseKey(key: KeyInput): Uint8Array {
  if (typeof key === 'string') {
    let raw: Uint8Array
    try {
      raw = fromBase58(key)
    } catch {
      throw new InvalidKeyError('The decryption key is not valid Base58.')
    }
    if (raw.length !== KEY_LENGTH) throw new InvalidKeyError(`The decryption key must decode to 32 bytes, got ${raw.length}.`)
    return raw
  }
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    throw new InvalidKeyError('The decryption key must be 32 bytes or their Base58 text.')
  }
  return key
}

/** Blake2b-256 of `data`, as Base58: checksums and every commitment. */
export function commitment(data: Uint8Array): string {
  return toBase58(blake2b256(data))
}

export interface EncryptedWeights {
  /** The ciphertext, as long as the plaintext. */
  encrypted: Uint8Array
  /** The key, Base58. */
  key: string
}

/** Encrypts weights with `key`, or with a fresh random key when none is given. */
export function encryptWeights(data: Uint8Array, key?: KeyInput): EncryptedWeights {
  const raw = key === undefined ? randomKey() : parseKey(key)
  return { encrypted: aes256Ctr(data, raw), key: toBase58(raw) }
}

/** Decrypts weights encrypted by `encryptWeights` (the same operation). */
export function decryptWeights(encrypted: Uint8Array, key: KeyInput): Uint8Array {
  return aes256Ctr(encrypted, parseKey(key))
}

export interface EncryptedWeightsFile {
  /** The key, Base58. */
  key: string
  /** Blake2b-256 of the ciphertext, Base58: manifest checksum and weights commitment. */
  checksum: string
  /** Ciphertext size in bytes. */
  size: number
}

/**
 * Encrypts a weights file into `outputPath` in one streaming pass and returns what a
 * commit needs. A multi-gigabyte file is never held in memory.
 */
export async function encryptWeightsFile(
  inputPath: string,
  outputPath: string,
  options: FileOptions & { key?: KeyInput } = {},
): Promise<EncryptedWeightsFile> {
  const raw = options.key === undefined ? randomKey() : parseKey(options.key)
  const out = await encryptFileWithChecksum(inputPath, outputPath, raw, options)
  return { key: toBase58(raw), checksum: toBase58(out.checksum), size: out.size }
}

/** Blake2b-256 of a file, Base58, streamed. */
export async function fileCommitment(path: string, options: FileOptions = {}): Promise<string> {
  return toBase58(await blake2b256File(path, options))
}
