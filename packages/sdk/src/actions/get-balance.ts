import type { CallOptions, SomaClientCore } from '../client/types.js'
import { normalizeAddress } from '../utils/encoding.js'
import { callOptions } from './shared.js'

export interface GetBalanceParams extends CallOptions {
  address: string
}

/**
 * The total balance of an address in shannons (format it with `formatSoma`).
 *
 * @param client - the client
 * @param params - the address, `signal` and `timeoutMs`
 * @returns shannons
 * @throws {InvalidAddressError} for a malformed address
 * @throws {RpcError} when the node fails or cannot be reached
 * @example
 * formatSoma(await client.getBalance({ address })) // '2'
 */
export async function getBalance(client: SomaClientCore, params: GetBalanceParams): Promise<bigint> {
  return client.rpc.getBalance(normalizeAddress(params.address), callOptions(params))
}
