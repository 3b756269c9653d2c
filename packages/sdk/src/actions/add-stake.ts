import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'
import { parseAmount, type AmountInput } from '../utils/amount.js'
import { objectRefs } from './object-refs.js'

export interface AddStakeParams extends SignedCallOptions {
  /** The validator's address. */
  validator: string
  /** `bigint` shannons or SOMA text/number; without it the whole richest coin is staked. */
  amount?: AmountInput
  /** The coin to stake from, which then also pays the fee (the reference CLI's `--coin`); default the richest. */
  coin?: string
}

/**
 * Stakes with a validator from the signer's richest coin; the stake becomes a `StakedSoma` object
 * (see `result.created`) that `withdrawStake` returns.
 *
 * @param client - the client
 * @param params - the signer, validator, optional amount, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} for a bad amount
 * @throws {TransactionFailedError} when the chain rejects it in execution (e.g. `ValidatorNotFound`)
 * @example
 * const { created } = await client.addStake({ signer, validator, amount: '1' })
 */
export async function addStake(client: SomaClientCore, params: AddStakeParams): Promise<TransactionResult> {
  const amount = params.amount === undefined ? null : parseAmount(params.amount)
  if (params.coin !== undefined) {
    const [coin] = await objectRefs(client, [params.coin], params)
    return signAndExecute(client, { ...params, gasPayment: [coin!], kind: b.addStake({ validator: params.validator, coin: coin!, amount }) })
  }
  return signAndExecute(client, {
    ...params,
    spend: true,
    ...(amount === null ? {} : { value: amount }),
    kind: ({ spend }) => b.addStake({ validator: params.validator, coin: spend!, amount }),
  })
}
