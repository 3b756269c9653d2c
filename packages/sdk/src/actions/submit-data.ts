import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import { InvalidArgumentError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import * as b from '../transactions/builders.js'
import { parseU64 } from '../utils/amount.js'
import { callOptions, systemState } from './shared.js'

export interface SubmitDataParams extends SignedCallOptions {
  targetId: string
  /** The raw data (its Blake2b-256 and size are computed); or give `dataChecksum` and `dataSize`. */
  data?: Uint8Array
  dataChecksum?: string | Uint8Array
  dataSize?: bigint | number
  /** Where validators can fetch the data. */
  dataUrl: string
  /** The model the data was scored with (one of the target's `modelIds`). */
  modelId: string
  /** The data's embedding (the score's `embedding`). */
  embedding: ArrayLike<number>
  /** The winner's distance (`score.distance[0]`: the service returns only the winner's); must not exceed the target's threshold. */
  distanceScore: number
  /** The score's `lossScore`. */
  lossScore: ArrayLike<number>
}

/**
 * Submits data to fill a target. The bond (`submission_bond_per_byte` × size) is taken from a
 * coin chosen at random among the richest ones not in flight, as the reference does.
 *
 * @param client - the client
 * @param params - the signer, target, data (or checksum and size), URL, model, embedding, distance and loss
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} when neither data nor checksum and size are given
 * @throws {InsufficientFundsError} when no coin holds the bond
 * @throws {TransactionFailedError} when the chain rejects it (e.g. `DistanceExceedsThreshold`, `TargetNotOpen`)
 * @example
 * await client.submitData({ signer, targetId, data, dataUrl, modelId, embedding, distanceScore, lossScore })
 */
export async function submitData(client: SomaClientCore, params: SubmitDataParams): Promise<TransactionResult> {
  let checksum: string | Uint8Array
  let size: bigint
  if (params.data !== undefined) {
    if (!(params.data instanceof Uint8Array)) throw new InvalidArgumentError('data must be a Uint8Array.')
    checksum = params.dataChecksum ?? blake2b256(params.data)
    size = params.dataSize === undefined ? BigInt(params.data.length) : parseU64(params.dataSize, 'dataSize')
  } else {
    if (params.dataChecksum === undefined || params.dataSize === undefined) {
      throw new InvalidArgumentError('Either data or both dataChecksum and dataSize are required.')
    }
    checksum = params.dataChecksum
    size = parseU64(params.dataSize, 'dataSize')
  }
  if (typeof params.distanceScore !== 'number' || !Number.isFinite(params.distanceScore)) {
    throw new InvalidArgumentError('distanceScore must be a finite number.')
  }
  const state = await systemState(client, callOptions(params))
  const bond = state.parameters.submissionBondPerByte * size
  return signAndExecute(client, {
    ...params,
    bond,
    kind: ({ bond: bondCoin }) =>
      b.submitData({
        targetId: params.targetId,
        url: params.dataUrl,
        checksum,
        size,
        modelId: params.modelId,
        embedding: params.embedding,
        distanceScore: params.distanceScore,
        lossScore: params.lossScore,
        bondCoin: bondCoin!,
      }),
  })
}
