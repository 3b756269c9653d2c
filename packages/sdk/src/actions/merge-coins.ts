import { listCoins } from '../client/coins.js'
import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import { InvalidArgumentError } from '../errors/index.js'
import * as b from '../transactions/builders.js'

export type MergeCoinsParams = SignedCallOptions

/**
 * Merges the signer's coins (up to 256) into one, as the reference does: the smallest coin is
 * transferred to the signer itself while all the others pay the gas, and gas smashing merges them.
 *
 * @param client - the client
 * @param params - the signer, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} when the signer has 0 or 1 coins (nothing to merge)
 * @throws {TransactionFailedError} when the chain rejects it in execution
 * @example
 * await client.mergeCoins({ signer })
 */
export async function mergeCoins(client: SomaClientCore, params: MergeCoinsParams): Promise<TransactionResult> {
  const sender = params.signer.toSomaAddress()
  const coins = await listCoins(client, sender, { ...params, limit: 256 })
  if (coins.length <= 1) {
    throw new InvalidArgumentError('Nothing to merge: the address has 0 or 1 coins.', { details: `${coins.length} coin(s) at ${sender}` })
  }
  const smallest = coins[coins.length - 1]!
  const ref = (c: (typeof coins)[number]) => ({ objectId: c.objectId, version: c.version, digest: c.digest })
  return signAndExecute(client, {
    ...params,
    gasPayment: coins.slice(0, -1).map(ref),
    kind: b.transferCoin({ coin: ref(smallest), amount: null, recipient: sender }),
    label: 'MergeCoins',
  })
}
