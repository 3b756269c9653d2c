/**
 * `@soma-ts/sdk/native`: the helpers backed by the native core (AES-256-CTR over buffers and
 * files, streamed file commitments, the V1 model and scoring). Only this entry imports
 * `@soma-ts/core`, so the root entry stays browser-safe and loads no binding.
 */
import { aes256Ctr, aes256CtrFile, blake2b256File, encryptFileWithChecksum, randomKey, toBase58, type FileOptions } from '@soma-ts/core'

import { parseKey, type KeyInput } from './crypto.js'

export {
  MAX_DATA_SIZE,
  SMALL_CONFIG,
  V1_CONFIG,
  Model,
  batchCount,
  loadModel,
  score,
  type FileOptions,
  type LoadModelOptions,
  type ModelConfig,
  type ModelDevice,
  type ModelPreset,
  type ModelScore,
  type ScoreOptions,
  type ScoreProgress,
  type ScoreResult,
} from '@soma-ts/core'

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

/**
 * Decrypts an encrypted weights file into `outputPath` (written atomically) in one streaming pass;
 * resolves to the byte count.
 */
export async function decryptWeightsFile(
  inputPath: string,
  outputPath: string,
  key: KeyInput,
  options: FileOptions = {},
): Promise<number> {
  return aes256CtrFile(inputPath, outputPath, parseKey(key), options)
}

/** Blake2b-256 of a file, Base58, streamed on a worker thread. */
export async function fileCommitment(path: string, options: FileOptions = {}): Promise<string> {
  return toBase58(await blake2b256File(path, options))
}
