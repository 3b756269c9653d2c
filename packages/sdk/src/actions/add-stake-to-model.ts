import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'
import { parseAmount, type AmountInput } from '../utils/amount.js'

export interface AddStakeToModelParams extends SignedCallOptions {
  modelId: string
  /** `bigint` shannons or SOMA text/number; without it the whole richest coin is staked. */
  amount?: AmountInput
}

/**
 * Stakes with a model's staking pool from the signer's richest coin.
 *
 * @param client - the client
 * @param params - the signer, model id, optional amount, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} for a bad amount
 * @throws {TransactionFailedError} when the chain rejects it in execution (e.g. `ModelNotFound`)
 * @example
 * await client.addStakeToModel({ signer, modelId, amount: '2' })
 */
export async function addStakeToModel(client: SomaClientCore, params: AddStakeToModelParams): Promise<TransactionResult> {
  const amount = params.amount === undefined ? null : parseAmount(params.amount)
  return signAndExecute(client, {
    ...params,
    spend: true,
    ...(amount === null ? {} : { value: amount }),
    kind: ({ spend }) => b.addStakeToModel({ modelId: params.modelId, coin: spend!, amount }),
  })
}
