/**
 * `ExecuteTransaction` over plain gRPC, answered on the HTTP/2 request itself instead of through
 * Connect's universal handler. Connect costs about 0.35 ms of the node's CPU per call (async
 * iterable pipelines, an AbortController and header conversions per request), a sixth of what a
 * transfer costs the node in all; this path keeps the same answers for less.
 *
 * It takes only the shape every gRPC client sends for a unary call: POST, content type
 * `application/grpc` or `application/grpc+proto`, no `grpc-encoding` other than identity, no
 * `grpc-timeout` and no `Origin` (browsers go through gRPC-Web and CORS). Anything else goes to
 * Connect, which serves the same method. What it answers for a malformed body (status code and
 * message) is Connect's answer, in Connect's order of checks; `test/direct-grpc.test.ts` sends the
 * same bodies both ways and compares.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'

import { fromBinary, toBinary } from '@bufbuild/protobuf'
import { Code, ConnectError } from '@connectrpc/connect'
import { contentTypeProto, parseTimeout, setTrailerStatus } from '@connectrpc/connect/protocol-grpc'
import {
  ExecuteTransactionRequestSchema,
  ExecuteTransactionResponseSchema,
  type ExecuteTransactionRequest,
  type ExecuteTransactionResponse,
} from '@soma-ts/sdk/generated/soma/rpc/transaction_execution_service_pb'

import { RPC_REQUEST_BINARY_OPTIONS } from '../limits.js'

export const EXECUTE_TRANSACTION_PATH = '/soma.rpc.TransactionExecutionService/ExecuteTransaction'

/** The envelope's first byte: bit 0 says the message is compressed. */
const COMPRESSED_FLAG = 1

/** Whether `req` is a plain gRPC unary ExecuteTransaction call this path answers. */
export function takesDirectExecute(req: Http2ServerRequest): boolean {
  if (req.method !== 'POST' || req.url !== EXECUTE_TRANSACTION_PATH) return false
  const h = req.headers
  const type = h['content-type']
  if (type !== 'application/grpc' && type !== 'application/grpc+proto') return false
  const encoding = h['grpc-encoding']
  if (encoding !== undefined && encoding !== 'identity') return false
  if (h.origin !== undefined) return false
  // A malformed deadline is Connect's to refuse. A well-formed one changes nothing here: Connect
  // only aborts the handler's signal when it passes, which ExecuteTransaction does not watch (the
  // queued transaction commits and is answered), and the client keeps its own deadline.
  const timeout = h['grpc-timeout']
  return timeout === undefined || (typeof timeout === 'string' && parseTimeout(timeout, Number.MAX_SAFE_INTEGER).error === undefined)
}

export interface DirectExecuteOptions {
  /** The largest request message, as Connect's `readMaxBytes`. */
  readonly maxMessageBytes: number
  /** Sets the chain's response headers (as the Connect route does before its handler). */
  readonly setHeaders: (headers: Headers) => void
  /** The Connect route's implementation; a throw becomes the trailer status as Connect makes it. */
  readonly execute: (request: ExecuteTransactionRequest) => Promise<ExecuteTransactionResponse>
  /** Maps what `execute` throws to the ConnectError the Connect route would answer with. */
  readonly toError: (err: unknown) => ConnectError
}

/**
 * Reads the request's envelopes as they arrive, with Connect's checks in Connect's order: each
 * envelope's declared size as soon as its header is in, then its compressed flag and its parse once
 * it is whole; a second message is an extra one, and bytes left at the end are an incomplete envelope.
 */
class UnaryBody {
  private chunks: Buffer[] = []
  private buffered = 0
  private declared: number | undefined
  /** The parsed request, once the first envelope was whole and parsed. */
  request: ExecuteTransactionRequest | undefined

  constructor(private readonly maxMessageBytes: number) {}

  /** Takes a chunk; returns the error that ends the call, if this chunk caused one. */
  push(chunk: Buffer): ConnectError | undefined {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.declared === undefined) {
        if (this.buffered < 5) return undefined
        this.declared = this.joined().readUInt32BE(1)
        if (this.declared > this.maxMessageBytes) {
          return new ConnectError(`message size ${this.declared} is larger than configured readMaxBytes ${this.maxMessageBytes}`, Code.ResourceExhausted)
        }
      }
      const size = 5 + this.declared
      if (this.buffered < size) return undefined
      const all = this.joined()
      if ((all[0]! & COMPRESSED_FLAG) === COMPRESSED_FLAG) {
        return new ConnectError('received compressed envelope, but do not know how to decompress', Code.Internal)
      }
      let message: ExecuteTransactionRequest
      try {
        message = fromBinary(ExecuteTransactionRequestSchema, all.subarray(5, size), RPC_REQUEST_BINARY_OPTIONS)
      } catch (err) {
        return new ConnectError(`parse binary: ${err instanceof Error ? err.message : String(err)}`, Code.Internal)
      }
      if (this.request !== undefined) return new ConnectError('protocol error: received extra input message for unary method', Code.Unimplemented)
      this.request = message
      this.chunks = all.length > size ? [all.subarray(size)] : []
      this.buffered -= size
      this.declared = undefined
    }
  }

  /** The body ended; returns the error for what it lacked, if anything. */
  end(): ConnectError | undefined {
    if (this.buffered > 0) return new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument)
    if (this.request === undefined) return new ConnectError('protocol error: missing input message for unary method', Code.Unimplemented)
    return undefined
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0]!
  }
}

/** Answers one plain gRPC ExecuteTransaction call (see `takesDirectExecute`). */
export function directExecute(req: Http2ServerRequest, res: Http2ServerResponse, options: DirectExecuteOptions): void {
  const body = new UnaryBody(options.maxMessageBytes)
  const headers = new Headers({ 'content-type': contentTypeProto })
  let finished = false
  const finish = (message: Uint8Array | undefined, error: ConnectError | undefined) => {
    if (finished) return
    finished = true
    req.removeListener('data', onData)
    // A request still sending (an oversized body) is not read further.
    if (!req.readableEnded) req.resume()
    if (res.destroyed || res.writableEnded) return
    const trailers = new Headers({ 'grpc-status': '0' })
    if (error !== undefined) setTrailerStatus(trailers, error)
    res.writeHead(200, Object.fromEntries(headers))
    if (message !== undefined) {
      const frame = Buffer.allocUnsafe(5 + message.length)
      frame[0] = 0
      frame.writeUInt32BE(message.length, 1)
      frame.set(message, 5)
      res.write(frame)
    }
    res.addTrailers(Object.fromEntries(trailers))
    res.end()
  }
  const onData = (chunk: Buffer) => {
    const error = body.push(chunk)
    if (error !== undefined) finish(undefined, error)
  }
  req.on('data', onData)
  req.once('end', () => {
    if (finished) return
    const error = body.end()
    if (error !== undefined || body.request === undefined) return finish(undefined, error)
    const request = body.request
    let answer: Promise<ExecuteTransactionResponse>
    try {
      options.setHeaders(headers)
      answer = options.execute(request)
    } catch (err) {
      answer = Promise.reject(err)
    }
    answer.then(
      (response) => {
        let bytes: Uint8Array
        try {
          bytes = toBinary(ExecuteTransactionResponseSchema, response)
        } catch (err) {
          return finish(undefined, new ConnectError(`serialize binary: ${err instanceof Error ? err.message : String(err)}`, Code.Internal))
        }
        finish(bytes, undefined)
      },
      (err: unknown) => finish(undefined, options.toError(err)),
    )
  })
  req.once('error', () => finish(undefined, new ConnectError('the request stream failed', Code.Canceled)))
}
