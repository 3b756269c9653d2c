/**
 * The side services (faucet, scoring, admin): method definitions and BCS message types. Both are
 * browser-safe; the grpc-js clients are Node-only and exported from `@soma-ts/sdk/node`, and the
 * server half lives in `@soma-ts/localnet`.
 */
export { AdminMethods, FaucetMethods, ScoringMethods, SIDE_SERVICE_PORTS, type BcsMethod } from './definitions.js'
export * from './types.js'
