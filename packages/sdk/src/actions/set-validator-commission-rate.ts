import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'

export interface SetValidatorCommissionRateParams extends SignedCallOptions {
  /** Basis points (100 = 1%); takes effect next epoch. */
  newRate: bigint | number
}

/**
 * Sets the signer's validator commission rate for the next epoch.
 *
 * @param client - the client
 * @param params - the signer, the arguments, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution (error name and digest)
 * @throws {InvalidAddressError} for a malformed id or address
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.setValidatorCommissionRate({ signer, newRate: 300 })
 */
export async function setValidatorCommissionRate(client: SomaClientCore, params: SetValidatorCommissionRateParams): Promise<TransactionResult> {
  return signAndExecute(client, { ...params, kind: b.setCommissionRate({ newRate: params.newRate }) })
}
