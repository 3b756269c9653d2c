import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'

export interface DeactivateModelParams extends SignedCallOptions {
  modelId: string
}

/**
 * Deactivates a model (it stops competing); the owner only.
 *
 * @param client - the client
 * @param params - the signer, the arguments, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution (error name and digest)
 * @throws {InvalidAddressError} for a malformed id or address
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.deactivateModel({ signer, modelId })
 */
export async function deactivateModel(client: SomaClientCore, params: DeactivateModelParams): Promise<TransactionResult> {
  return signAndExecute(client, { ...params, kind: b.deactivateModel({ modelId: params.modelId }) })
}
