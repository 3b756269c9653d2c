/**
 * The scoring service (`/scoring.Scoring/Score`, `/scoring.Scoring/Health`, gRPC with BCS bodies),
 * a drop-in for the reference's `soma start scoring`. Per request it downloads the data and each
 * model's encrypted weights from the URLs the caller names (through the storage layer's URL policy,
 * so by default never into the host's own networks), verifies size and Blake2b-256 while the bytes
 * stream, decrypts and loads the weights, and scores with the engine.
 *
 * It keeps no state besides caches: loaded models in memory (by checksum and key, LRU within a
 * byte budget) and verified encrypted weights on disk (by checksum, content-addressed, LRU within
 * a byte budget, the checksum checked again whenever a file is loaded from there). So any
 * number of instances can run behind one gRPC load balancer; `stop({ drain: true })` makes
 * `Health` answer not-serving, refuses new work and lets the requests in flight finish.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  ChecksumMismatchError,
  configure,
  loadModel,
  MAX_DATA_SIZE,
  score,
  SMALL_CONFIG,
  V1_CONFIG,
  type Model,
  type ModelConfig,
  type ModelDevice,
} from '@soma-ts/core'
import { GrpcStatus, type ManifestInput, type ScoreRequest, type ScoreResponseInput } from '@soma-ts/sdk'
import { download, type UrlPolicy } from '@soma-ts/sdk/storage'
import { base58 } from '@scure/base'

import { ServiceError, serveSideServices, type HandlerContext, type RunningService } from '../services/server.js'
import { DEFAULT_DISK_CACHE_BYTES, WeightsDiskCache, type WeightsDiskCacheStats } from './disk-cache.js'
import { describeFailure } from './errors.js'
import { ModelCache, type ModelCacheStats } from './model-cache.js'

export const DEFAULT_SCORING_PORT = 9124
export const DEFAULT_MAX_CONCURRENT = 4
/** Room for one network-size model (1.21 B float32 parameters) plus a few small ones. */
export const DEFAULT_CACHE_BYTES = 6 * 1024 ** 3
/** Most model manifests one request may name. */
export const MAX_MODELS_PER_REQUEST = 64
/** Largest declared weights file accepted (a V1 model is about 4.9 GB). */
export const DEFAULT_MAX_WEIGHTS_BYTES = 16 * 1024 ** 3
/** Requests waiting for a free slot beyond this many per slot are turned away as busy. */
const QUEUE_PER_SLOT = 8

export interface ScoringServiceOptions {
  /** Interface to bind; default 0.0.0.0, as the reference. */
  host?: string
  /** Default 9124; 0 picks a free port. */
  port?: number
  /**
   * Where verified encrypted weights are kept between requests (`weights/{checksum}`). Without
   * it a temporary directory is used and removed on `stop`.
   */
  dataDir?: string
  /** Score with the local network's small model (embedding dimension 16) instead of V1. */
  smallModel?: boolean
  device?: ModelDevice
  /**
   * Engine worker threads (1 to 1024; default: the pool in force, the machine's cores unless set).
   * The engine has one thread pool per process, shared by every service in it and by direct
   * `score()` calls; this sizes it through `configure({ threads })`. While a service that set a
   * count runs, starting another with a different count fails with `ServiceError`
   * (`SOMA_SERVICE_FAILED_PRECONDITION`); the same count is fine.
   */
  threads?: number
  /** Requests scored at the same time (default 4); more wait, and a long queue is refused as busy. */
  maxConcurrent?: number
  /** Memory budget for loaded models, in bytes (default 6 GiB). */
  cacheBytes?: number
  /** Disk budget for verified weights kept in `dataDir`, in bytes (default 20 GiB); least recently used out. */
  diskCacheBytes?: number
  /** Turn the address check off: loopback and private targets allowed (a local network). */
  allowPrivateUrls?: boolean
  /** Accept `file://` URLs named in requests. */
  allowFileUrls?: boolean
  /** Origins exempt from the address check (e.g. the local blob store), everything else stays checked. */
  trustedOrigins?: readonly string[]
  /** Upper bound on a declared weights size (default 16 GiB). */
  maxWeightsBytes?: number
  /** Connect timeout of every download (default: the storage layer's 5 s). */
  connectTimeoutMs?: number
  /** Total timeout of every download (default: 30 s + 50 ns per declared byte, at most 600 s). */
  totalTimeoutMs?: number
}

export interface ScoringServiceStats {
  inFlight: number
  queued: number
  served: number
  failed: number
  draining: boolean
  cache: ModelCacheStats
  disk: WeightsDiskCacheStats
}

export interface StopOptions {
  /** Let requests in flight finish (default true); false aborts them. */
  drain?: boolean
  /** How long draining may take before the rest is aborted (default 60 s). */
  drainTimeoutMs?: number
}

export interface ScoringService {
  /** `http://host:port`. */
  readonly url: string
  readonly port: number
  /** Threads of the engine's pool when the service started. */
  readonly threads: number
  stats(): ScoringServiceStats
  stop(options?: StopOptions): Promise<void>
}

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ServiceError(GrpcStatus.INVALID_ARGUMENT, `${name} must be a positive integer.`, { details: `got ${String(value)}` })
  }
  return value
}

function checkedPort(port: number | undefined): number {
  if (port === undefined) return DEFAULT_SCORING_PORT
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) {
    throw new ServiceError(GrpcStatus.INVALID_ARGUMENT, 'port must be an integer in [0, 65535].', { details: `got ${String(port)}` })
  }
  return port
}

function invalid(message: string): ServiceError {
  return new ServiceError(GrpcStatus.INVALID_ARGUMENT, message)
}

/** 32 bytes as Base58, or an INVALID_ARGUMENT naming the field. */
function base58Of32(text: string, what: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = base58.decode(text)
  } catch {
    throw invalid(`Invalid ${what}: must be Base58 text`)
  }
  if (bytes.length !== 32) throw invalid(`Invalid ${what}: must decode to 32 bytes, got ${bytes.length}`)
  return bytes
}

function checkUrlSyntax(text: string, what: string): void {
  if (!URL.canParse(text)) throw invalid(`Invalid ${what}: not an absolute URL`)
}

function safeSize(value: bigint, what: string, max: number): number {
  if (value === 0n) throw invalid(`The ${what} size must be at least 1 byte`)
  if (value > BigInt(max)) throw invalid(`The ${what} size must be at most ${max} bytes, got ${value}`)
  return Number(value)
}

interface ValidManifest {
  index: number
  url: string
  checksum: string
  size: number
  decryptionKey: Uint8Array | undefined
  decryptionKeyText: string | null
}

interface ValidRequest {
  dataUrl: string
  dataChecksum: string
  dataSize: number
  manifests: ValidManifest[]
  targetEmbedding: number[]
  seed: bigint
}

/** Checks everything that can be checked before any download; messages follow the reference's words. */
function validate(request: ScoreRequest, config: ModelConfig, maxWeightsBytes: number): ValidRequest {
  if (request.modelManifests.length === 0) throw invalid('At least one model manifest is required')
  if (request.modelManifests.length > MAX_MODELS_PER_REQUEST) {
    throw invalid(`At most ${MAX_MODELS_PER_REQUEST} model manifests are allowed per request, got ${request.modelManifests.length}`)
  }
  if (request.targetEmbedding.length === 0) throw invalid('Target embedding must not be empty')
  if (request.targetEmbedding.length !== config.embeddingDim) {
    throw invalid(`Target embedding must have ${config.embeddingDim} values (the model's embedding dimension), got ${request.targetEmbedding.length}`)
  }
  checkUrlSyntax(request.dataUrl, 'data URL')
  base58Of32(request.dataChecksum, 'data checksum')
  const dataSize = safeSize(request.dataSize, 'data', MAX_DATA_SIZE)
  const manifests = request.modelManifests.map((m: ManifestInput, index): ValidManifest => {
    checkUrlSyntax(m.url, `URL of model ${index}`)
    base58Of32(m.checksum, `weights checksum of model ${index}`)
    const key = m.decryptionKey === null ? undefined : base58Of32(m.decryptionKey, `decryption key of model ${index}`)
    return {
      index,
      url: m.url,
      checksum: m.checksum,
      size: safeSize(m.size, `weights of model ${index}`, maxWeightsBytes),
      decryptionKey: key,
      decryptionKeyText: m.decryptionKey,
    }
  })
  return { dataUrl: request.dataUrl, dataChecksum: request.dataChecksum, dataSize, manifests, targetEmbedding: request.targetEmbedding, seed: request.seed }
}

/**
 * The thread count a running service set on the process's one engine pool, and how many running
 * services asked for it. A second count is refused rather than applied: resizing the pool under
 * a running service would silently change its throughput (and a last-wins rule would make the
 * count depend on start order). The claim ends when the last service that made it stops.
 */
let threadClaim: { threads: number; holders: number } | undefined

/** Sizes the engine pool to `threads` for a service, or refuses a count that differs from the claim. */
function claimThreads(threads: number): () => void {
  if (threadClaim && threadClaim.threads !== threads) {
    throw new ServiceError(GrpcStatus.FAILED_PRECONDITION, `The engine already runs ${threadClaim.threads} threads for another scoring service in this process.`, {
      details: `asked for ${threads}; the engine has one thread pool per process`,
      hint: `Start this service with threads: ${threadClaim.threads} (or none), or run it in its own process.`,
    })
  }
  if (!threadClaim) {
    configure({ threads })
    threadClaim = { threads, holders: 0 }
  }
  const claim = threadClaim
  claim.holders += 1
  let released = false
  return () => {
    if (released) return
    released = true
    claim.holders -= 1
    if (claim.holders === 0 && threadClaim === claim) threadClaim = undefined
  }
}

/** A counting semaphore with a bounded queue. */
class Slots {
  private free: number
  private readonly waiting: (() => void)[] = []
  constructor(
    count: number,
    private readonly maxQueue: number,
  ) {
    this.free = count
  }
  get queued(): number {
    return this.waiting.length
  }
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.free > 0) {
      this.free -= 1
      return this.releaser()
    }
    if (this.waiting.length >= this.maxQueue) {
      throw new ServiceError(GrpcStatus.RESOURCE_EXHAUSTED, 'The scoring service is busy; retry later or on another instance', {
        details: `${this.waiting.length} requests are already waiting`,
      })
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => {
        const at = this.waiting.indexOf(wake)
        if (at >= 0) this.waiting.splice(at, 1)
        reject(new ServiceError(GrpcStatus.CANCELLED, 'The request was cancelled while waiting for a free slot'))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(wake)
    })
    return this.releaser()
  }
  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.free += 1
    }
  }
}

/** Starts the scoring service and resolves once it listens. */
export async function startScoringService(options: ScoringServiceOptions = {}): Promise<ScoringService> {
  const port = checkedPort(options.port)
  const maxConcurrent = positiveInteger(options.maxConcurrent, 'maxConcurrent', DEFAULT_MAX_CONCURRENT)
  const cacheBytes = positiveInteger(options.cacheBytes, 'cacheBytes', DEFAULT_CACHE_BYTES)
  const diskCacheBytes = positiveInteger(options.diskCacheBytes, 'diskCacheBytes', DEFAULT_DISK_CACHE_BYTES)
  const maxWeightsBytes = positiveInteger(options.maxWeightsBytes, 'maxWeightsBytes', DEFAULT_MAX_WEIGHTS_BYTES)
  const threads = options.threads === undefined ? undefined : positiveInteger(options.threads, 'threads', 1)
  const device: ModelDevice = options.device ?? 'cpu'
  if (device !== 'cpu' && device !== 'cuda' && device !== 'metal') {
    throw new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Unknown device ${JSON.stringify(device)}.`, { hint: 'Use cpu, cuda or metal.' })
  }
  const config: ModelConfig = options.smallModel ? { ...SMALL_CONFIG } : { ...V1_CONFIG }
  const policy: UrlPolicy = {
    allowPrivate: options.allowPrivateUrls === true,
    allowFile: options.allowFileUrls === true,
    ...(options.trustedOrigins ? { trustedOrigins: options.trustedOrigins } : {}),
  }
  const timeouts = {
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.totalTimeoutMs !== undefined ? { totalTimeoutMs: options.totalTimeoutMs } : {}),
  }

  // Last of the checks, so that a refused start leaves the pool and the claim as they were.
  const releaseThreads = threads === undefined ? () => {} : claimThreads(threads)
  const poolThreads = configure().threads

  const ownDataDir = options.dataDir === undefined
  let dataDir: string
  let disk: WeightsDiskCache
  try {
    dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'soma-scoring-')))
    disk = new WeightsDiskCache(join(dataDir, 'weights'), diskCacheBytes)
  } catch (err) {
    releaseThreads()
    throw err
  }

  const cache = new ModelCache(cacheBytes)
  const slots = new Slots(maxConcurrent, maxConcurrent * QUEUE_PER_SLOT)
  const inFlight = new Set<AbortController>()
  const fetchingWeights = new Map<string, Promise<{ path: string; cached: boolean }>>()
  let draining = false
  let served = 0
  let failed = 0
  let drained: (() => void) | undefined
  // Aborted on stop: cuts off downloads and loads that run for the service, not for one request.
  const serviceSignal = new AbortController()

  /**
   * The encrypted weights on disk, downloading them once however many requests ask. The file name
   * is the checksum, and a download is renamed into place only after its checksum matched; `cached`
   * says the file was already there, so its load must check the checksum again. The caller pins it.
   */
  function weightsFile(m: ValidManifest, signal: AbortSignal): Promise<{ path: string; cached: boolean }> {
    const path = disk.pathOf(m.checksum)
    const pending = fetchingWeights.get(m.checksum)
    if (pending) return pending
    const fetching = (async () => {
      if (disk.has(m.checksum, m.size)) return { path, cached: true }
      await download(m.url, { ...policy, ...timeouts, expectedSize: m.size, expectedChecksum: m.checksum, maxBytes: maxWeightsBytes, destination: path, signal })
      disk.added(m.checksum, m.size)
      return { path, cached: false }
    })()
    fetchingWeights.set(m.checksum, fetching)
    const forget = () => {
      if (fetchingWeights.get(m.checksum) === fetching) fetchingWeights.delete(m.checksum)
    }
    fetching.then(forget, forget)
    return fetching
  }

  function modelFor(m: ValidManifest, signal: AbortSignal): Promise<Model> {
    // The load runs on behalf of every request waiting for it, so it must not stop when the
    // first of them is cancelled: it gets no request's signal, only the service's own.
    return cache.get(ModelCache.keyOf(m.checksum, m.decryptionKeyText), async () => {
      const what = `the weights of model ${m.index}`
      const fetch = () =>
        weightsFile(m, serviceSignal.signal).catch((err: unknown) => {
          throw describeFailure(err, what)
        })
      // A file just downloaded was verified as it streamed; one found on disk is verified as it loads.
      const load = (file: { path: string; cached: boolean }) =>
        loadModel(file.path, {
          config,
          device,
          ...(m.decryptionKey ? { decryptionKey: m.decryptionKey } : {}),
          ...(file.cached ? { checksum: m.checksum } : {}),
          signal: serviceSignal.signal,
        })
      const unpin = disk.pin(m.checksum)
      try {
        const file = await fetch()
        try {
          return await load(file)
        } catch (err) {
          if (!(file.cached && err instanceof ChecksumMismatchError)) throw err
          // Changed on disk since it was verified: drop it and fetch it afresh, once.
          disk.remove(m.checksum)
          return await load(await fetch())
        }
      } catch (err) {
        throw describeFailure(err, what, m.decryptionKey !== undefined)
      } finally {
        unpin()
      }
    }).then((model) => {
      if (signal.aborted) throw new ServiceError(GrpcStatus.CANCELLED, 'The request was cancelled')
      return model
    })
  }

  async function handleScore(request: ScoreRequest, ctx: HandlerContext): Promise<ScoreResponseInput> {
    if (draining) {
      throw new ServiceError(GrpcStatus.UNAVAILABLE, 'The scoring service is shutting down; retry on another instance')
    }
    const valid = validate(request, config, maxWeightsBytes)
    const controller = new AbortController()
    const onCancel = () => controller.abort()
    ctx.signal.addEventListener('abort', onCancel, { once: true })
    inFlight.add(controller)
    let release: (() => void) | undefined
    try {
      release = await slots.acquire(controller.signal)
      const signal = controller.signal
      const dataPromise = download(valid.dataUrl, {
        ...policy,
        ...timeouts,
        expectedSize: valid.dataSize,
        expectedChecksum: valid.dataChecksum,
        maxBytes: MAX_DATA_SIZE,
        signal,
      }).catch((err: unknown) => {
        throw describeFailure(err, 'the data')
      })
      const modelPromises = valid.manifests.map((m) => modelFor(m, signal))
      // Settle all before failing, so no download or load is left running unobserved.
      const [dataResult, ...modelResults] = await Promise.allSettled([dataPromise, ...modelPromises])
      const firstFailure = [dataResult, ...modelResults].find((r) => r.status === 'rejected')
      if (firstFailure) throw (firstFailure as PromiseRejectedResult).reason
      const data = (dataResult as PromiseFulfilledResult<{ bytes: Uint8Array }>).value.bytes
      const models = modelResults.map((r) => (r as PromiseFulfilledResult<Model>).value)
      const result = await score({ data, models, targetEmbedding: valid.targetEmbedding, seed: valid.seed, signal }).catch((err: unknown) => {
        throw describeFailure(err, 'the scoring')
      })
      served += 1
      return { winner: BigInt(result.winner), lossScore: [result.loss], embedding: result.embedding, distance: [result.distance] }
    } catch (err) {
      failed += 1
      throw err
    } finally {
      release?.()
      ctx.signal.removeEventListener('abort', onCancel)
      inFlight.delete(controller)
      if (draining && inFlight.size === 0) drained?.()
    }
  }

  let server: RunningService
  try {
    server = await serveSideServices({
      host: options.host ?? '0.0.0.0',
      port,
      scoring: {
        score: handleScore,
        health: async () => !draining,
      },
    })
  } catch (err) {
    releaseThreads()
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true })
    throw new ServiceError(GrpcStatus.UNAVAILABLE, `Cannot listen on ${options.host ?? '0.0.0.0'}:${port}.`, {
      details: err instanceof Error ? err.message : String(err),
      hint: 'Pick another --port, or stop the process that holds this one.',
    })
  }

  let stopping: Promise<void> | undefined
  async function stop(stopOptions: StopOptions = {}): Promise<void> {
    stopping ??= (async () => {
      draining = true
      const drainTimeoutMs = stopOptions.drainTimeoutMs ?? 60_000
      if (stopOptions.drain !== false && inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve
          setTimeout(resolve, drainTimeoutMs).unref()
        })
      }
      for (const c of inFlight) c.abort()
      serviceSignal.abort()
      await server.close()
      cache.clear()
      releaseThreads()
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true })
    })()
    return stopping
  }

  return {
    url: server.url,
    port: server.port,
    threads: poolThreads,
    stats: () => ({ inFlight: inFlight.size, queued: slots.queued, served, failed, draining, cache: cache.stats(), disk: disk.stats() }),
    stop,
  }
}

