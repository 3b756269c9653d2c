import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'

export interface ClaimRewardsParams extends SignedCallOptions {
  targetId: string
}

/**
 * Claims a filled target's rewards once its challenge window has closed (anyone may claim; the claimer gets an incentive).
 *
 * @param client - the client
 * @param params - the signer, the arguments, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution (error name and digest)
 * @throws {InvalidAddressError} for a malformed id or address
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.claimRewards({ signer, targetId })
 */
export async function claimRewards(client: SomaClientCore, params: ClaimRewardsParams): Promise<TransactionResult> {
  return signAndExecute(client, { ...params, kind: b.claimRewards({ targetId: params.targetId }) })
}
