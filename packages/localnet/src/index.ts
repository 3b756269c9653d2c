/**
 * @soma-ts/localnet: a single-process SOMA local network. It holds the server halves of the wire
 * protocols (the fullnode's Connect error mapping and the side services over gRPC/BCS); the chain
 * and the fullnode API build on them. Codecs come from `@soma-ts/sdk`.
 */
export { fieldViolationError, toConnectError } from './rpc/server.js'
export {
  ServiceError,
  serveSideServices,
  type AdminHandlers,
  type FaucetHandlers,
  type HandlerContext,
  type RunningService,
  type ScoringHandlers,
  type SideServicesOptions,
} from './services/server.js'
export * from './scoring/index.js'
export { version } from './version.js'
