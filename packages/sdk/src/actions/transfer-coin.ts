import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'
import { parseAmount, type AmountInput } from '../utils/amount.js'
import { objectRefs } from './object-refs.js'

export interface TransferCoinParams extends SignedCallOptions {
  recipient: string
  /** `bigint` shannons, or SOMA as a decimal string or number (`"1.15"`). */
  amount: AmountInput
  /** The coin to send from, which then also pays the fee (the reference CLI's `--coin`); default the richest. */
  coin?: string
}

/**
 * Sends `amount` to `recipient` from the signer's richest coin (the reference's choice); the fee
 * is paid by a gas coin chosen as in every transaction.
 *
 * @param client - the client
 * @param params - the signer, recipient, amount, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} for a bad amount
 * @throws {InsufficientFundsError} when the signer owns no coin
 * @throws {TransactionFailedError} when the chain rejects it in execution (e.g. `InsufficientCoinBalance`)
 * @example
 * await client.transferCoin({ signer, recipient, amount: '1.15' })
 */
export async function transferCoin(client: SomaClientCore, params: TransferCoinParams): Promise<TransactionResult> {
  const amount = parseAmount(params.amount)
  if (params.coin !== undefined) {
    const [coin] = await objectRefs(client, [params.coin], params)
    return signAndExecute(client, { ...params, gasPayment: [coin!], kind: b.transferCoin({ coin: coin!, amount, recipient: params.recipient }) })
  }
  return signAndExecute(client, {
    ...params,
    spend: true,
    value: amount,
    kind: ({ spend }) => b.transferCoin({ coin: spend!, amount, recipient: params.recipient }),
  })
}
