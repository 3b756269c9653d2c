import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import { buildCommitModelUpdate, type WeightsCommitmentParams } from './build-commit-model-update.js'
import { submit } from './submit.js'

export type CommitModelUpdateParams = SignedCallOptions & WeightsCommitmentParams

/**
 * Commits new weights for an active model (it keeps competing with the old ones until the reveal,
 * due in the next epoch with `revealModelUpdate`).
 *
 * @param client - the client
 * @param params - the signer, model id, new weights (or checksum and size), URL, key and embedding
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} for an empty embedding
 * @throws {TransactionFailedError} when the chain rejects it in execution (e.g. `ModelNotActive`)
 * @example
 * await client.commitModelUpdate({ signer, modelId, weightsUrl, encryptedWeights, decryptionKey, embedding })
 */
export async function commitModelUpdate(client: SomaClientCore, params: CommitModelUpdateParams): Promise<TransactionResult> {
  return submit(client, { ...params, kind: buildCommitModelUpdate(params) })
}
