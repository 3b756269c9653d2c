import type { CallOptions, SomaClientCore } from '../client/types.js'
import type { GasResponse } from '../services/types.js'
import { normalizeAddress } from '../utils/encoding.js'
import { callOptions } from './shared.js'

export interface RequestFaucetParams extends CallOptions {
  /** The address to fund (`0x` optional). */
  address: string
}

/**
 * Asks the faucet for test coins (the local network and testnet send 2 SOMA per request).
 *
 * @param client - the client (with a faucet)
 * @param params - the address, `signal` and `timeoutMs`
 * @returns `{ status, coinsSent: [{ amount, id, transferTxDigest }] }` (`status` is `"Success"`)
 * @throws {ServiceNotConfiguredError} when the client has no faucet
 * @throws {InvalidAddressError} for a malformed address
 * @throws {RpcError} when the faucet refuses or cannot be reached (the error names its URL)
 * @example
 * const { coinsSent } = await client.requestFaucet({ address: signer.toSomaAddress() })
 */
export async function requestFaucet(client: SomaClientCore, params: RequestFaucetParams): Promise<GasResponse> {
  const address = normalizeAddress(params.address)
  return client.faucet().requestGas(address, callOptions(params))
}
