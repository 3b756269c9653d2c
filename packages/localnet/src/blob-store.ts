/**
 * The local network's blob store: where a laptop's model weights and submission data live so that
 * the local validators and scoring service can fetch them by URL, like S3 at scale.
 *
 * Protocol (the SDK's `BlobStoreStorage` is its client): `PUT /blobs/<key>` stores a body,
 * `GET`/`HEAD /blobs/<key>` serve it (with single-range support). Keys are named, not
 * content-addressed, so a URL can be committed on chain before the upload; the client sends the
 * Blake2b-256 in `x-soma-blake2b-256` when it knows it, and the answer always carries the
 * checksum of what was stored.
 *
 * Guarantees: a body is written to a temporary file, synced and renamed into place only once it is
 * complete, within `maxBytes` and matching the declared checksum, so a failed or interrupted PUT
 * leaves nothing visible; keys are validated before they touch the file system (no traversal);
 * the server listens on 127.0.0.1 unless told otherwise.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join, resolve, sep } from 'node:path'

import { blake2b } from '@noble/hashes/blake2.js'
import { BLOB_CHECKSUM_HEADER, isValidObjectKey, StorageConfigError } from '@soma-ts/sdk/storage'
import { base58 } from '@scure/base'

export const DEFAULT_BLOB_STORE_MAX_BYTES = 2 * 1024 * 1024 * 1024
const BLOBS_PREFIX = '/blobs/'

export interface BlobStoreOptions {
  /** Where blobs are kept (created if missing): `<dir>/blobs/<key>`, temporaries in `<dir>/tmp`. */
  dir: string
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
  /** Largest body accepted, in bytes (default 2 GiB). */
  maxBytes?: number
}

export interface BlobStore {
  /** Base URL, e.g. `http://127.0.0.1:41234`; blobs are at `${url}/blobs/<key>`. */
  url: string
  /** Where the blobs are on disk. */
  blobsDir: string
  /** Stops listening, cuts open connections, waits for in-flight requests and removes temporaries. */
  stop(): Promise<void>
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra })
  res.end(text)
}

/**
 * Answers an error while the client may still be sending. A client that asked `Expect:
 * 100-continue` never got the go-ahead and sends nothing more; any other one has its remaining
 * bytes read and dropped for a moment (so that it reads the answer instead of a reset), then the
 * connection is closed.
 */
function refuseUpload(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message })
  req.removeAllListeners('data')
  req.resume()
  if (!req.complete) setTimeout(() => req.socket.destroy(), 1_000).unref()
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
    offset += bytesWritten
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export async function startBlobStore(options: BlobStoreOptions): Promise<BlobStore> {
  if (typeof options?.dir !== 'string' || options.dir === '') throw new StorageConfigError('The blob store needs a directory (dir).')
  const maxBytes = options.maxBytes ?? DEFAULT_BLOB_STORE_MAX_BYTES
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new StorageConfigError('The blob store maxBytes must be a non-negative integer.', { details: `got ${String(maxBytes).slice(0, 40)}` })
  }
  const root = resolve(options.dir)
  const blobsDir = join(root, 'blobs')
  const tmpDir = join(root, 'tmp')
  await mkdir(blobsDir, { recursive: true })
  // Temporaries of a previous run that was killed are never visible, but take space.
  await rm(tmpDir, { recursive: true, force: true })
  await mkdir(tmpDir, { recursive: true })

  const inFlight = new Set<Promise<void>>()
  let baseUrl = ''

  /** The file for a raw request path, or an HttpFailure; never a path outside `blobsDir`. */
  function targetOf(rawUrl: string): { key: string; path: string } {
    const path = rawUrl.split('?', 1)[0] as string
    if (!path.startsWith(BLOBS_PREFIX)) throw new HttpFailure(404, 'not found (blobs are under /blobs/<key>)')
    const key = path.slice(BLOBS_PREFIX.length)
    if (!isValidObjectKey(key)) throw new HttpFailure(400, "invalid key: use segments of [A-Za-z0-9._-] separated by '/', no '.' or '..'")
    const file = resolve(blobsDir, ...key.split('/'))
    if (!file.startsWith(blobsDir + sep)) throw new HttpFailure(400, 'invalid key')
    return { key, path: file }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let size: number
    try {
      const info = await stat(path)
      if (!info.isFile()) throw new HttpFailure(404, 'not found')
      size = info.size
    } catch (err) {
      if (err instanceof HttpFailure) throw err
      throw new HttpFailure(404, 'not found')
    }
    let start = 0
    let end = size - 1
    let status = 200
    const range = req.headers.range
    const single = typeof range === 'string' ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null
    if (single && (single[1] !== '' || single[2] !== '')) {
      if (single[1] === '') {
        start = Math.max(0, size - Number(single[2]))
      } else {
        start = Number(single[1])
        if (single[2] !== '') end = Math.min(end, Number(single[2]))
      }
      if (start > end || start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` })
        res.end()
        return
      }
      status = 206
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': size === 0 ? 0 : end - start + 1,
      'accept-ranges': 'bytes',
    }
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`
    res.writeHead(status, headers)
    if (req.method === 'HEAD' || size === 0) {
      res.end()
      return
    }
    await new Promise<void>((done) => {
      const file = createReadStream(path, { start, end })
      file.once('error', () => {
        res.destroy()
        done()
      })
      res.once('close', () => {
        file.destroy()
        done()
      })
      file.pipe(res)
    })
  }

  async function store(req: IncomingMessage, res: ServerResponse, key: string, path: string): Promise<void> {
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > maxBytes) {
      refuseUpload(req, res, 413, `the body (${declared} bytes) is over the limit of ${maxBytes} bytes`)
      return
    }
    const checksumText = req.headers[BLOB_CHECKSUM_HEADER]
    let expected: Uint8Array | undefined
    if (checksumText !== undefined) {
      try {
        expected = base58.decode(String(checksumText))
      } catch {
        expected = undefined
      }
      if (expected?.length !== 32) {
        refuseUpload(req, res, 400, `${BLOB_CHECKSUM_HEADER} must be a Base58 Blake2b-256 (32 bytes)`)
        return
      }
    }
    // The checks that need no body have passed: let a waiting client send it.
    if (/100-continue/i.test(String(req.headers.expect ?? ''))) res.writeContinue()
    const temp = join(tmpDir, `${randomUUID()}.partial`)
    const handle = await open(temp, 'wx', 0o644)
    let fileOpen = true
    const discard = async () => {
      if (fileOpen) {
        fileOpen = false
        await handle.close().catch(() => undefined)
      }
      await unlink(temp).catch(() => undefined)
    }
    const hash = blake2b.create({ dkLen: 32 })
    let size = 0
    let actual: Uint8Array
    try {
      await new Promise<void>((done, fail) => {
        let writing: Promise<void> = Promise.resolve()
        req.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) {
            fail(new HttpFailure(413, `the body is over the limit of ${maxBytes} bytes`))
            return
          }
          hash.update(chunk)
          req.pause()
          writing = writeAll(handle, chunk).then(() => void req.resume(), fail)
        })
        req.once('end', () => void writing.then(done, fail))
        req.once('error', fail)
        req.once('close', () => {
          if (!req.complete) fail(new Error('the client went away before the body was complete'))
        })
      })
      await handle.sync()
      fileOpen = false
      await handle.close()
      actual = hash.digest()
      if (expected && Buffer.compare(Buffer.from(expected), Buffer.from(actual)) !== 0) {
        throw new HttpFailure(422, `checksum mismatch: the body's Blake2b-256 is ${base58.encode(actual)}, the header says ${base58.encode(expected)}`)
      }
      try {
        await mkdir(dirname(path), { recursive: true })
        await rename(temp, path)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
          throw new HttpFailure(409, 'the key clashes with an existing key (one is a prefix directory of the other)')
        }
        throw err
      }
      await syncDirectory(dirname(path))
    } catch (err) {
      await discard()
      if (err instanceof HttpFailure) {
        refuseUpload(req, res, err.status, err.message)
        return
      }
      // The client is gone (or the disk failed): nothing was made visible.
      if (!res.headersSent && !req.destroyed) sendJson(res, 500, { error: 'the upload could not be stored' })
      return
    }
    sendJson(res, 201, { key, url: `${baseUrl}${BLOBS_PREFIX}${key}`, size, checksum: base58.encode(actual) })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const { key, path } = targetOf(req.url ?? '/')
      if (req.method === 'GET' || req.method === 'HEAD') await serve(req, res, path)
      else if (req.method === 'PUT') await store(req, res, key, path)
      else throw new HttpFailure(405, `method ${String(req.method).slice(0, 16)} is not allowed`)
    } catch (err) {
      const failure = err instanceof HttpFailure ? err : new HttpFailure(500, 'internal error')
      if (req.method === 'PUT') refuseUpload(req, res, failure.status, failure.message)
      else sendJson(res, failure.status, { error: failure.message }, failure.status === 405 ? { allow: 'GET, HEAD, PUT' } : {})
    }
  }

  const dispatch = (req: IncomingMessage, res: ServerResponse) => {
    const job = handle(req, res).finally(() => inFlight.delete(job))
    inFlight.add(job)
  }
  const server = http.createServer(dispatch)
  // Answered by `store` once the key and the declared length are acceptable, not up front.
  server.on('checkContinue', dispatch)
  server.on('clientError', (_err, socket) => socket.destroy())
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 0
  await new Promise<void>((ready, failed) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      failed(new StorageConfigError(`The blob store cannot listen on ${host}:${port}.`, { details: err.code ?? err.message.slice(0, 120) })),
    )
    server.listen(port, host, () => {
      server.removeAllListeners('error')
      ready()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  baseUrl = `http://${shownHost}:${address.port}`

  let stopping: Promise<void> | undefined
  return {
    url: baseUrl,
    blobsDir,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((done) => server.close(() => done()))
        server.closeAllConnections()
        await closed
        await Promise.allSettled([...inFlight])
        for (const name of await readdir(tmpDir).catch(() => [] as string[])) await unlink(join(tmpDir, name)).catch(() => undefined)
      })()
      return stopping
    },
  }
}
