/**
 * Clients of the side services (faucet 9123, scoring 9124, admin 9125): plain gRPC over HTTP/2
 * with BCS messages, through @grpc/grpc-js and identity serializers, so that encoding and decoding
 * errors are ours and typed. Failed calls reject with the typed `RpcError` of their status.
 */
import * as grpc from '@grpc/grpc-js'

import { decodeBcs, encodeBcs } from '../bcs/codec.js'
import { GrpcStatus, rpcErrorFromStatus } from '../rpc/errors.js'
import { normalizeEndpointUrl } from '../utils/url.js'
import { AdminMethods, FaucetMethods, ScoringMethods, type BcsMethod } from './definitions.js'
import type { GasResponse, HealthResponse, ScoreRequestInput, ScoreResponse } from './types.js'

export interface SideServiceClientOptions {
  /** e.g. `http://127.0.0.1:9123` (plaintext) or `https://faucet.testnet.soma.org` (TLS, system roots). */
  url: string
  /** Deadline of each call unless the call sets its own. */
  defaultTimeoutMs?: number
}

export interface SideCallOptions {
  signal?: AbortSignal
  timeoutMs?: number
}

const identity = (b: Buffer): Buffer => b

function endpoint(url: string): { target: string; secure: boolean; href: string } {
  const u = normalizeEndpointUrl(url, 'http://127.0.0.1:9123')
  const secure = u.protocol === 'https:'
  const host = u.hostname
  const port = u.port || (secure ? '443' : '80')
  return { target: `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`, secure, href: u.href.replace(/\/$/, '') }
}

/** One connection to a side service; call methods by their definition. */
export class BcsGrpcClient {
  readonly url: string
  private readonly client: grpc.Client
  private readonly defaultTimeoutMs: number

  constructor(options: SideServiceClientOptions) {
    const { target, secure, href } = endpoint(options.url)
    this.url = href
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000
    const credentials = secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure()
    this.client = new grpc.Client(target, credentials)
  }

  /** Resolves once connected; rejects with RpcUnavailableError after `timeoutMs` (the reference clients connect eagerly). */
  waitForReady(timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (err) => {
        if (err) {
          reject(rpcErrorFromStatus({ grpcCode: GrpcStatus.UNAVAILABLE, serverMessage: err.message, url: this.url, cause: err }))
        } else resolve()
      })
    })
  }

  call<Req, ReqIn, Res, ResIn>(method: BcsMethod<Req, ReqIn, Res, ResIn>, request: ReqIn, options: SideCallOptions = {}): Promise<Res> {
    const payload = Buffer.from(encodeBcs(method.request, request))
    const url = this.url
    return new Promise<Res>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(rpcErrorFromStatus({ grpcCode: GrpcStatus.CANCELLED, serverMessage: 'aborted before the call started', method: method.path, url }))
        return
      }
      const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs
      const callOptions: grpc.CallOptions = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {}
      const call = this.client.makeUnaryRequest(method.path, identity, identity, payload, new grpc.Metadata(), callOptions, (err, value) => {
        options.signal?.removeEventListener('abort', onAbort)
        if (err) {
          reject(rpcErrorFromStatus({ grpcCode: err.code ?? GrpcStatus.UNKNOWN, serverMessage: err.details ?? err.message, method: method.path, url, cause: err }))
          return
        }
        try {
          resolve(decodeBcs(method.response, value ?? Buffer.alloc(0)))
        } catch (decodeErr) {
          reject(
            rpcErrorFromStatus({
              grpcCode: GrpcStatus.INTERNAL,
              serverMessage: `the response is not a valid BCS ${method.response.name}`,
              method: method.path,
              url,
              cause: decodeErr,
            }),
          )
        }
      })
      const onAbort = () => call.cancel()
      options.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  close(): void {
    this.client.close()
  }
}

/** `/faucet.Faucet/RequestGas`. */
export class FaucetClient extends BcsGrpcClient {
  /** Asks the faucet for coins; no client-side address check (the server answers INVALID_ARGUMENT). */
  requestGas(recipient: string, options?: SideCallOptions): Promise<GasResponse> {
    return this.call(FaucetMethods.requestGas, { recipient }, options)
  }
}

/** `/scoring.Scoring/Score` and `/scoring.Scoring/Health`. */
export class ScoringClient extends BcsGrpcClient {
  score(request: ScoreRequestInput, options?: SideCallOptions): Promise<ScoreResponse> {
    return this.call(ScoringMethods.score, request, options)
  }
  async health(options?: SideCallOptions): Promise<boolean> {
    const res: HealthResponse = await this.call(ScoringMethods.health, {}, options)
    return res.ok
  }
}

/** `/admin.Admin/AdvanceEpoch` (local networks only). */
export class AdminClient extends BcsGrpcClient {
  constructor(options: SideServiceClientOptions) {
    // The server may block up to 120 s while validators reconfigure.
    super({ defaultTimeoutMs: 150_000, ...options })
  }
  /** Ends the current epoch; resolves with the new epoch number. */
  async advanceEpoch(options?: SideCallOptions): Promise<bigint> {
    const res = await this.call(AdminMethods.advanceEpoch, {}, options)
    return res.epoch
  }
}
