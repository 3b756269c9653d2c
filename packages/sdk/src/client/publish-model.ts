/**
 * `publishModel` (Node only): one call from a plain safetensors file to a committed model.
 * The weights are encrypted and hashed in one streaming pass (native), uploaded with progress (S3
 * when `S3_BUCKET` is configured in the environment or `.env`, else the local network's blob
 * store), and committed. The decryption key is returned to the caller and sent nowhere: only its
 * Blake2b-256 goes on chain until `revealModel`.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { commitModel, type CommitModelResult } from '../actions/commit-model.js'
import { InvalidArgumentError, ServiceNotConfiguredError } from '../errors/index.js'
import { BlobStoreStorage } from '../storage/blob-store.js'
import { S3Storage, s3ConfigFromEnvironment } from '../storage/s3.js'
import type { ObjectStorage, TransferProgress } from '../storage/types.js'
import type { AmountInput } from '../utils/amount.js'
import type { SignedCallOptions, SomaClientCore } from './types.js'

export interface PublishModelParams extends SignedCallOptions {
  /** A plain (unencrypted) safetensors file; or give `weights`. */
  weightsFile?: string
  /** Plain weights in memory (written to a temporary file, then streamed like a file). */
  weights?: Uint8Array
  /** The model's embedding (committed now, revealed with the key). */
  embedding: ArrayLike<number>
  /** Where to upload; default S3 from `S3_*` variables, else the client's blob store. */
  storage?: ObjectStorage
  /** Object key; default `models/<uuid>/weights.enc`. */
  key?: string
  /** Commit this existing model; without it a model is created first. */
  modelId?: string
  /** Basis points, when creating the model. */
  commissionRate?: bigint | number
  stakeAmount?: AmountInput
  /** Progress of each phase: encryption, then upload (bytes). */
  onProgress?: (progress: { phase: 'encrypt' | 'upload'; transferred: number; total: number | undefined }) => void
  /** Where `.env` is read for S3 settings (default the working directory). */
  cwd?: string
}

export interface PublishModelResult {
  modelId: string
  /** The public URL of the encrypted weights. */
  url: string
  /** Base58 Blake2b-256 of the encrypted weights (manifest checksum and weights commitment). */
  checksum: string
  size: number
  /** Base58 AES-256 key: keep it for `revealModel` in the next epoch. Never sent before that. */
  decryptionKey: string
  commit: CommitModelResult
}

/** S3 when `S3_BUCKET` is set (environment or `.env`), else the client's blob store. */
export function defaultStorage(client: SomaClientCore, cwd?: string): ObjectStorage {
  const env = process.env
  let s3: ReturnType<typeof s3ConfigFromEnvironment> | undefined
  try {
    s3 = s3ConfigFromEnvironment(cwd ? { cwd } : {})
  } catch (err) {
    // S3_BUCKET missing means "no S3"; any other S3 setting problem is the caller's to fix.
    if (env.S3_BUCKET !== undefined || !(err instanceof Error) || !/S3_BUCKET is not set/.test(err.message)) throw err
  }
  if (s3) return new S3Storage(s3)
  if (client.urls.blobStore) return new BlobStoreStorage({ url: client.urls.blobStore })
  throw new ServiceNotConfiguredError({
    service: 'storage',
    details: 'no S3_BUCKET in the environment or .env, and no blobStoreUrl',
    hint: 'Set S3_* variables (or .env), pass blobStoreUrl to createSomaClient, or pass storage.',
  })
}

/**
 * Encrypts a weights file, uploads it, and commits the model (creating it first without `modelId`).
 *
 * @param client - the client
 * @param params - signer, weights file (or bytes), embedding, storage, model id or creation terms, `onProgress`
 * @returns the model id, URL, checksum, size and the decryption key for the reveal
 * @throws {InvalidArgumentError} without weights or embedding
 * @throws {ServiceNotConfiguredError} when there is no storage to upload to
 * @throws {TransactionFailedError} when a transaction fails on chain
 * @example
 * const { modelId, decryptionKey } = await client.publishModel({ signer, weightsFile: 'weights.safetensors', embedding, commissionRate: 500 })
 */
export async function publishModel(client: SomaClientCore, params: PublishModelParams): Promise<PublishModelResult> {
  if ((params.weightsFile === undefined) === (params.weights === undefined)) {
    throw new InvalidArgumentError('Give exactly one of weightsFile and weights.')
  }
  if (params.embedding === undefined || params.embedding.length === 0) throw new InvalidArgumentError('Embedding cannot be empty.')
  const storage = params.storage ?? defaultStorage(client, params.cwd)
  const dir = await mkdtemp(join(tmpdir(), 'soma-publish-'))
  try {
    let input = params.weightsFile as string
    if (params.weights !== undefined) {
      const { writeFile } = await import('node:fs/promises')
      input = join(dir, 'weights.safetensors')
      await writeFile(input, params.weights)
    }
    const encryptedPath = join(dir, 'weights.enc')
    // Native (streaming AES + Blake2b), loaded only when publishing.
    const { encryptWeightsFile } = await import('../native.js')
    const encrypted = await encryptWeightsFile(input, encryptedPath, {
      ...(params.signal ? { signal: params.signal } : {}),
      ...(params.onProgress ? { onProgress: (n: number) => params.onProgress?.({ phase: 'encrypt', transferred: n, total: undefined }) } : {}),
    })
    const uploaded = await storage.upload(encryptedPath, {
      key: params.key ?? `models/${randomUUID()}/weights.enc`,
      ...(params.signal ? { signal: params.signal } : {}),
      ...(params.onProgress
        ? { onProgress: (p: TransferProgress) => params.onProgress?.({ phase: 'upload', transferred: p.transferred, total: p.total }) }
        : {}),
    })
    const commit = await commitModel(client, {
      signer: params.signer,
      weightsUrl: uploaded.url,
      checksum: encrypted.checksum,
      size: encrypted.size,
      decryptionKey: encrypted.key,
      embedding: params.embedding,
      ...(params.modelId !== undefined ? { modelId: params.modelId } : {}),
      ...(params.commissionRate !== undefined ? { commissionRate: params.commissionRate } : {}),
      ...(params.stakeAmount !== undefined ? { stakeAmount: params.stakeAmount } : {}),
      ...(params.signal ? { signal: params.signal } : {}),
      ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
    })
    return { modelId: commit.modelId, url: uploaded.url, checksum: encrypted.checksum, size: encrypted.size, decryptionKey: encrypted.key, commit }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
