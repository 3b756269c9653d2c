import type { CallOptions, SomaClientCore } from '../client/types.js'
import { InvalidArgumentError } from '../errors/index.js'
import type { Object$ } from '../generated/soma/rpc/object_pb.js'
import { normalizeAddress } from '../utils/encoding.js'
import { callOptions } from './shared.js'

/** The type filter's accepted spellings (case-insensitive, as the reference) and their wire names. */
const OBJECT_TYPES: Record<string, string> = {
  coin: 'Coin',
  staked_soma: 'StakedSoma',
  stakedsoma: 'StakedSoma',
  target: 'Target',
  system_state: 'SystemState',
  systemstate: 'SystemState',
}

export interface ListOwnedObjectsParams extends CallOptions {
  owner: string
  /** `coin`, `staked_soma`, `target` or `system_state` (case-insensitive). */
  objectType?: string
  /** At most this many (all pages otherwise). */
  limit?: number
}

/**
 * The objects an address owns, every page unless `limit` is given. The messages are as the node
 * sends them: the reference writes `object_id` and `owner.address` as 64 hex without `0x`, so
 * compare them with `normalizeAddress`.
 *
 * @param client - the client
 * @param params - the owner, optional type filter and limit, `signal` and `timeoutMs`
 * @returns the objects
 * @throws {InvalidArgumentError} for an unknown type or a bad limit
 * @throws {InvalidAddressError} for a malformed owner
 * @example
 * const stakes = await client.listOwnedObjects({ owner, objectType: 'staked_soma' })
 */
export async function listOwnedObjects(client: SomaClientCore, params: ListOwnedObjectsParams): Promise<Object$[]> {
  let objectType: string | undefined
  if (params.objectType !== undefined) {
    objectType = OBJECT_TYPES[String(params.objectType).toLowerCase()]
    if (objectType === undefined) {
      throw new InvalidArgumentError(`Unknown object type "${String(params.objectType).slice(0, 40)}".`, {
        hint: 'Use coin, staked_soma, target or system_state.',
      })
    }
  }
  const limit = params.limit
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new InvalidArgumentError('limit must be a positive integer.')
  const out: Object$[] = []
  for await (const object of client.rpc.listOwnedObjects(normalizeAddress(params.owner), {
    ...callOptions(params),
    ...(objectType ? { objectType } : {}),
    ...(limit !== undefined ? { pageSize: Math.min(limit, 1000) } : {}),
  })) {
    out.push(object)
    if (limit !== undefined && out.length >= limit) break
  }
  return out
}
