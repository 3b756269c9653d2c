/**
 * The wire layer for the fullnode (`soma.rpc`): transports, client, typed errors, and the
 * TransactionData ⇄ protobuf conversion the node performs. Browser code imports
 * `@soma-ts/sdk/rpc/web` instead (no Node-only modules).
 */
export { buildTransaction, type BuiltTransaction } from './build.js'
export {
  createSomaRpcClientFromTransport,
  paginate,
  readMask,
  READ_MASKS,
  toRpcError,
  type ListOptions,
  type RpcCallOptions,
  type SomaRpcClient,
  type SomaRpcClientConfig,
} from './client.js'
export {
  ProtoConversionError,
  parseRpcAddress,
  transactionDataFromProto,
  transactionDataToProto,
  type FieldViolationReason,
  type TransactionDataValue,
} from './convert.js'
export * from './errors.js'
export { createNodeTransport, createSomaRpcClient, normalizeRpcUrl, type NodeTransportOptions } from './node.js'
export { fieldViolationError, serveRpc, toConnectError, type RpcServerOptions } from './server.js'
export { RPC_SERVER_LIMITS, SIDE_SERVICE_LIMITS, type ServerLimits } from '../limits.js'
export { userSignatureFromProto, userSignatureToProto } from './signature.js'
export { createSomaRpcWebClient, createWebTransport, type WebTransportOptions } from './web.js'
