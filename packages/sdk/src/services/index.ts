export { AdminMethods, FaucetMethods, ScoringMethods, SIDE_SERVICE_PORTS, type BcsMethod } from './definitions.js'
export {
  AdminClient,
  BcsGrpcClient,
  FaucetClient,
  ScoringClient,
  type SideCallOptions,
  type SideServiceClientOptions,
} from './client.js'
export {
  ServiceError,
  serveSideServices,
  type AdminHandlers,
  type FaucetHandlers,
  type HandlerContext,
  type RunningService,
  type ScoringHandlers,
  type SideServicesOptions,
} from './server.js'
export * from './types.js'
