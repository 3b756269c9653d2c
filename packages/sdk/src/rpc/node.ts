/**
 * Node.js entry of the fullnode client: gRPC over HTTP/2 (what the node serves natively), or
 * gRPC-Web over HTTP/1.1 for proxies that only pass gRPC-Web.
 */
import type { Transport } from '@connectrpc/connect'
import { createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node'

import { endpointHref } from '../utils/url.js'
import { createSomaRpcClientFromTransport, type SomaRpcClient } from './client.js'

export interface NodeTransportOptions {
  /** Fullnode URL, e.g. `http://127.0.0.1:9000` or `https://fullnode.testnet.soma.org`. */
  url: string
  /** `grpc` (HTTP/2, default) or `grpc-web`. */
  protocol?: 'grpc' | 'grpc-web'
  /** Per-call timeout unless a call sets its own; default 60 s. Streams never get one by default. */
  defaultTimeoutMs?: number
}

/** Fullnode URLs as the reference prints them: `0.0.0.0` means "this machine" to a client. */
export function normalizeRpcUrl(url: string): string {
  return endpointHref(url, 'http://127.0.0.1:9000 or https://fullnode.testnet.soma.org')
}

export function createNodeTransport(options: NodeTransportOptions): Transport {
  const baseUrl = normalizeRpcUrl(options.url)
  const common = { baseUrl, defaultTimeoutMs: options.defaultTimeoutMs ?? 60_000 }
  if (options.protocol === 'grpc-web') return createGrpcWebTransport({ ...common, httpVersion: '1.1' })
  return createGrpcTransport(common)
}

/** A fullnode client for Node.js. */
export function createSomaRpcClient(options: NodeTransportOptions): SomaRpcClient {
  return createSomaRpcClientFromTransport(createNodeTransport(options), { url: normalizeRpcUrl(options.url) })
}
