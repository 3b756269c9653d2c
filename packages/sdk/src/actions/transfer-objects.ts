import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import { InvalidArgumentError } from '../errors/index.js'
import * as b from '../transactions/builders.js'
import { normalizeAddress } from '../utils/encoding.js'
import { objectRefs } from './object-refs.js'

export interface TransferObjectsParams extends SignedCallOptions {
  recipient: string
  /** Objects the signer owns (coins, `StakedSoma`, ...). */
  objectIds: string[]
  /** The coin that pays the fee (the reference CLI's `--gas`); default one chosen as in every transaction. */
  gas?: string
}

/**
 * Transfers owned objects by id; their current references are read from the node, and the
 * objects are never used as gas.
 *
 * @param client - the client
 * @param params - the signer, recipient, object ids, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {InvalidArgumentError} for an empty list
 * @throws {RpcNotFoundError} when an object does not exist
 * @throws {TransactionFailedError} when the chain rejects it in execution
 * @example
 * await client.transferObjects({ signer, recipient, objectIds: [coinId] })
 */
export async function transferObjects(client: SomaClientCore, params: TransferObjectsParams): Promise<TransactionResult> {
  if (!Array.isArray(params.objectIds) || params.objectIds.length === 0) {
    throw new InvalidArgumentError('transferObjects needs at least one object id.')
  }
  const ids = params.objectIds.map((id) => normalizeAddress(id))
  const objects = await objectRefs(client, ids, params)
  const gasPayment = params.gas === undefined ? undefined : await objectRefs(client, [params.gas], params)
  return signAndExecute(client, {
    ...params,
    ...(gasPayment === undefined ? {} : { gasPayment }),
    excludeCoins: ids,
    kind: b.transferObjects({ objects, recipient: params.recipient }),
  })
}
