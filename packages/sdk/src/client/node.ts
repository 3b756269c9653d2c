/**
 * `createSomaClient` for Node.js: the fullnode over gRPC/HTTP/2 and the side services (faucet,
 * scoring, admin) as grpc-js clients built on first use from their URLs.
 */
import { createNodeTransport } from '../rpc/node.js'
import { AdminClient, FaucetClient, ScoringClient } from '../services/client.js'
import { withActions, type SomaClient } from './actions.js'
import { createClientCore } from './core.js'
import type { ClientPlatform, SomaClientOptions } from './types.js'

/** The Node platform: grpc-js side-service clients. */
export const nodePlatform: ClientPlatform = {
  faucet: (url) => new FaucetClient({ url }),
  scoring: (url) => new ScoringClient({ url }),
  admin: (url) => new AdminClient({ url }),
}

/**
 * A SOMA client for Node.js (gRPC over HTTP/2, grpc-js side services): every read and signed
 * action as a method. Same options as the browser entry's `createSomaClient`.
 *
 * @param options - `chain` or `rpcUrl`, side-service URLs, `transport`, `defaultTimeoutMs`
 * @returns the client; call `close()` to drop its side-service connections
 * @throws {InvalidArgumentError} for an unknown chain or a URL the preset forbids
 * @example
 * const client = createSomaClient({ chain: 'localnet' })
 * await client.requestFaucet({ address: signer.toSomaAddress() })
 */
export function createSomaClient(options: SomaClientOptions): SomaClient {
  return withActions(createClientCore(options, (url, defaultTimeoutMs) => createNodeTransport({ url, defaultTimeoutMs }), nodePlatform))
}
