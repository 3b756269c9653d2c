/**
 * Client of the local network's blob store (`@soma-ts/localnet`'s `startBlobStore`). The protocol
 * is plain HTTP on named keys:
 *
 * - `PUT /blobs/<key>` with the body (Content-Length or chunked) and, optionally,
 *   `x-soma-blake2b-256: <Base58>`: the store writes a temporary file, syncs it and renames it into
 *   place only when the body is complete, within the size limit and (if given) matches the
 *   checksum. It answers `201 {"key","url","size","checksum"}` (checksum in Base58). Errors are
 *   JSON `{"error": "..."}` with 400 (bad key), 409 (key is a directory), 413 (too large),
 *   422 (checksum mismatch).
 * - `GET /blobs/<key>` (and `HEAD`, and single `Range: bytes=a-b`) serves it.
 *
 * Keys are named rather than content-addressed so that a weights URL can be chosen (and committed
 * to on chain) before the file exists; the checksum travels in the manifest next to the URL.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import { Readable, Transform } from 'node:stream'

import { blake2b } from '@noble/hashes/blake2.js'

import { truncate } from '../errors/base.js'
import { bytesEqual, fromBase58, toBase58 } from '../utils/encoding.js'
import { download, type DownloadOptions, type DownloadResult, type FileDownloadResult } from './download.js'
import { NetworkError, StorageConfigError, AbortedError, TransferTimeoutError, UploadFailedError } from './errors.js'
import { redactUrl, validateObjectKey } from './keys.js'
import type { ObjectStorage, UploadOptions, UploadResult, UploadSource } from './types.js'

/** Header carrying the Blake2b-256 (Base58) of a PUT body; the store refuses a body that differs. */
export const BLOB_CHECKSUM_HEADER = 'x-soma-blake2b-256'

/** An upload whose connection moves no byte for this long is given up (the store is local). */
const UPLOAD_IDLE_TIMEOUT_MS = 30_000

export interface BlobStoreStorageOptions {
  /** The store's base URL, e.g. `http://127.0.0.1:9130` (what `startBlobStore` returns). */
  url: string
}

export class BlobStoreStorage implements ObjectStorage {
  /** Base URL without a trailing slash. */
  readonly url: string
  readonly #origin: string

  constructor(options: BlobStoreStorageOptions) {
    let parsed: URL
    try {
      parsed = new URL(options?.url)
    } catch {
      throw new StorageConfigError('The blob store URL is not valid.')
    }
    if (parsed.protocol !== 'http:' || parsed.username || parsed.password || parsed.search || parsed.hash) {
      throw new StorageConfigError('The blob store URL must be a plain http:// URL.', { details: redactUrl(parsed) })
    }
    this.url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`
    this.#origin = parsed.origin
  }

  publicUrl(key: string): string {
    return `${this.url}/blobs/${validateObjectKey(key)}`
  }

  async upload(source: UploadSource, options: UploadOptions): Promise<UploadResult> {
    const key = validateObjectKey(options?.key)
    const signal = options.signal
    if (signal?.aborted) throw new AbortedError({ details: 'the upload was aborted' })
    const { body, size, checksumAhead } = await openSource(source, options.size, key)
    const url = new URL(this.publicUrl(key))
    const hash = blake2b.create({ dkLen: 32 })
    let sent = 0
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length
        hash.update(chunk)
        options.onProgress?.({ transferred: sent, total: size })
        done(null, chunk)
      },
    })
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream' }
    if (size !== undefined) {
      headers['content-length'] = String(size)
      // The store refuses a key or a length before the body is sent, instead of mid-way.
      headers.expect = '100-continue'
    }
    if (checksumAhead) headers[BLOB_CHECKSUM_HEADER] = toBase58(checksumAhead)

    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(url, { method: 'PUT', headers, agent: false })
      let settled = false
      const settle = (fn: () => void) => {
        if (!settled) {
          settled = true
          signal?.removeEventListener('abort', onAbort)
          fn()
        }
      }
      const onAbort = () => {
        req.destroy()
        body.destroy()
        settle(() => reject(new AbortedError({ details: 'the upload was aborted; the store discards a body that stops early' })))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      req.setTimeout(UPLOAD_IDLE_TIMEOUT_MS, () => {
        req.destroy()
        body.destroy()
        settle(() => reject(new TransferTimeoutError({ url: redactUrl(url), phase: 'idle', timeoutMs: UPLOAD_IDLE_TIMEOUT_MS })))
      })
      let sending = false
      let status: number | undefined
      const chunks: Buffer[] = []
      let length = 0
      const answered = () => ({ status: status as number, text: Buffer.concat(chunks).toString('utf8') })
      req.once('response', (res) => {
        status = res.statusCode ?? 0
        res.on('data', (c: Buffer) => {
          if (length < 64 * 1024) chunks.push(c)
          length += c.length
        })
        res.once('end', () =>
          settle(() => {
            // Refused before the body was asked for: nothing more to send.
            if (!sending) {
              body.destroy()
              req.destroy()
            }
            resolve(answered())
          }),
        )
        res.once('error', () => settle(() => resolve(answered())))
      })
      req.once('error', (err: NodeJS.ErrnoException) => {
        // A store that refused early (413) closes the connection while the body is still going:
        // once its answer has arrived, that answer is what counts.
        if (status !== undefined) settle(() => resolve(answered()))
        else settle(() => reject(new NetworkError({ url: redactUrl(url), details: `${err.code ?? err.name}: ${err.message.slice(0, 160)}` })))
      })
      body.once('error', (err) => {
        req.destroy()
        settle(() => reject(new UploadFailedError({ key, details: `reading the source failed (${(err as NodeJS.ErrnoException).code ?? err.message.slice(0, 80)})` })))
      })
      const send = () => {
        if (sending || settled) return
        sending = true
        body.pipe(meter).pipe(req)
      }
      if (headers.expect) {
        req.once('continue', send)
        // A server that ignores Expect gets the body after a short wait, as curl does.
        const fallback = setTimeout(send, 1_000)
        req.once('close', () => clearTimeout(fallback))
        req.flushHeaders()
      } else {
        send()
      }
    })

    if (answer.status !== 201) {
      let message = ''
      try {
        message = String((JSON.parse(answer.text) as { error?: unknown }).error ?? '')
      } catch {
        message = ''
      }
      throw new UploadFailedError({ key, status: answer.status, details: truncate(`HTTP ${answer.status}${message ? `: ${message}` : ''}`, 240) })
    }
    const checksum = hash.digest()
    let stored: { size?: unknown; checksum?: unknown }
    try {
      stored = JSON.parse(answer.text) as typeof stored
    } catch {
      throw new UploadFailedError({ key, status: answer.status, details: 'the store answered with something that is not JSON' })
    }
    const storedChecksum = typeof stored.checksum === 'string' ? safeBase58(stored.checksum) : undefined
    if (stored.size !== sent || !storedChecksum || !bytesEqual(storedChecksum, checksum)) {
      throw new UploadFailedError({ key, details: `the store reports ${String(stored.size)} bytes / ${String(stored.checksum).slice(0, 60)}, but ${sent} bytes / ${toBase58(checksum)} were sent` })
    }
    return { url: url.href, size: sent, checksum }
  }

  download(url: string, options: DownloadOptions & { destination: string }): Promise<FileDownloadResult>
  download(url: string, options?: DownloadOptions): Promise<DownloadResult>
  download(url: string, options: DownloadOptions = {}): Promise<DownloadResult | FileDownloadResult> {
    // The store lives on loopback; only its own origin is exempt from the address check.
    return download(url, { ...options, trustedOrigins: [this.#origin, ...(options.trustedOrigins ?? [])] })
  }

  toJSON(): Record<string, string> {
    return { kind: 'blob-store', url: this.url }
  }
}

function safeBase58(text: string): Uint8Array | undefined {
  try {
    return fromBase58(text)
  } catch {
    return undefined
  }
}

async function openSource(
  source: UploadSource,
  declaredSize: number | undefined,
  key: string,
): Promise<{ body: Readable; size: number | undefined; checksumAhead: Uint8Array | undefined }> {
  if (declaredSize !== undefined && (!Number.isSafeInteger(declaredSize) || declaredSize < 0)) {
    throw new UploadFailedError({ key, details: `size must be a non-negative integer, got ${String(declaredSize)}` })
  }
  if (source instanceof Uint8Array) {
    // Known up front, so the store can check it before the file becomes visible.
    return { body: Readable.from([Buffer.from(source.buffer, source.byteOffset, source.byteLength)]), size: source.length, checksumAhead: blake2b(source, { dkLen: 32 }) }
  }
  if (typeof source === 'string') {
    let info
    try {
      info = await stat(source)
    } catch (err) {
      throw new UploadFailedError({ key, details: `cannot read the source file (${(err as NodeJS.ErrnoException).code ?? 'error'})` })
    }
    if (!info.isFile()) throw new UploadFailedError({ key, details: 'the source is not a regular file' })
    return { body: createReadStream(source, { highWaterMark: 1024 * 1024 }), size: info.size, checksumAhead: undefined }
  }
  if (source instanceof Readable) return { body: source, size: declaredSize, checksumAhead: undefined }
  throw new UploadFailedError({ key, details: 'the source must be a file path, a Uint8Array or a Readable' })
}
