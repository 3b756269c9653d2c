import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'
import { objectRefs } from './object-refs.js'

export interface WithdrawStakeParams extends SignedCallOptions {
  /** The `StakedSoma` object's id (from `addStake`'s `created`, or `listOwnedObjects`). */
  stakedSomaId: string
}

/**
 * Withdraws a stake (principal plus rewards) into a new coin.
 *
 * @param client - the client
 * @param params - the signer, the StakedSoma id, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {RpcNotFoundError} when the object does not exist
 * @throws {TransactionFailedError} when the chain rejects it in execution
 * @example
 * await client.withdrawStake({ signer, stakedSomaId })
 */
export async function withdrawStake(client: SomaClientCore, params: WithdrawStakeParams): Promise<TransactionResult> {
  const [stakedSoma] = await objectRefs(client, [params.stakedSomaId], params)
  return signAndExecute(client, { ...params, kind: b.withdrawStake({ stakedSoma: stakedSoma! }) })
}
