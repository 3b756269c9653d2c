import type { CallOptions, SomaClientCore } from '../client/types.js'
import { callOptions } from './shared.js'

/**
 * Ends the current epoch now (local networks only, through the admin service).
 *
 * @param client - the client (with an admin service)
 * @param params - `signal` and `timeoutMs` (default 150 s: the server may wait for reconfiguration)
 * @returns the new epoch number
 * @throws {ServiceNotConfiguredError} when the client has no admin service (e.g. testnet)
 * @throws {RpcError} when the admin service fails or cannot be reached
 * @example
 * const epoch = await client.advanceEpoch()
 */
export async function advanceEpoch(client: SomaClientCore, params: CallOptions = {}): Promise<bigint> {
  return client.admin().advanceEpoch(callOptions(params))
}
