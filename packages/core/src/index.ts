/**
 * @soma-ts/core: the native core of soma-ts. Blake2b-256 and AES-256-CTR exactly as
 * the SOMA protocol uses them (zero IV, 128-bit big-endian counter), in one-shot,
 * streaming and file forms, and BLS12-381 min-sig committee signing. Every slow call has
 * an async form that runs off the event loop and accepts an AbortSignal.
 */

import { InvalidArgumentError, InvalidKeyError } from './errors.js'
import { callAsync, callSync, usableBytes } from './native-call.js'
import { native } from './native.js'
import { version as packageVersion } from './version.js'

export * from './errors.js'

/** The version of @soma-ts/core. */
export const version: string = packageVersion

/** Length of an AES-256 key in bytes. */
export const KEY_LENGTH = 32
/** Length of a Blake2b-256 digest in bytes. */
export const DIGEST_LENGTH = 32

export interface AsyncOptions {
  /** Abort the work; the promise rejects with `AbortedError`. */
  signal?: AbortSignal
}

export interface FileOptions extends AsyncOptions {
  /**
   * Called with the number of bytes processed so far, after each chunk, in increasing
   * order and never after the promise settles. If it throws, the work stops and the
   * promise rejects with what it threw.
   */
  onProgress?: (processedBytes: number) => void
}

export interface EncryptedFile {
  /** Blake2b-256 of the ciphertext: the manifest checksum and the weights commitment. */
  checksum: Uint8Array
  /** Size of the ciphertext in bytes (equal to the plaintext's). */
  size: number
}

const bytes = usableBytes

function key32(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidKeyError('The key must be a Uint8Array of 32 bytes.', {
      details: `got ${value === null ? 'null' : typeof value}`,
    })
  }
  if (value.length !== KEY_LENGTH) {
    throw new InvalidKeyError(`The key must be 32 bytes, got ${value.length}.`)
  }
  return value
}

function path(value: unknown, what: string): string {
  if (typeof value === 'string' && value.length > 0) return value
  throw new InvalidArgumentError(`${what} must be a non-empty path string.`)
}

function offsetOf(value: number | bigint | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = typeof value === 'bigint' ? Number(value) : value
  if (!Number.isSafeInteger(n) || n < 0 || (typeof value === 'bigint' && BigInt(n) !== value)) {
    throw new InvalidArgumentError('The offset must be a non-negative safe integer.')
  }
  return n
}

const asArray = (b: Uint8Array): Uint8Array =>
  Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

// ---------------------------------------------------------------- Blake2b-256

/** Blake2b-256 of `data` (32 bytes). */
export function blake2b256(data: Uint8Array): Uint8Array {
  const input = bytes(data, 'data')
  return asArray(callSync(() => native.blake2b256(input)))
}

/** Blake2b-256 of `data`, computed on a worker thread. */
export async function blake2b256Async(data: Uint8Array, options: AsyncOptions = {}): Promise<Uint8Array> {
  const input = bytes(data, 'data')
  return asArray(
    await callAsync({ signal: options.signal, abortWhenLate: true }, (_, signal) => native.blake2b256Async(input, signal)),
  )
}

/** Streaming Blake2b-256: `update` any number of times, then `digest`. */
export class Blake2b256 {
  readonly #inner = new native.Blake2b256Hasher()

  update(data: Uint8Array): this {
    const input = bytes(data, 'data')
    callSync(() => this.#inner.update(input))
    return this
  }

  /** The digest of everything fed so far; the hasher stays usable. */
  digest(): Uint8Array {
    return asArray(callSync(() => this.#inner.digest()))
  }

  /** Bytes fed so far. */
  get length(): number {
    return this.#inner.length
  }
}

// Promise-returning functions are `async` so that invalid arguments reject rather than
// throw synchronously.

/** Blake2b-256 of a file's contents, read in chunks on a worker thread. */
export async function blake2b256File(filePath: string, options: FileOptions = {}): Promise<Uint8Array> {
  const p = path(filePath, 'filePath')
  return asArray(
    await callAsync<Uint8Array>(options, (onProgress, signal) => native.blake2b256File(p, onProgress, signal)),
  )
}

/** Blake2b-256 of a file's contents, blocking the calling thread. */
export function blake2b256FileSync(filePath: string): Uint8Array {
  const p = path(filePath, 'filePath')
  return asArray(callSync(() => native.blake2b256FileSync(p)))
}

// ---------------------------------------------------------------- BLS12-381

const utf8 = new TextEncoder()
const BLS_KEY_HINT = 'A BLS12-381 secret key is 32 bytes, a big-endian scalar from 1 to the group order minus 1.'

/**
 * The aggregate BLS12-381 min-sig signature (signatures in G1, public keys in G2) of a
 * committee over `message`: each key signs `hash_to_G1(message, dst)` and the signatures
 * are summed, compressed to 48 bytes. The same bytes as `@noble/curves`'
 * `bls12_381.shortSignatures` signing with each key and `aggregateSignatures`, in one
 * native call with one hash and one scalar multiplication whatever the committee size.
 * Synchronous: it takes well under a millisecond.
 *
 * @param dst - the hash-to-curve domain separation tag, 1 to 255 bytes (a string is UTF-8).
 * @param secretKeys - one or more 32-byte big-endian scalars. Unlike noble, a key of zero
 *   or of at least the group order is refused (`InvalidKeyError`) rather than reduced.
 */
export function blsMinSigSignAggregate(
  message: Uint8Array,
  dst: string | Uint8Array,
  secretKeys: readonly Uint8Array[],
): Uint8Array {
  const m = bytes(message, 'message')
  const d = typeof dst === 'string' ? utf8.encode(dst) : bytes(dst, 'dst')
  if (!Array.isArray(secretKeys)) {
    throw new InvalidArgumentError('secretKeys must be an array of 32-byte Uint8Arrays.', {
      details: `got ${secretKeys === null ? 'null' : typeof secretKeys}`,
    })
  }
  const keys = secretKeys.map((key: unknown, i) => {
    if (!(key instanceof Uint8Array)) {
      throw new InvalidKeyError(`secretKeys[${i}] must be a Uint8Array of 32 bytes.`, { hint: BLS_KEY_HINT })
    }
    return bytes(key, `secretKeys[${i}]`)
  })
  try {
    return asArray(callSync(() => native.blsMinSigSignAggregate(m, d, keys)))
  } catch (err) {
    // The native code is shared with AES keys; give the hint that fits a BLS key.
    if (err instanceof InvalidKeyError) throw new InvalidKeyError(err.shortMessage, { cause: err.cause, hint: BLS_KEY_HINT })
    throw err
  }
}

// ---------------------------------------------------------------- Ed25519

/**
 * Whether `signature` (64 bytes) is an RFC 8032 Ed25519 signature of `message` by
 * `publicKey` (32 bytes), checked natively (AWS-LC). Wrong lengths and keys that are not
 * curve points are `false`. RFC 8032 accepts a subset of what the chain's ZIP-215 rules
 * accept, so a `true` is valid on chain and a `false` needs the ZIP-215 verifier
 * (the SDK's `verifySignedTransaction`) for the final word.
 */
export function ed25519VerifyStrict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const pk = bytes(publicKey, 'publicKey')
  const m = bytes(message, 'message')
  const sig = bytes(signature, 'signature')
  return callSync(() => native.ed25519VerifyStrict(pk, m, sig))
}

// ---------------------------------------------------------------- AES-256-CTR

/**
 * AES-256-CTR with a zero IV and a 128-bit big-endian counter, as the protocol encrypts
 * model weights. Encryption and decryption are the same call.
 */
export function aes256Ctr(data: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes(data, 'data'))
  const k = key32(key)
  callSync(() => native.aes256CtrInPlace(out, k))
  return out
}

/** `aes256Ctr` into `data` itself: no allocation, for large buffers and streams. */
export function aes256CtrInPlace(data: Uint8Array, key: Uint8Array): void {
  const target = bytes(data, 'data')
  const k = key32(key)
  callSync(() => native.aes256CtrInPlace(target, k))
}

/** `aes256Ctr` on a worker thread. */
export async function aes256CtrAsync(data: Uint8Array, key: Uint8Array, options: AsyncOptions = {}): Promise<Uint8Array> {
  const input = bytes(data, 'data')
  const k = key32(key)
  return asArray(
    await callAsync({ signal: options.signal, abortWhenLate: true }, (_, signal) => native.aes256CtrAsync(input, k, signal)),
  )
}

/**
 * A streaming AES-256-CTR keystream, positioned at any byte offset: chunks may be
 * of any size, and `seek` lets independent pieces of a large file be processed apart.
 */
export class Aes256Ctr {
  readonly #inner: InstanceType<typeof native.Aes256CtrStream>

  constructor(key: Uint8Array, options: { offset?: number | bigint } = {}) {
    const k = key32(key)
    const offset = offsetOf(options.offset)
    this.#inner = callSync(() => new native.Aes256CtrStream(k, offset))
  }

  /** Returns `data` XORed with the keystream at the current offset, and advances. */
  update(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(bytes(data, 'data'))
    callSync(() => this.#inner.updateInPlace(out))
    return out
  }

  /** Like `update`, but XORs into `data` itself (no allocation); for streams. */
  updateInPlace(data: Uint8Array): void {
    const target = bytes(data, 'data')
    callSync(() => this.#inner.updateInPlace(target))
  }

  seek(offset: number | bigint): void {
    const o = offsetOf(offset) ?? 0
    callSync(() => this.#inner.seek(o))
  }

  get offset(): number {
    return this.#inner.offset
  }
}

/** AES-256-CTR of file `src` into `dst` (written atomically); resolves to the byte count. */
export async function aes256CtrFile(src: string, dst: string, key: Uint8Array, options: FileOptions = {}): Promise<number> {
  const s = path(src, 'src')
  const d = path(dst, 'dst')
  const k = key32(key)
  return callAsync<number>({ ...options, finalCount: (n) => n }, (onProgress, signal) =>
    native.aes256CtrFile(s, d, k, onProgress, signal),
  )
}

/**
 * Encrypts `src` into `dst` in one pass and returns the ciphertext's Blake2b-256 and
 * size: everything a weights commit needs, with the input read once and never held in
 * memory.
 */
export async function encryptFileWithChecksum(
  src: string,
  dst: string,
  key: Uint8Array,
  options: FileOptions = {},
): Promise<EncryptedFile> {
  const s = path(src, 'src')
  const d = path(dst, 'dst')
  const k = key32(key)
  const r = await callAsync<{ checksum: Uint8Array; size: number }>(
    { ...options, finalCount: (out) => out.size },
    (onProgress, signal) => native.encryptFileWithChecksum(s, d, k, onProgress, signal),
  )
  return { checksum: asArray(r.checksum), size: r.size }
}

// ---------------------------------------------------------------- encodings and keys

export { fromBase58, toBase58 } from './bytes.js'

/** 32 fresh random bytes from the platform CSPRNG, for an AES-256 key. */
export function randomKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(KEY_LENGTH))
}

// ---------------------------------------------------------------- configuration

export interface CoreConfiguration {
  /**
   * Threads of the native thread pool that every model load and score call shares
   * (default: the machine's logical cores). Two concurrent `score()` calls split these
   * threads rather than each taking every core. Results are bit-identical whatever the
   * count. Calls already running keep the pool they started on.
   */
  threads: number
}

/**
 * Sets process-wide options of the native core and returns the options now in force;
 * `configure()` only reads them.
 */
export function configure(options: Partial<CoreConfiguration> = {}): CoreConfiguration {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('configure() takes an options object.')
  const { threads } = options
  if (threads !== undefined) {
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 1024) {
      throw new InvalidArgumentError('threads must be an integer from 1 to 1024.', { details: `got ${String(threads)}` })
    }
    callSync(() => native.setThreads(threads))
  }
  return { threads: callSync(() => native.threads()) }
}

export * from './model.js'
