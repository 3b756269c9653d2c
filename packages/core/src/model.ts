/**
 * The SOMA V1 byte transformer: load weights (plain or encrypted), score data against
 * one or more models and a target embedding exactly as the chain's scoring service does,
 * and the reference's deterministic arrays (target embeddings, SIGReg noise). Loading
 * and scoring run on a worker thread, accept an AbortSignal and never block the event
 * loop.
 */

import { bytes32FromBase58 } from './bytes.js'
import { InvalidArgumentError, InvalidTargetError } from './errors.js'
import { callAsync, callbackOf, callSync, signalOf, usableBytes } from './native-call.js'
import { native } from './native.js'

type NativeModel = InstanceType<typeof native.NativeModel>
type NativeDevice = import('../binding.cjs').Device

/** Hyper-parameters of a V1-architecture model. */
export interface ModelConfig {
  embeddingDim: number
  numLayers: number
  numHeads: number
  pwffHiddenDim: number
  vocabSize: number
  /** Bytes per chunk when scoring. */
  maxSeqLen: number
  /** Chunks per batch when scoring. */
  batchSize: number
}

/** The network's model (1.21 B parameters, embedding dimension 2048). */
export const V1_CONFIG: Readonly<ModelConfig> = Object.freeze({
  embeddingDim: 2048,
  numLayers: 24,
  numHeads: 8,
  pwffHiddenDim: 8192,
  vocabSize: 264,
  maxSeqLen: 1024,
  batchSize: 16,
})

/** The local network's `--small-model` (embedding dimension 16), small enough for a CPU. */
export const SMALL_CONFIG: Readonly<ModelConfig> = Object.freeze({
  ...V1_CONFIG,
  embeddingDim: 16,
  numLayers: 2,
  numHeads: 4,
  pwffHiddenDim: 32,
})

/** Largest data a submission may carry: 1 MiB. */
export const MAX_DATA_SIZE = 1 << 20

export type ModelDevice = 'cpu' | 'cuda' | 'metal'
export type ModelPreset = 'v1' | 'small'

// ---------------------------------------------------------------- arguments

function configOf(config: ModelPreset | ModelConfig | undefined): ModelConfig {
  if (config === undefined || config === 'v1') return { ...V1_CONFIG }
  if (config === 'small') return { ...SMALL_CONFIG }
  if (typeof config !== 'object' || config === null) {
    throw new InvalidArgumentError(`Unknown model config ${JSON.stringify(config)}.`, { hint: "Use 'v1', 'small' or a ModelConfig." })
  }
  for (const k of Object.keys(V1_CONFIG) as (keyof ModelConfig)[]) {
    const v = config[k]
    if (!Number.isSafeInteger(v) || v <= 0 || v > 0xffff_ffff) {
      throw new InvalidArgumentError(`Model config field ${k} must be a positive integer.`, { details: `got ${String(v)}` })
    }
  }
  return { ...config }
}

/** Accepts 32 bytes or their Base58 text. */
function bytes32(value: Uint8Array | string | undefined, what: string): Uint8Array | undefined {
  if (value === undefined) return undefined
  return bytes32FromBase58(value, (reason) => new InvalidArgumentError(`The ${what} is invalid: ${reason}.`))
}

function seedOf(seed: bigint | number | undefined): bigint {
  if (seed === undefined) return 0n
  const s = typeof seed === 'bigint' ? seed : Number.isSafeInteger(seed) ? BigInt(seed) : -1n
  if (s < 0n || s >= 1n << 64n) {
    throw new InvalidArgumentError('The seed must be an integer in [0, 2^64).', { details: `got ${String(seed)}` })
  }
  return s
}

/**
 * A NaN or infinite value (after rounding to float32), or an all-zero target, can only
 * give a NaN distance, after the whole evaluation; the reference does not check, but no
 * chain target looks like that.
 */
function checkTarget(target: Float32Array): void {
  const hint = 'Every value must be a finite float32 (|x| < 3.4e38), and not all of them zero.'
  const bad = target.findIndex((v) => !Number.isFinite(v))
  if (bad >= 0) {
    throw new InvalidTargetError(`Target embedding value ${bad} is ${target[bad]} as float32; every value must be finite.`, { hint })
  }
  if (target.length > 0 && target.every((v) => v === 0)) {
    throw new InvalidTargetError('The target embedding is all zeros; its cosine distance is undefined.', { hint })
  }
}

/** An array dimension: an integer in [0, 2^32). Larger totals are refused by the engine. */
function dimOf(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new InvalidArgumentError(`The ${what} must be an integer in [0, 2^32).`, { details: `got ${String(value)}` })
  }
  return value
}

function shapeOf(shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new InvalidArgumentError('The shape must be an array of integers.')
  return shape.map((d) => dimOf(d, 'shape dimension'))
}

function deviceOf(device: ModelDevice | undefined): NativeDevice {
  const d = device ?? 'cpu'
  if (d !== 'cpu' && d !== 'cuda' && d !== 'metal') {
    throw new InvalidArgumentError(`Unknown device ${JSON.stringify(d)}.`, { hint: 'Use cpu, cuda or metal.' })
  }
  // The native enum's values are these same strings.
  return d as NativeDevice
}

// ---------------------------------------------------------------- models

export interface LoadModelOptions {
  /** The architecture size: 'v1' (default), 'small', or explicit hyper-parameters. */
  config?: ModelPreset | ModelConfig
  device?: ModelDevice
  /** AES-256-CTR key (32 bytes or Base58) when the weights are encrypted. */
  decryptionKey?: Uint8Array | string
  /** Blake2b-256 (32 bytes or Base58) the weights (encrypted bytes, when encrypted) must have. */
  checksum?: Uint8Array | string
  signal?: AbortSignal
}

/** A loaded, immutable model; one instance can serve many concurrent `score` calls. */
export class Model {
  /** @internal */
  readonly handle: NativeModel
  readonly config: Readonly<ModelConfig>

  private constructor(handle: NativeModel) {
    this.handle = handle
    this.config = Object.freeze({ ...handle.config })
  }

  get parameterCount(): number {
    return this.handle.parameterCount
  }

  get device(): ModelDevice {
    return this.handle.device as ModelDevice
  }

  /**
   * Loads safetensors weights from a file path or from bytes. With `decryptionKey` they
   * are decrypted in memory after the checksum (if given) is verified.
   */
  static async load(source: string | Uint8Array, options: LoadModelOptions = {}): Promise<Model> {
    const config = configOf(options.config)
    const device = deviceOf(options.device)
    const key = bytes32(options.decryptionKey, 'decryption key')
    const checksum = bytes32(options.checksum, 'checksum')
    const load = { config, device, key, checksum }
    if (typeof source === 'string') {
      if (source.length === 0) throw new InvalidArgumentError('The weights path must not be empty.')
      const handle = await callAsync({ signal: options.signal }, (_, signal) => native.loadModelFile(source, load, signal))
      return new Model(handle)
    }
    if (!(source instanceof Uint8Array)) {
      throw new InvalidArgumentError('The weights must be a file path or a Uint8Array.')
    }
    usableBytes(source, 'The weights')
    // The bytes are held by the native task, not copied: leave them unchanged until the
    // promise settles.
    const handle = await callAsync({ signal: options.signal }, (_, signal) => native.loadModelBytes(source, load, signal))
    return new Model(handle)
  }

  /** A model with random weights (not the reference RNG): for benchmarks only. */
  static async random(config: ModelPreset | ModelConfig, options: { device?: ModelDevice; signal?: AbortSignal } = {}): Promise<Model> {
    const c = configOf(config)
    const device = deviceOf(options.device)
    const handle = await callAsync({ signal: options.signal }, (_, signal) => native.randomModel({ config: c, device }, signal))
    return new Model(handle)
  }
}

/** `Model.load` as a function. */
export function loadModel(source: string | Uint8Array, options: LoadModelOptions = {}): Promise<Model> {
  return Model.load(source, options)
}

// ---------------------------------------------------------------- scoring

export interface ScoreProgress {
  /** Batches finished so far, over all models. */
  batchesDone: number
  /** Batches in the whole call (per model × number of models). */
  batchesTotal: number
}

export interface ScoreOptions {
  /** The data to score: 1 byte to 1 MiB. */
  data: Uint8Array
  /** One model or several, in request order (the winner index refers to this order). */
  models: Model | readonly Model[]
  /** One value per embedding dimension. */
  targetEmbedding: ArrayLike<number>
  /** The SIGReg noise seed (batch `i` uses `seed + i`); 0 by default, as the audit uses. */
  seed?: bigint | number
  onProgress?: (progress: ScoreProgress) => void
  signal?: AbortSignal
}

export interface ModelScore {
  loss: number
  embedding: Float32Array
}

export interface ScoreResult {
  /** Index of the first model with the lowest loss. */
  winner: number
  /** The winner's loss (cross-entropy + 0.02 × SIGReg, mean over batches). */
  loss: number
  /** The winner's embedding (mean representation). */
  embedding: Float32Array
  /** `1 - cos(embedding, targetEmbedding)`. */
  distance: number
  /** Every model's loss and embedding, in request order. */
  models: ModelScore[]
}

/** Batches a model evaluates for `dataLength` bytes. */
export function batchCount(dataLength: number, config: ModelConfig = V1_CONFIG): number {
  return Math.ceil(Math.ceil(dataLength / config.maxSeqLen) / config.batchSize)
}

const asFloat32 = (a: Float32Array): Float32Array =>
  Object.getPrototypeOf(a) === Float32Array.prototype ? a : new Float32Array(a.buffer, a.byteOffset, a.length)

/**
 * Scores `data` against each model as the chain's scoring service does and picks the
 * winner: the first model with the lowest loss. Returns the winner's loss, embedding and
 * distance to the target, plus every model's loss and embedding. Invalid arguments
 * reject the promise, like every other async call of this package. The work runs on the
 * native thread pool that all calls share (size it with `configure({ threads })`), so
 * concurrent calls split the cores rather than each taking all of them.
 */
export async function score(options: ScoreOptions): Promise<ScoreResult> {
  const { data, signal, onProgress } = options
  usableBytes(data, 'data')
  const models = Array.isArray(options.models) ? (options.models as readonly Model[]) : [options.models as Model]
  if (models.length === 0) throw new InvalidArgumentError('At least one model is required.')
  for (const m of models) {
    if (!(m instanceof Model)) throw new InvalidArgumentError('models must be Model instances from loadModel().')
  }
  const t = options.targetEmbedding
  if (t === null || typeof t !== 'object' || typeof t.length !== 'number') {
    throw new InvalidArgumentError('targetEmbedding must be an array of numbers.')
  }
  const target = t instanceof Float32Array ? t : Float32Array.from(t)
  checkTarget(target)
  const seed = seedOf(options.seed)
  callbackOf(onProgress, 'onProgress')
  signalOf(signal, 'signal')
  const total = models.reduce((n, m) => n + batchCount(data.length, m.config), 0)
  // The data is held by the native task, not copied: leave it unchanged until the
  // promise settles.
  const r = await callAsync(
    {
      signal,
      onProgress: onProgress && ((done: number) => onProgress({ batchesDone: done, batchesTotal: total })),
      finalCount: () => total,
    },
    (report, nativeSignal) =>
      native.scoreModels(
        models.map((m) => m.handle),
        { data, target, seed },
        report,
        nativeSignal,
      ),
  )
  return {
    winner: r.winner,
    loss: r.loss,
    embedding: asFloat32(r.embedding),
    distance: r.distance,
    models: r.models.map((m) => ({ loss: m.loss, embedding: asFloat32(m.embedding) })),
  }
}

// ---------------------------------------------------------------- deterministic arrays

/** `arrgen.normal_array(seed, shape, mean, std)`: the reference's normal values, row-major. */
export function normalArray(seed: bigint | number, shape: readonly number[], mean = 0, std = 1): Float32Array {
  const s = seedOf(seed)
  const dims = shapeOf(shape)
  return asFloat32(callSync(() => native.normalArray(s, dims, mean, std)))
}

/** `arrgen.uniform_array(seed, shape, min, max)`: the reference's uniform values, row-major. */
export function uniformArray(seed: bigint | number, shape: readonly number[], min = 0, max = 1): Float32Array {
  const s = seedOf(seed)
  const dims = shapeOf(shape)
  return asFloat32(callSync(() => native.uniformArray(s, dims, min, max)))
}

/** Seed of the `creationNum`-th target a transaction creates: Blake2b-256(digest ‖ n LE)[0..8] as u64 LE. */
export function targetSeed(txDigest: Uint8Array, creationNum: bigint | number): bigint {
  const n = seedOf(creationNum)
  return callSync(() => native.targetSeed(txDigest, n))
}

/** A target's embedding: `dim` standard normal values from `seed` (not normalised). */
export function targetEmbedding(seed: bigint | number, dim = V1_CONFIG.embeddingDim): Float32Array {
  const s = seedOf(seed)
  const d = dimOf(dim, 'dimension')
  return asFloat32(callSync(() => native.targetEmbedding(s, d)))
}

/** The embedding the genesis builder gives a model created at genesis. */
export function genesisModelEmbedding(modelId: Uint8Array, dim = V1_CONFIG.embeddingDim): Float32Array {
  const d = dimOf(dim, 'dimension')
  return asFloat32(callSync(() => native.genesisModelEmbedding(modelId, d)))
}
