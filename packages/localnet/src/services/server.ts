/**
 * Server half of the side services, for the local network and for tests: gRPC over HTTP/2 with
 * BCS messages, the same paths and structs as the reference. A request that is not valid BCS of
 * its struct (truncated, trailing bytes, bad enum tag) is answered with INTERNAL and the decoder's
 * message, as the reference codec does (`utils/src/codec.rs`); handlers never see it.
 */
import * as grpc from '@grpc/grpc-js'

import {
  AdminMethods,
  BaseError,
  decodeBcs,
  encodeBcs,
  FaucetMethods,
  GrpcStatus,
  grpcStatusName,
  ScoringMethods,
  type BaseErrorParameters,
  type BcsMethod,
  type GasRequest,
  type GasResponseInput,
  type ScoreRequest,
  type ScoreResponseInput,
} from '@soma-ts/sdk'
import { CallGate, SIDE_SERVICE_LIMITS, grpcServerOptions, resolveLimits, type ServerLimits } from '../limits.js'

/** Throw this from a handler to answer with a specific gRPC status. */
export class ServiceError extends BaseError {
  override name = 'ServiceError'
  readonly grpcCode: number
  constructor(grpcCode: number, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: `SOMA_SERVICE_${grpcStatusName(grpcCode)}` })
    this.grpcCode = grpcCode
  }
}

export interface HandlerContext {
  /** Aborts when the client cancels or the deadline passes. */
  signal: AbortSignal
  metadata: grpc.Metadata
}

export interface FaucetHandlers {
  requestGas(request: GasRequest, ctx: HandlerContext): Promise<GasResponseInput>
}
export interface ScoringHandlers {
  score(request: ScoreRequest, ctx: HandlerContext): Promise<ScoreResponseInput>
  health(ctx: HandlerContext): Promise<boolean>
}
export interface AdminHandlers {
  /** Resolves with the new epoch. */
  advanceEpoch(ctx: HandlerContext): Promise<bigint>
}

type ErrorClassifier = (message: string) => number

/** The reference scoring server's rule (`scoring/src/server.rs`): these words mean the caller erred. */
const scoringClassifier: ErrorClassifier = (message) =>
  /must be|required|must not|Checksum|Invalid/.test(message) ? GrpcStatus.INVALID_ARGUMENT : GrpcStatus.INTERNAL
const internalClassifier: ErrorClassifier = () => GrpcStatus.INTERNAL

function errorText(err: unknown): string {
  if (err instanceof BaseError) return err.details && err.details !== err.shortMessage ? `${err.shortMessage} ${err.details}` : err.shortMessage
  if (err instanceof Error) return err.message
  return String(err)
}

const identity = (b: Buffer): Buffer => b

function unaryHandler<Req, ReqIn, Res, ResIn>(
  method: BcsMethod<Req, ReqIn, Res, ResIn>,
  handle: (request: Req, ctx: HandlerContext) => Promise<ResIn>,
  classify: ErrorClassifier,
  gate: CallGate,
): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const release = gate.tryEnter(method.path)
    if (!release) {
      callback({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: `more than ${gate.max} ${method.path} calls at once` })
      return
    }
    let request: Req
    try {
      request = decodeBcs(method.request, call.request)
    } catch (err) {
      release()
      callback({ code: GrpcStatus.INTERNAL, details: errorText(err) })
      return
    }
    const controller = new AbortController()
    call.on('cancelled', () => controller.abort())
    let answered = false
    const answer = (err: grpc.ServiceError | Partial<grpc.StatusObject> | null, value?: Buffer) => {
      if (answered) return
      answered = true
      release()
      callback(err, value)
    }
    Promise.resolve()
      .then(() => handle(request, { signal: controller.signal, metadata: call.metadata }))
      .then(
        (response) => {
          let bytes: Uint8Array
          try {
            bytes = encodeBcs(method.response, response)
          } catch (err) {
            answer({ code: GrpcStatus.INTERNAL, details: `the handler's response is not a valid ${method.response.name}: ${errorText(err)}` })
            return
          }
          answer(null, Buffer.from(bytes))
        },
        (err: unknown) => {
          const code = err instanceof ServiceError ? err.grpcCode : classify(errorText(err))
          answer({ code, details: errorText(err) })
        },
      )
  }
}

function definition(methods: Record<string, BcsMethod<unknown, unknown, unknown, unknown>>): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {}
  for (const [name, m] of Object.entries(methods)) {
    out[name] = {
      path: m.path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    }
  }
  return out
}

export interface SideServicesOptions {
  /** Default 127.0.0.1; the local network binds 0.0.0.0. */
  host?: string
  /** 0 picks a free port. */
  port: number
  faucet?: FaucetHandlers
  scoring?: ScoringHandlers
  admin?: AdminHandlers
  /** Message size, stream and concurrency limits (default SIDE_SERVICE_LIMITS). */
  limits?: Partial<ServerLimits>
}

export interface RunningService {
  readonly port: number
  /** `http://host:port`. */
  readonly url: string
  close(): Promise<void>
}

/** Registers the given services on one grpc-js server and starts listening. */
export async function serveSideServices(options: SideServicesOptions): Promise<RunningService> {
  const limits = resolveLimits(SIDE_SERVICE_LIMITS, options.limits)
  const server = new grpc.Server(grpcServerOptions(limits))
  const gate = new CallGate(limits.maxConcurrentCalls)
  if (options.faucet) {
    const h = options.faucet
    server.addService(definition(FaucetMethods as never), {
      requestGas: unaryHandler(FaucetMethods.requestGas, (req, ctx) => h.requestGas(req, ctx), internalClassifier, gate),
    })
  }
  if (options.scoring) {
    const h = options.scoring
    server.addService(definition(ScoringMethods as never), {
      score: unaryHandler(ScoringMethods.score, (req, ctx) => h.score(req, ctx), scoringClassifier, gate),
      health: unaryHandler(ScoringMethods.health, async (_req, ctx) => ({ ok: await h.health(ctx) }), scoringClassifier, gate),
    })
  }
  if (options.admin) {
    const h = options.admin
    server.addService(definition(AdminMethods as never), {
      advanceEpoch: unaryHandler(AdminMethods.advanceEpoch, async (_req, ctx) => ({ epoch: await h.advanceEpoch(ctx) }), internalClassifier, gate),
    })
  }
  const host = options.host ?? '127.0.0.1'
  const bindHost = host.includes(':') ? `[${host}]` : host
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)))
  })
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : bindHost
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve())
        // Calls still running after 2 s (e.g. a stuck handler) are cut off.
        setTimeout(() => server.forceShutdown(), 2_000).unref()
      }),
  }
}
