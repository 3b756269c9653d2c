import type { CallOptions, SomaClientCore } from '../client/types.js'
import type { Object$ } from '../generated/soma/rpc/object_pb.js'
import { parseU64 } from '../utils/amount.js'
import { normalizeAddress } from '../utils/encoding.js'
import { callOptions } from './shared.js'

export interface GetObjectParams extends CallOptions {
  objectId: string
  /** A past version (the node keeps them); the latest when omitted. */
  version?: bigint | number
}

/**
 * An object with every field (id, version, digest, type, owner, BCS contents, previous transaction),
 * as the node sends it: the reference writes `object_id` and `owner.address` as 64 hex without `0x`,
 * so compare them with `normalizeAddress`.
 *
 * @param client - the client
 * @param params - the id, optional version, `signal` and `timeoutMs`
 * @returns the object
 * @throws {RpcNotFoundError} when there is no such object (or version)
 * @throws {InvalidAddressError} for a malformed id
 * @example
 * const coin = await client.getObject({ objectId })
 */
export async function getObject(client: SomaClientCore, params: GetObjectParams): Promise<Object$> {
  return client.rpc.getObject(normalizeAddress(params.objectId), {
    ...callOptions(params),
    ...(params.version !== undefined ? { version: parseU64(params.version, 'version') } : {}),
  })
}
