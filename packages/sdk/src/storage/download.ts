/**
 * Verified downloads: the body is hashed (Blake2b-256) and counted while it streams, the transfer
 * stops as soon as it passes the declared size or `maxBytes`, and the result is handed out only
 * when size and checksum both match. Bytes land once: in one buffer (pre-sized when the length is
 * known) or in a temporary file that is synced and renamed into place, never left half written.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

import { blake2b } from '@noble/hashes/blake2.js'

import { BaseError } from '../errors/base.js'
import { InvalidArgumentError } from '../errors/index.js'
import { bytesEqual, digestToBytes, toBase58 } from '../utils/encoding.js'
import { ChecksumMismatchError, NetworkError, SizeMismatchError, TooLargeError, AbortedError } from './errors.js'
import { redactUrl } from './keys.js'
import { DEFAULT_CONNECT_TIMEOUT_MS, safeFetch, statusError, type UrlPolicy } from './safe-fetch.js'
import type { TransferProgress } from './types.js'

/** Without `expectedSize` or `maxBytes`, a download stops here. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024

export interface DownloadOptions extends UrlPolicy {
  /** The declared size: more or fewer bytes is a `SizeMismatchError`. */
  expectedSize?: number | bigint
  /** The declared Blake2b-256, Base58 text or 32 bytes: a difference is a `ChecksumMismatchError`. */
  expectedChecksum?: string | Uint8Array
  /** Upper bound when the size is not declared (default 1 GiB); over it is a `TooLargeError`. */
  maxBytes?: number
  /** Write to this file (atomically) instead of returning the bytes. */
  destination?: string
  onProgress?: (progress: TransferProgress) => void
  signal?: AbortSignal
  connectTimeoutMs?: number
  /** Default: 30 s + 50 ns per declared byte, at most 600 s (the reference client's rule). */
  totalTimeoutMs?: number
}

interface DownloadCommon {
  size: number
  /** Blake2b-256 of the bytes received. */
  checksum: Uint8Array
}
export interface DownloadResult extends DownloadCommon {
  bytes: Uint8Array
}
export interface FileDownloadResult extends DownloadCommon {
  path: string
}

function sizeOption(value: number | bigint | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = typeof value === 'bigint' ? Number(value) : value
  if (!Number.isSafeInteger(n) || n < 0 || (typeof value === 'bigint' && BigInt(n) !== value)) {
    throw new InvalidArgumentError(`${name} must be a non-negative safe integer.`, { details: `got ${String(value).slice(0, 40)}` })
  }
  return n
}

/** The reference client's per-request budget: 30 s plus 50 ns per byte, capped at 10 minutes. */
export function defaultTotalTimeoutMs(size: number | undefined): number {
  return Math.min(600_000, 30_000 + Math.ceil((size ?? 0) / 20_000))
}

interface Sink {
  write(chunk: Uint8Array): Promise<void> | void
  commit(): Promise<void>
  discard(): Promise<void>
}

function memorySink(sizeHint: number | undefined): Sink & { bytes(): Uint8Array } {
  let buffer = sizeHint !== undefined ? new Uint8Array(sizeHint) : undefined
  const chunks: Uint8Array[] = []
  let length = 0
  return {
    write(chunk) {
      if (buffer && length + chunk.length <= buffer.length) buffer.set(chunk, length)
      else chunks.push(chunk)
      length += chunk.length
    },
    async commit() {},
    async discard() {
      buffer = undefined
      chunks.length = 0
    },
    bytes() {
      if (buffer && chunks.length === 0) return length === buffer.length ? buffer : buffer.subarray(0, length)
      const out = new Uint8Array(length)
      let offset = 0
      if (buffer) {
        out.set(buffer.subarray(0, Math.min(length, buffer.length)), 0)
        offset = Math.min(length, buffer.length)
      }
      for (const c of chunks) {
        out.set(c, offset)
        offset += c.length
      }
      return out
    },
  }
}

async function fileSink(destination: string): Promise<Sink> {
  const temp = join(dirname(destination), `.${basename(destination)}.${randomBytes(6).toString('hex')}.partial`)
  const handle = await open(temp, 'wx', 0o644)
  let closed = false
  const close = async () => {
    if (!closed) {
      closed = true
      await handle.close()
    }
  }
  return {
    async write(chunk) {
      let offset = 0
      while (offset < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
        offset += bytesWritten
      }
    },
    async commit() {
      await handle.sync()
      await close()
      await rename(temp, destination)
    },
    async discard() {
      await close().catch(() => undefined)
      await unlink(temp).catch(() => undefined)
    },
  }
}

/**
 * Downloads `url` under the URL policy in `options` (by default only public addresses), checking
 * size and Blake2b-256 while it streams. Returns the bytes, or writes them to `destination`.
 */
export function download(url: string, options: DownloadOptions & { destination: string }): Promise<FileDownloadResult>
export function download(url: string, options?: DownloadOptions): Promise<DownloadResult>
export async function download(url: string, options: DownloadOptions = {}): Promise<DownloadResult | FileDownloadResult> {
  const expectedSize = sizeOption(options.expectedSize, 'expectedSize')
  const maxBytes = sizeOption(options.maxBytes, 'maxBytes') ?? DEFAULT_MAX_DOWNLOAD_BYTES
  const expectedChecksum = options.expectedChecksum === undefined ? undefined : digestToBytes(options.expectedChecksum, 'expected checksum')
  const display = redactUrl(url)
  if (expectedSize !== undefined && expectedSize > maxBytes) {
    throw new TooLargeError({ url: display, limit: maxBytes, details: `the declared size is ${expectedSize} bytes` })
  }
  const limit = expectedSize ?? maxBytes
  const tooMany = (received: number) =>
    expectedSize !== undefined
      ? new SizeMismatchError({ url: display, expected: expectedSize, actual: received, details: `got more than the declared ${expectedSize} bytes; stopped` })
      : new TooLargeError({ url: display, limit: maxBytes })

  const response = await safeFetch(url, {
    ...options,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    totalTimeoutMs: options.totalTimeoutMs ?? defaultTotalTimeoutMs(expectedSize),
  })
  if (response.status !== 200) throw statusError(response)
  const declared = response.contentLength
  if (declared !== undefined) {
    if (expectedSize !== undefined && declared !== expectedSize) {
      response.body.destroy()
      throw new SizeMismatchError({ url: display, expected: expectedSize, actual: declared, details: `the server declares ${declared} bytes` })
    }
    if (declared > limit) {
      response.body.destroy()
      throw tooMany(declared)
    }
  }

  const memory = options.destination === undefined ? memorySink(declared ?? expectedSize) : undefined
  let sink: Sink
  try {
    sink = memory ?? (await fileSink(options.destination as string))
  } catch (err) {
    response.body.destroy()
    throw new InvalidArgumentError('Cannot create the download destination.', { details: `${(err as NodeJS.ErrnoException).code ?? 'error'} in ${dirname(options.destination as string)}` })
  }
  const hash = blake2b.create({ dkLen: 32 })
  let received = 0
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      received += chunk.length
      if (received > limit) throw tooMany(received)
      hash.update(chunk)
      await sink.write(chunk)
      options.onProgress?.({ transferred: received, total: expectedSize ?? declared })
    }
    if (expectedSize !== undefined && received !== expectedSize) {
      throw new SizeMismatchError({ url: display, expected: expectedSize, actual: received })
    }
    if (declared !== undefined && received !== declared) {
      throw new NetworkError({ url: display, details: `the connection closed after ${received} of ${declared} bytes` })
    }
    const checksum = hash.digest()
    if (expectedChecksum && !bytesEqual(checksum, expectedChecksum)) {
      throw new ChecksumMismatchError(`Checksum mismatch for ${display}.`, {
        details: `expected Blake2b-256 ${toBase58(expectedChecksum)}, got ${toBase58(checksum)}`,
        expected: toBase58(expectedChecksum),
        actual: toBase58(checksum),
      })
    }
    await sink.commit()
    if (memory) return { size: received, checksum, bytes: memory.bytes() }
    return { size: received, checksum, path: options.destination as string }
  } catch (err) {
    response.body.destroy()
    await sink.discard()
    if (err instanceof BaseError) throw err
    if (options.signal?.aborted) throw new AbortedError({ details: 'the download was aborted' })
    throw new NetworkError({ url: display, details: `the transfer broke off after ${received} bytes (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})` })
  }
}
