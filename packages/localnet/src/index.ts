/**
 * @soma-ts/localnet: a single-process SOMA local network. It holds the server halves of the wire
 * protocols (the fullnode's Connect error mapping and the side services over gRPC/BCS); the chain
 * and the fullnode API build on them. Codecs come from `@soma-ts/sdk`.
 */
export { fieldViolationError, serveRpc, toConnectError, type RpcServerOptions } from './rpc/server.js'
export { RPC_SERVER_LIMITS, SIDE_SERVICE_LIMITS, type ServerLimits } from './limits.js'
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
export {
  DEFAULT_ADMIN_PORT,
  DEFAULT_EPOCH_DURATION_MS,
  DEFAULT_FAUCET_PORT,
  DEFAULT_RPC_PORT,
  FAUCET_AMOUNT,
  startLocalnet,
  type LocalnetOptions,
  type LocalnetScoringOptions,
  type LocalnetUrls,
  type RunningLocalnet,
} from './localnet.js'
export { LocalNode, NodeClosedError, type CommittedTransaction, type LocalNodeOptions, type NodeGenesis } from './node/node.js'
export { verifyCheckpointSignature, decodeCheckpointSummary, type CheckpointSummary } from './node/checkpoint.js'
export * from './scoring/index.js'
export { version } from './version.js'
