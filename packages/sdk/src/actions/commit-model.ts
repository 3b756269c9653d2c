import type { SomaClientCore, SignedCallOptions, TransactionResult } from '../client/types.js'
import { InvalidArgumentError } from '../errors/index.js'
import type { AmountInput } from '../utils/amount.js'
import { buildCommitModelUpdate, type WeightsCommitmentParams } from './build-commit-model-update.js'
import { createModel } from './create-model.js'
import { submit } from './submit.js'

export interface CommitModelParams extends SignedCallOptions, Omit<WeightsCommitmentParams, 'modelId'> {
  /** Commit an existing model (Created, or Active for an update); without it a model is created first. */
  modelId?: string
  /** Basis points, when creating the model (required then). */
  commissionRate?: bigint | number
  /** The initial stake when creating the model; default the network minimum. */
  stakeAmount?: AmountInput
}

export interface CommitModelResult extends TransactionResult {
  modelId: string
  /** The CreateModel transaction, when this call created the model. */
  createTransaction?: TransactionResult
}

/**
 * Commits a model's weights (URL, checksum, size and the commitments to the key and embedding).
 * Without `modelId` it first creates the model with `commissionRate` and `stakeAmount`, as the
 * seed's one-call `commit_model` does, and returns the new id; with one it commits that model, as
 * the reference does. Reveal in the next epoch with `revealModel`.
 *
 * @param client - the client
 * @param params - the signer, weights (or checksum and size), URL, key, embedding, and model id or creation terms
 * @returns the commit transaction and the model id
 * @throws {InvalidArgumentError} for an empty embedding, or no modelId and no commissionRate
 * @throws {TransactionFailedError} when the chain rejects it in execution
 * @example
 * const { modelId } = await client.commitModel({ signer, weightsUrl, encryptedWeights, decryptionKey, embedding, commissionRate: 500 })
 */
export async function commitModel(client: SomaClientCore, params: CommitModelParams): Promise<CommitModelResult> {
  let modelId = params.modelId
  let createTransaction: TransactionResult | undefined
  if (modelId === undefined) {
    if (params.commissionRate === undefined) {
      throw new InvalidArgumentError('commitModel without a modelId creates the model and needs commissionRate.', {
        hint: 'Pass commissionRate (basis points), or the modelId of a model created with createModel.',
      })
    }
    // Checked before any transaction is sent, so a bad argument costs nothing.
    buildCommitModelUpdate({ ...params, modelId: `0x${'0'.repeat(64)}` })
    const created = await createModel(client, {
      signer: params.signer,
      commissionRate: params.commissionRate,
      ...(params.stakeAmount !== undefined ? { stakeAmount: params.stakeAmount } : {}),
      ...(params.signal ? { signal: params.signal } : {}),
      ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
    })
    modelId = created.modelId
    createTransaction = created
  }
  const kind = buildCommitModelUpdate({ ...params, modelId })
  const result = await submit(client, { signer: params.signer, kind, ...(params.signal ? { signal: params.signal } : {}), ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}) })
  return { ...result, modelId, ...(createTransaction ? { createTransaction } : {}) }
}
