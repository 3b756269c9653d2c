import type { CallOptions, SomaClientCore } from '../client/types.js'
import type { ExecutedTransaction } from '../generated/soma/rpc/effects_pb.js'
import { callOptions } from './shared.js'

export interface GetTransactionParams extends CallOptions {
  /** Base58. */
  digest: string
}

/**
 * An executed transaction: effects, checkpoint, timestamp and balance changes.
 *
 * @param client - the client
 * @param params - the digest, `signal` and `timeoutMs`
 * @returns the transaction
 * @throws {RpcNotFoundError} when the node does not know it
 * @example
 * const tx = await client.getTransaction({ digest })
 */
export async function getTransaction(client: SomaClientCore, params: GetTransactionParams): Promise<ExecutedTransaction> {
  return client.rpc.getTransaction(params.digest, callOptions(params))
}
