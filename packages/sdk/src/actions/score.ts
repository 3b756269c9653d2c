import type { CallOptions, ScoreResult, SomaClientCore } from '../client/types.js'
import { InvalidArgumentError, ServiceNotConfiguredError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import { parseU64 } from '../utils/amount.js'
import { digestToBytes, toBase58 } from '../utils/encoding.js'
import { callOptions } from './shared.js'

/** A model to score against: its manifest (from `getModelManifests`), or its encrypted weights. */
export interface ScoreModelInput {
  url: string
  checksum?: string
  size?: bigint | number
  /** Instead of `checksum` and `size`: they are derived from these bytes. */
  encryptedWeights?: Uint8Array
  decryptionKey?: string | undefined
}

export interface ScoreParams extends CallOptions {
  /** Where the data is (the service downloads it; local scoring uses `data` when given). */
  dataUrl: string
  models: readonly ScoreModelInput[]
  targetEmbedding: ArrayLike<number>
  /** The data itself: its checksum and size are computed. Required for `local: true`. */
  data?: Uint8Array
  dataChecksum?: string
  dataSize?: bigint | number
  /** SIGReg noise seed (default 0, as the audit uses). */
  seed?: bigint | number
  /** Score on this machine's engine (needs `@soma-ts/sdk/node`) instead of the scoring service. */
  local?: boolean
  /** Local scoring reports downloads and batches; the service reports nothing until it answers. */
  onProgress?: (progress: { phase: 'download' | 'score'; done: number; total: number }) => void
}

/**
 * Scores data against models: on the scoring service by default (default timeout 600 s), or with
 * `local: true` on this machine's engine. Same result either way.
 *
 * @param client - the client
 * @param params - data URL (and data), models, target embedding, seed, `local`, `onProgress`, `signal`, `timeoutMs`
 * @returns `{ winner, lossScore, embedding, distance }`, the winner's values only (`lossScore` and `distance` have length 1): submit `distance[0]` with `modelId: target.modelIds[winner]`
 * @throws {InvalidArgumentError} when neither data nor checksum and size are given, or a model lacks checksum/size
 * @throws {ServiceNotConfiguredError} without a scoring service (or, for local, without the Node entry)
 * @throws {RpcError} when the service refuses (bad checksum, bad key) or cannot be reached
 * @example
 * const manifests = await client.getModelManifests({ models: target })
 * const result = await client.score({ dataUrl, data, models: manifests, targetEmbedding: target.embedding })
 */
export async function score(client: SomaClientCore, params: ScoreParams): Promise<ScoreResult> {
  let dataChecksum: string
  let dataSize: bigint
  if (params.data !== undefined) {
    dataChecksum = params.dataChecksum ?? toBase58(blake2b256(params.data))
    dataSize = params.dataSize === undefined ? BigInt(params.data.length) : parseU64(params.dataSize, 'dataSize')
  } else {
    if (params.dataChecksum === undefined || params.dataSize === undefined) {
      throw new InvalidArgumentError('Either data or both dataChecksum and dataSize are required.')
    }
    dataChecksum = toBase58(digestToBytes(params.dataChecksum, 'data checksum'))
    dataSize = parseU64(params.dataSize, 'dataSize')
  }
  if (!Array.isArray(params.models) || params.models.length === 0) throw new InvalidArgumentError('At least one model is required.')
  const models = params.models.map((m, i) => {
    if (m.encryptedWeights !== undefined) {
      return { url: m.url, checksum: toBase58(blake2b256(m.encryptedWeights)), size: BigInt(m.encryptedWeights.length), decryptionKey: m.decryptionKey }
    }
    if (m.checksum === undefined || m.size === undefined) throw new InvalidArgumentError(`models[${i}] is missing 'checksum' or 'size'.`)
    return { url: m.url, checksum: m.checksum, size: parseU64(m.size, `models[${i}].size`), decryptionKey: m.decryptionKey }
  })
  const targetEmbedding = Array.from(params.targetEmbedding ?? [], Number)
  const seed = params.seed === undefined ? 0n : parseU64(params.seed, 'seed')
  if (params.local) {
    if (params.data === undefined) throw new InvalidArgumentError('Local scoring needs the data bytes (data).')
    const local = client.platform.scoreLocally
    if (local === undefined) {
      throw new ServiceNotConfiguredError({
        service: 'local scoring',
        details: 'this client has no engine (the browser entry)',
        hint: 'Use createSomaClient from @soma-ts/sdk/node for score({ local: true }).',
      })
    }
    return local(client, {
      data: params.data,
      models,
      targetEmbedding,
      seed,
      ...callOptions(params),
      ...(params.onProgress ? { onProgress: params.onProgress } : {}),
    })
  }
  const res = await client.scoring().score(
    {
      dataUrl: params.dataUrl,
      dataChecksum,
      dataSize,
      modelManifests: models.map((m) => ({ url: m.url, checksum: m.checksum, size: m.size, decryptionKey: m.decryptionKey ?? null })),
      targetEmbedding,
      seed,
    },
    { timeoutMs: params.timeoutMs ?? 600_000, ...(params.signal ? { signal: params.signal } : {}) },
  )
  return { winner: Number(res.winner), lossScore: [...res.lossScore], embedding: [...res.embedding], distance: [...res.distance] }
}
