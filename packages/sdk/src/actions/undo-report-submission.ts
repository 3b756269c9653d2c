import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'

export interface UndoReportSubmissionParams extends SignedCallOptions {
  targetId: string
}

/**
 * Withdraws an earlier report of a submission.
 *
 * @param client - the client
 * @param params - the signer, the arguments, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution (error name and digest)
 * @throws {InvalidAddressError} for a malformed id or address
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.undoReportSubmission({ signer, targetId })
 */
export async function undoReportSubmission(client: SomaClientCore, params: UndoReportSubmissionParams): Promise<TransactionResult> {
  return signAndExecute(client, { ...params, kind: b.undoReportSubmission({ targetId: params.targetId }) })
}
