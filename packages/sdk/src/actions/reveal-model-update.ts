import type { SomaClientCore, TransactionResult } from '../client/types.js'
import { revealModel, type RevealModelParams } from './reveal-model.js'

export type RevealModelUpdateParams = RevealModelParams

/**
 * Reveals an update's key and embedding in the epoch after `commitModelUpdate`; the new weights
 * replace the old ones.
 *
 * @param client - the client
 * @param params - the signer, model id, the committed key and embedding
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidKeyError} for a key that is not 32 bytes
 * @throws {TransactionFailedError} when the chain rejects it (e.g. `ModelNoPendingUpdate`)
 * @example
 * await client.revealModelUpdate({ signer, modelId, decryptionKey, embedding })
 */
export async function revealModelUpdate(client: SomaClientCore, params: RevealModelUpdateParams): Promise<TransactionResult> {
  return revealModel(client, params)
}
