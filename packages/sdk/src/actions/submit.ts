import type { TransactionKindInput } from '../bcs/transaction.js'
import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'

export interface SubmitParams extends SignedCallOptions {
  /** A kind from a builder (`buildCommitModelUpdate`, `buildRevealModelUpdate`, `transactions/builders`). */
  kind: TransactionKindInput
}

/**
 * Signs and executes a built transaction kind with the usual gas selection and retry, and waits
 * for its checkpoint.
 *
 * @param client - the client
 * @param params - the signer, the kind, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.submit({ signer, kind: buildCommitModelUpdate({ ... }) })
 */
export async function submit(client: SomaClientCore, params: SubmitParams): Promise<TransactionResult> {
  return signAndExecute(client, params)
}
