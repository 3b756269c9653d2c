import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'

export interface SetModelCommissionRateParams extends SignedCallOptions {
  modelId: string
  /** Basis points (100 = 1%), at most 10000; takes effect next epoch. */
  newRate: bigint | number
}

/**
 * Sets a model's commission rate for the next epoch; the owner only.
 *
 * @param client - the client
 * @param params - the signer, the arguments, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution (error name and digest)
 * @throws {InvalidAddressError} for a malformed id or address
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.setModelCommissionRate({ signer, modelId, newRate: 500 })
 */
export async function setModelCommissionRate(client: SomaClientCore, params: SetModelCommissionRateParams): Promise<TransactionResult> {
  return signAndExecute(client, { ...params, kind: b.setModelCommissionRate({ modelId: params.modelId, newRate: params.newRate }) })
}
