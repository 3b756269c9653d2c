/**
 * S3 and S3-compatible stores (MinIO, R2, moto, …) through `@aws-sdk/client-s3` and
 * `@aws-sdk/lib-storage`. Files are streamed from disk in parts (never read whole), objects are
 * written `public-read` because validators fetch weights anonymously, and the URL handed back is
 * the object's public URL (path-style for custom endpoints).
 *
 * Credentials live in a private field only: they are never part of a URL, an error, `toJSON()` or
 * `util.inspect()`, and store error texts are scrubbed of them before they are shown.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { join } from 'node:path'

import { S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { blake2b } from '@noble/hashes/blake2.js'
import { NodeHttpHandler } from '@smithy/node-http-handler'

import { truncate } from '../errors/base.js'
import { readDotEnv } from './dotenv.js'
import { download, type DownloadOptions, type DownloadResult, type FileDownloadResult } from './download.js'
import { StorageConfigError, AbortedError, UploadFailedError } from './errors.js'
import { validateObjectKey } from './keys.js'
import type { ObjectStorage, UploadOptions, UploadResult, UploadSource } from './types.js'

/** The variables `S3Storage.fromEnvironment` reads (from the environment, then `.env`). */
export const S3_ENVIRONMENT_VARIABLES = ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION'] as const

export const DEFAULT_S3_PART_SIZE = 8 * 1024 * 1024
export const DEFAULT_S3_QUEUE_SIZE = 4
const MIN_PART_SIZE = 5 * 1024 * 1024
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

export interface S3StorageConfig {
  bucket: string
  /** Default `us-east-1`. */
  region?: string
  /** A custom S3-compatible endpoint (`http(s)://host[:port][/base]`); addressing is then path-style. */
  endpoint?: string
  /** Both or neither; neither uses the AWS SDK's default credential chain. */
  accessKeyId?: string
  secretAccessKey?: string
  /** Multipart part size in bytes (at least 5 MiB, default 8 MiB). */
  partSize?: number
  /** Parts in flight at once (default 4); memory use is about (queueSize + 1) × partSize. */
  queueSize?: number
}

export interface EnvironmentSource {
  /** Default `process.env`; it is only read, never written. */
  env?: Readonly<Record<string, string | undefined>>
  /** Where `.env` is looked for (default the working directory). */
  cwd?: string
}

/**
 * S3 settings from `S3_*` variables: the environment first, then a `.env` file in `cwd` for the
 * ones the environment lacks. Errors name missing variables, never values.
 */
export function s3ConfigFromEnvironment(source: EnvironmentSource = {}): S3StorageConfig {
  const env = source.env ?? process.env
  const file = readDotEnv(join(source.cwd ?? process.cwd(), '.env'))
  const value = (name: (typeof S3_ENVIRONMENT_VARIABLES)[number]) => {
    const v = env[name] ?? file[name]
    return v === undefined || v === '' ? undefined : v
  }
  const bucket = value('S3_BUCKET')
  if (!bucket) {
    throw new StorageConfigError('S3_BUCKET is not set.', { hint: 'Set S3_BUCKET (and S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) in the environment or in .env.' })
  }
  const config: S3StorageConfig = { bucket }
  const region = value('S3_REGION')
  const endpoint = value('S3_ENDPOINT')
  const accessKeyId = value('S3_ACCESS_KEY_ID')
  const secretAccessKey = value('S3_SECRET_ACCESS_KEY')
  if (region) config.region = region
  if (endpoint) config.endpoint = endpoint
  if (accessKeyId) config.accessKeyId = accessKeyId
  if (secretAccessKey) config.secretAccessKey = secretAccessKey
  return config
}

function checkEndpoint(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new StorageConfigError('S3_ENDPOINT is not a valid URL.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StorageConfigError('S3_ENDPOINT must be an http or https URL.')
  if (url.username || url.password || url.search || url.hash) {
    throw new StorageConfigError('S3_ENDPOINT must not carry user info, a query or a fragment.', { hint: 'Put credentials in S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.' })
  }
  return url
}

function sizeOrThrow(n: number | undefined, name: string, min: number, fallback: number): number {
  const v = n ?? fallback
  if (!Number.isSafeInteger(v) || v < min) throw new StorageConfigError(`${name} must be an integer of at least ${min}.`, { details: `got ${String(v)}` })
  return v
}

type HandleArgs = Parameters<NodeHttpHandler['handle']>

/**
 * Passes the caller's abort signal to the part uploads, but never to the requests that end a
 * multipart upload: CreateMultipartUpload must return its id so the upload can be aborted,
 * AbortMultipartUpload must reach the store, and a CompleteMultipartUpload already sent is
 * allowed to finish (the store may have committed it). lib-storage's own abort returns before
 * the multipart upload is aborted, so it is not used.
 */
class AbortablePartsHandler {
  constructor(
    private readonly inner: NodeHttpHandler,
    private readonly signal: AbortSignal | undefined,
  ) {}

  handle(request: HandleArgs[0], options: HandleArgs[1] = {}): ReturnType<NodeHttpHandler['handle']> {
    const query = request.query ?? {}
    const endsUpload = request.method === 'DELETE' && 'uploadId' in query
    const startsUpload = request.method === 'POST' && 'uploads' in query
    const completes = request.method === 'POST' && 'uploadId' in query
    if (!this.signal || endsUpload) return this.inner.handle(request, options)
    if (this.signal.aborted) return Promise.reject(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }))
    if (startsUpload || completes) return this.inner.handle(request, options)
    return this.inner.handle(request, { ...options, abortSignal: this.signal as NonNullable<HandleArgs[1]>['abortSignal'] })
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    this.inner.updateHttpClientConfig(...args)
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler['httpHandlerConfigs']> {
    return this.inner.httpHandlerConfigs()
  }

  /** The shared handler outlives each upload's client. */
  destroy(): void {}
}

/** S3 extended URI encoding of one key segment (what the store itself decodes). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export class S3Storage implements ObjectStorage {
  readonly bucket: string
  readonly region: string
  /** The custom endpoint's origin and base path, when one is used. */
  readonly endpoint: string | undefined
  readonly #credentials: { accessKeyId: string; secretAccessKey: string } | undefined
  readonly #handler: NodeHttpHandler
  readonly #partSize: number
  readonly #queueSize: number

  constructor(config: S3StorageConfig) {
    if (typeof config?.bucket !== 'string' || !BUCKET.test(config.bucket)) {
      throw new StorageConfigError('The S3 bucket name is not valid.', {
        details: `got "${truncate(String(config?.bucket), 70)}"`,
        hint: '3 to 63 characters: lowercase letters, digits, dots and hyphens.',
      })
    }
    this.bucket = config.bucket
    this.region = config.region ?? 'us-east-1'
    if (!/^[a-z0-9-]{1,40}$/.test(this.region)) throw new StorageConfigError('The S3 region is not valid.', { details: `got "${truncate(this.region, 50)}"` })
    if (config.endpoint !== undefined) {
      const url = checkEndpoint(config.endpoint)
      this.endpoint = `${url.origin}${url.pathname.replace(/\/+$/, '')}`
    }
    const hasId = typeof config.accessKeyId === 'string' && config.accessKeyId !== ''
    const hasSecret = typeof config.secretAccessKey === 'string' && config.secretAccessKey !== ''
    if (hasId !== hasSecret) {
      throw new StorageConfigError(`${hasId ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'} is missing.`, { hint: 'Give both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither.' })
    }
    this.#credentials = hasId ? { accessKeyId: config.accessKeyId as string, secretAccessKey: config.secretAccessKey as string } : undefined
    this.#partSize = sizeOrThrow(config.partSize, 'partSize', MIN_PART_SIZE, DEFAULT_S3_PART_SIZE)
    this.#queueSize = sizeOrThrow(config.queueSize, 'queueSize', 1, DEFAULT_S3_QUEUE_SIZE)
    // Each request (one part at most) must finish within 10 minutes; a stalled store fails instead of hanging.
    this.#handler = new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 600_000, throwOnRequestTimeout: true })
  }

  /** `new S3Storage(s3ConfigFromEnvironment(source))`. */
  static fromEnvironment(source: EnvironmentSource = {}): S3Storage {
    return new S3Storage(s3ConfigFromEnvironment(source))
  }

  /** The URL anyone can GET the object at (it is written `public-read`). */
  publicUrl(key: string): string {
    const path = validateObjectKey(key).split('/').map(encodeSegment).join('/')
    if (this.endpoint) return `${this.endpoint}/${this.bucket}/${path}`
    // Virtual-hosted names with dots break TLS wildcard certificates, so those stay path-style.
    if (this.bucket.includes('.')) return `https://s3.${this.region}.amazonaws.com/${this.bucket}/${path}`
    return `https://${this.bucket}.s3.${this.region}.amazonaws.com/${path}`
  }

  /** A client for the SDK's own calls (tests, bucket setup); uploads use one that honours their signal. */
  client(signal?: AbortSignal): S3Client {
    return new S3Client({
      region: this.region,
      ...(this.endpoint ? { endpoint: this.endpoint, forcePathStyle: true } : {}),
      ...(this.#credentials ? { credentials: { ...this.#credentials } } : {}),
      // Many S3-compatible stores reject the newer flexible checksums; integrity is checked with Blake2b-256 on read.
      ...(this.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
      requestHandler: new AbortablePartsHandler(this.#handler, signal),
      maxAttempts: 3,
    })
  }

  async upload(source: UploadSource, options: UploadOptions): Promise<UploadResult> {
    const key = validateObjectKey(options?.key)
    const signal = options.signal
    if (signal?.aborted) throw new AbortedError({ details: 'the upload was aborted' })
    const body = await prepareBody(source, options.size, key)
    const onAbort = () => body.stream?.destroy(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }))
    signal?.addEventListener('abort', onAbort, { once: true })
    const client = this.client(signal)
    try {
      const upload = new Upload({
        client,
        params: {
          Bucket: this.bucket,
          Key: key,
          Body: body.stream ?? body.bytes,
          ACL: 'public-read',
          ContentType: options.contentType ?? 'application/octet-stream',
          ...(body.size !== undefined ? { ContentLength: body.size } : {}),
        },
        partSize: this.#partSize,
        queueSize: this.#queueSize,
        leavePartsOnError: false,
      })
      upload.on('httpUploadProgress', (p) => {
        if (typeof p.loaded === 'number') options.onProgress?.({ transferred: p.loaded, total: body.size })
      })
      await upload.done()
    } catch (err) {
      if (signal?.aborted) throw new AbortedError({ details: 'the multipart upload was aborted; nothing is stored under the key' })
      throw this.#uploadError(key, err)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      client.destroy()
    }
    const sent = body.counted()
    if (body.size !== undefined && sent !== body.size) {
      throw new UploadFailedError({ key, details: `the source gave ${sent} bytes, but its size is ${body.size}` })
    }
    return { url: this.publicUrl(key), size: sent, checksum: body.checksum() }
  }

  download(url: string, options: DownloadOptions & { destination: string }): Promise<FileDownloadResult>
  download(url: string, options?: DownloadOptions): Promise<DownloadResult>
  download(url: string, options: DownloadOptions = {}): Promise<DownloadResult | FileDownloadResult> {
    // The configured endpoint is trusted even on a private address (a store inside the cluster).
    const trustedOrigins = [...(this.endpoint ? [new URL(this.endpoint).origin] : []), ...(options.trustedOrigins ?? [])]
    return download(url, { ...options, trustedOrigins })
  }

  /** Releases the connection pool. */
  destroy(): void {
    this.#handler.destroy()
  }

  toJSON(): Record<string, string | undefined> {
    return { kind: 's3', bucket: this.bucket, region: this.region, endpoint: this.endpoint }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `S3Storage ${JSON.stringify(this.toJSON())}`
  }

  /** The store's complaint without anything that could hold a credential. */
  #uploadError(key: string, err: unknown): UploadFailedError {
    const e = err as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; Code?: unknown }
    const name = typeof e?.name === 'string' ? e.name : 'Error'
    const message = typeof e?.message === 'string' ? e.message : ''
    let details = truncate(`${name}: ${message}`, 240)
    for (const secret of [this.#credentials?.secretAccessKey, this.#credentials?.accessKeyId]) {
      if (secret) details = details.split(secret).join('***')
    }
    const status = e?.$metadata?.httpStatusCode
    return new UploadFailedError({ key, ...(typeof status === 'number' ? { status } : {}), details })
  }
}

interface PreparedBody {
  stream: Readable | undefined
  bytes: Uint8Array | undefined
  size: number | undefined
  counted(): number
  checksum(): Uint8Array
}

/** Wraps the source so that the bytes actually sent are counted and hashed on the way. */
async function prepareBody(source: UploadSource, declaredSize: number | undefined, key: string): Promise<PreparedBody> {
  if (declaredSize !== undefined && (!Number.isSafeInteger(declaredSize) || declaredSize < 0)) {
    throw new UploadFailedError({ key, details: `size must be a non-negative integer, got ${String(declaredSize)}` })
  }
  if (source instanceof Uint8Array) {
    const checksum = blake2b(source, { dkLen: 32 })
    return { stream: undefined, bytes: source, size: source.length, counted: () => source.length, checksum: () => checksum }
  }
  let input: Readable
  let size = declaredSize
  if (typeof source === 'string') {
    let info
    try {
      info = await stat(source)
    } catch (err) {
      throw new UploadFailedError({ key, details: `cannot read the source file (${(err as NodeJS.ErrnoException).code ?? 'error'})` })
    }
    if (!info.isFile()) throw new UploadFailedError({ key, details: 'the source is not a regular file' })
    size = info.size
    input = createReadStream(source, { highWaterMark: 1024 * 1024 })
  } else if (source instanceof Readable) {
    input = source
  } else {
    throw new UploadFailedError({ key, details: 'the source must be a file path, a Uint8Array or a Readable' })
  }
  const hash = blake2b.create({ dkLen: 32 })
  let counted = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted += chunk.length
      hash.update(chunk)
      done(null, chunk)
    },
  })
  input.once('error', (err) => meter.destroy(err))
  meter.once('close', () => input.destroy())
  input.pipe(meter)
  let digest: Uint8Array | undefined
  return {
    stream: meter,
    bytes: undefined,
    size,
    counted: () => counted,
    checksum: () => (digest ??= hash.digest()),
  }
}
