/**
 * Browser entry of the fullnode client: gRPC-Web over fetch (the node accepts gRPC-Web with open
 * CORS). Imports nothing Node-specific, so bundlers can take it as is.
 */
import type { Transport } from '@connectrpc/connect'
import { createGrpcWebTransport } from '@connectrpc/connect-web'

import { endpointHref } from '../utils/url.js'
import { createSomaRpcClientFromTransport, type SomaRpcClient } from './client.js'

export interface WebTransportOptions {
  /** Fullnode URL, e.g. `https://fullnode.testnet.soma.org`. */
  url: string
  /** Per-call timeout unless a call sets its own; default 60 s. */
  defaultTimeoutMs?: number
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof globalThis.fetch
}

export function createWebTransport(options: WebTransportOptions): Transport {
  return createGrpcWebTransport({
    baseUrl: endpointHref(options.url, 'https://fullnode.testnet.soma.org'),
    defaultTimeoutMs: options.defaultTimeoutMs ?? 60_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
}

/** A fullnode client over gRPC-Web. */
export function createSomaRpcWebClient(options: WebTransportOptions): SomaRpcClient {
  return createSomaRpcClientFromTransport(createWebTransport(options), {
    url: endpointHref(options.url, 'https://fullnode.testnet.soma.org'),
  })
}

export { createSomaRpcClientFromTransport, paginate, readMask, READ_MASKS, type SomaRpcClient } from './client.js'
export * from './errors.js'
