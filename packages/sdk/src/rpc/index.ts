/**
 * The browser-safe wire layer for the fullnode (`soma.rpc`): the client interface, the gRPC-Web
 * transport, typed errors, and the TransactionData ⇄ protobuf conversion the node performs. The
 * HTTP/2 transport is Node-only and lives in `@soma-ts/sdk/node`.
 */
export { buildTransaction, type BuiltTransaction } from './build.js'
export {
  createSomaRpcClientFromTransport,
  paginate,
  readMask,
  READ_MASKS,
  toRpcError,
  type ListOptions,
  type MaskInput,
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
export { userSignatureFromProto, userSignatureToProto } from './signature.js'
export { createSomaRpcWebClient, createWebTransport, type WebTransportOptions } from './web.js'
