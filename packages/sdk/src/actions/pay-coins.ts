import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import { InvalidArgumentError } from '../errors/index.js'
import * as b from '../transactions/builders.js'
import { parseAmount, type AmountInput } from '../utils/amount.js'
import { objectRefs } from './object-refs.js'

export interface PayCoinsParams extends SignedCallOptions {
  recipients: string[]
  /** One per recipient: `bigint` shannons, or SOMA as decimal strings or numbers. */
  amounts: AmountInput[]
  /** The coins to pay from; the first also pays the fee (the reference CLI's `--coins`). Default: the richest coin. */
  coins?: string[]
}

/**
 * Pays several recipients in one transaction, from the signer's richest coin.
 *
 * @param client - the client
 * @param params - the signer, recipients and amounts (same length), `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} for a bad amount or mismatched lengths
 * @throws {InsufficientFundsError} when the signer owns no coin
 * @throws {TransactionFailedError} when the chain rejects it in execution
 * @example
 * await client.payCoins({ signer, recipients: [a, b], amounts: ['1', '0.5'] })
 */
export async function payCoins(client: SomaClientCore, params: PayCoinsParams): Promise<TransactionResult> {
  if (!Array.isArray(params.recipients) || !Array.isArray(params.amounts) || params.recipients.length !== params.amounts.length) {
    throw new InvalidArgumentError('payCoins needs one amount per recipient.', {
      details: `${params.amounts?.length} amounts, ${params.recipients?.length} recipients`,
    })
  }
  if (params.recipients.length === 0) throw new InvalidArgumentError('payCoins needs at least one recipient.')
  const amounts = params.amounts.map((a, i) => parseAmount(a, `amounts[${i}]`))
  if (params.coins !== undefined && params.coins.length > 0) {
    const coins = await objectRefs(client, params.coins, params)
    return signAndExecute(client, { ...params, gasPayment: [coins[0]!], kind: b.payCoins({ coins, amounts, recipients: params.recipients }) })
  }
  return signAndExecute(client, {
    ...params,
    spend: true,
    value: amounts.reduce((sum, a) => sum + a, 0n),
    kind: ({ spend }) => b.payCoins({ coins: [spend!], amounts, recipients: params.recipients }),
  })
}
