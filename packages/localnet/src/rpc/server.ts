/**
 * Helpers for serving `soma.rpc` with Connect (the local network): errors with the node's status
 * codes and `google.rpc.BadRequest` details, so that clients of the real node and ours see the same.
 */
import type { AddressInfo } from 'node:net'
import { createServer, type Http2Session } from 'node:http2'

import { create } from '@bufbuild/protobuf'
import { Code, ConnectError, type ConnectRouter, type Interceptor } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'

import { ProtoConversionError } from '@soma-ts/sdk'
import { BadRequestSchema } from '@soma-ts/sdk/generated/google/rpc/error_details_pb'
import { CallGate, RPC_REQUEST_BINARY_OPTIONS, RPC_SERVER_LIMITS, http2ServerOptions, resolveLimits, type ServerLimits } from '../limits.js'

/** INVALID_ARGUMENT with one BadRequest field violation, the node's answer to a malformed field. */
export function fieldViolationError(field: string, reason: 'FIELD_MISSING' | 'FIELD_INVALID', description = ''): ConnectError {
  const message = `error converting from protobuf: field: ${field} reason: ${reason}${description ? ` description: ${description}` : ''}`
  return new ConnectError(message, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field, reason, description }] }) },
  ])
}

/** The ConnectError a handler should throw for `err`: rebuild failures become INVALID_ARGUMENT. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ProtoConversionError) return fieldViolationError(err.field, err.reason, err.description)
  if (err instanceof ConnectError) return err
  return new ConnectError(err instanceof Error ? err.message : String(err), Code.Internal)
}

export interface RpcServerOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** 0 picks a free port. */
  port: number
  /** Registers the service implementations (`router.service(LedgerService, impl)`, …). */
  routes: (router: ConnectRouter) => void
  /** Message size, stream and concurrency limits (default RPC_SERVER_LIMITS). */
  limits?: Partial<ServerLimits>
}

/**
 * Serves `soma.rpc` over HTTP/2 cleartext (gRPC, gRPC-Web and Connect), with `limits` enforced:
 * an oversized body is refused by Connect before it is parsed, the HTTP/2 session caps streams and
 * memory, and each method has a bounded number of calls in flight.
 */
export async function serveRpc(options: RpcServerOptions): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const limits = resolveLimits(RPC_SERVER_LIMITS, options.limits)
  const gate = new CallGate(limits.maxConcurrentCalls)
  const limitCalls: Interceptor = (next) => async (req) => {
    const release = gate.tryEnter(req.url)
    if (!release) throw new ConnectError(`more than ${gate.max} calls of ${req.method.name} at once`, Code.ResourceExhausted)
    try {
      return await next(req)
    } finally {
      release()
    }
  }
  const handler = connectNodeAdapter({
    routes: options.routes,
    readMaxBytes: limits.maxMessageBytes,
    binaryOptions: RPC_REQUEST_BINARY_OPTIONS,
    interceptors: [limitCalls],
  })
  const server = createServer(http2ServerOptions(limits), handler)
  const sessions = new Set<Http2Session>()
  server.on('session', (session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const session of sessions) session.close()
        // Sessions still open after 2 s (a stuck client) are cut off.
        setTimeout(() => sessions.forEach((session) => session.destroy()), 2_000).unref()
      }),
  }
}
