/**
 * `@soma-ts/sdk/node`: the parts that need Node.js. The config directory (`client.yaml`), the
 * file keystore and its `KeystoreSigner`, the fullnode client over gRPC/HTTP/2, and the side
 * services' grpc-js clients.
 */
export * from './config/index.js'
export { KeystoreSigner } from './keys/keystore-signer.js'
export { createNodeTransport, createSomaRpcClient, normalizeRpcUrl, type NodeTransportOptions } from './rpc/node.js'
export {
  AdminClient,
  BcsGrpcClient,
  FaucetClient,
  ScoringClient,
  type SideCallOptions,
  type SideServiceClientOptions,
} from './services/client.js'
export { createSomaClient, defaultStorage, nodePlatform, publishModel, type NodeSomaClient, type PublishModelParams, type PublishModelResult } from './client/node.js'
export { commitment } from './crypto.js'
export { SECRET_KEY_VARIABLE, resolveSigner, signerFromEnv, type EnvSigner, type ResolveSignerOptions, type SignerFromEnvOptions } from './keys/from-env.js'
