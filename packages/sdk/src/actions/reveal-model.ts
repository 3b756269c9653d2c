import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import { buildRevealModelUpdate, type RevealParams } from './build-reveal-model-update.js'
import { submit } from './submit.js'

export type RevealModelParams = SignedCallOptions & RevealParams

/**
 * Reveals a committed model's key and embedding, in the epoch after the commit; the model becomes
 * Active and competes from then on.
 *
 * @param client - the client
 * @param params - the signer, model id, the committed key and embedding
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidKeyError} for a key that is not 32 bytes
 * @throws {TransactionFailedError} when the chain rejects it (e.g. `ModelRevealEpochMismatch`, `ModelEmbeddingCommitmentMismatch`)
 * @example
 * await client.revealModel({ signer, modelId, decryptionKey, embedding })
 */
export async function revealModel(client: SomaClientCore, params: RevealModelParams): Promise<TransactionResult> {
  return submit(client, { ...params, kind: buildRevealModelUpdate(params) })
}
