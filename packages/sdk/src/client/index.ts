/**
 * `createSomaClient` for any JavaScript runtime (browser included): the fullnode over gRPC-Web,
 * side services only when their clients are given in `services` (the Node entry builds them from
 * the URLs). `score({ local: true })` and `publishModel` need `@soma-ts/sdk/node`.
 */
import { createWebTransport } from '../rpc/web.js'
import { withActions, type SomaClient } from './actions.js'
import { createClientCore } from './core.js'
import type { SomaClientOptions } from './types.js'

/**
 * A SOMA client over gRPC-Web (browser-safe): every read and signed action as a method.
 *
 * @param options - `chain` or `rpcUrl`, side-service URLs or clients, `transport`, `defaultTimeoutMs`
 * @returns the client
 * @throws {InvalidArgumentError} for an unknown chain or a URL the preset forbids
 * @example
 * const client = createSomaClient({ chain: 'testnet' })
 * const balance = await client.getBalance({ address })
 */
export function createSomaClient(options: SomaClientOptions): SomaClient {
  return withActions(createClientCore(options, (url, defaultTimeoutMs) => createWebTransport({ url, defaultTimeoutMs }), {}))
}

export { withActions, somaActionTable, type SomaActions, type SomaClient } from './actions.js'
export { CHAIN_PRESETS, createClientCore, resolveClientUrls } from './core.js'
export { chooseGasCoin, COIN_PAGE_SIZE, COIN_TOP_N, coinOf, gasFloor, inFlightCoinCount, isCoinInFlight, listCoins, reserveCoins, richestCoin, selectCoin, type ChooseGasOptions, type OwnedCoin, type SelectCoinOptions } from './coins.js'
export { MAX_RETRIES, executePrepared, lockConflict, signAndExecute, transactionResult, type ChosenCoins, type SignAndExecuteParams } from './execute.js'
export type * from './types.js'
