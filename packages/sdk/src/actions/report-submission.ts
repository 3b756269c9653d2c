import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'

export interface ReportSubmissionParams extends SignedCallOptions {
  targetId: string
}

/**
 * Reports a target's winning submission as fraudulent (validators only).
 *
 * @param client - the client
 * @param params - the signer, the arguments, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution (error name and digest)
 * @throws {InvalidAddressError} for a malformed id or address
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.reportSubmission({ signer, targetId })
 */
export async function reportSubmission(client: SomaClientCore, params: ReportSubmissionParams): Promise<TransactionResult> {
  return signAndExecute(client, { ...params, kind: b.reportSubmission({ targetId: params.targetId }) })
}
