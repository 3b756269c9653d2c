/**
 * Limits for the servers we run (the side services over grpc-js, the `soma.rpc` server over
 * Connect): one request's size, streams per HTTP/2 connection, the memory one session may hold,
 * and how many calls of one method run at once. A request past a limit is refused before it is
 * decoded, so no small request can make a server slow for the others.
 */
import type { ServerOptions as GrpcServerOptions } from '@grpc/grpc-js'

import { InvalidArgumentError } from '@soma-ts/sdk'

export interface ServerLimits {
  /** The largest request message accepted, in bytes. */
  maxMessageBytes: number
  /** Streams one HTTP/2 connection may have open at once (`SETTINGS_MAX_CONCURRENT_STREAMS`). */
  maxConcurrentStreams: number
  /** Memory one HTTP/2 session may hold for unsent and unread frames, in MiB (Node's unit). */
  maxSessionMemoryMiB: number
  /** Calls of one method whose handler may run at once; more are refused with RESOURCE_EXHAUSTED. */
  maxConcurrentCalls: number
}

/** The side services' messages are a few kilobytes (a target embedding of 2,048 f32 is 8 KiB). */
export const SIDE_SERVICE_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxMessageBytes: 1 << 20,
  maxConcurrentStreams: 32,
  maxSessionMemoryMiB: 16,
  maxConcurrentCalls: 64,
})

/**
 * How the `soma.rpc` servers parse a request body: fields they do not know are skipped, as the
 * node's protobuf decoder (prost) skips them, instead of kept. Kept, each costs the protobuf
 * runtime a record and a copy: a 727 KB request of unknown fields took 20-85 ms of CPU to parse,
 * skipped about 10 ms.
 */
export const RPC_REQUEST_BINARY_OPTIONS = Object.freeze({ readUnknownFields: false })

/** `soma.rpc` requests carry at most a signed transaction and a list of object ids. */
export const RPC_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxMessageBytes: 4 << 20,
  maxConcurrentStreams: 64,
  maxSessionMemoryMiB: 32,
  maxConcurrentCalls: 128,
})

/** Fills unset fields from `defaults` and checks that each is a positive integer. */
export function resolveLimits(defaults: Readonly<ServerLimits>, overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...defaults, ...overrides }
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(`server limit ${key} must be a positive integer, got ${String(value)}`)
  }
  return limits
}

/** grpc-js channel options enforcing `limits`. */
export function grpcServerOptions(limits: ServerLimits): GrpcServerOptions {
  return {
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc-node.max_session_memory': limits.maxSessionMemoryMiB,
  }
}

/** `http2.createServer` options enforcing `limits` (for a Connect server). */
export function http2ServerOptions(limits: ServerLimits): {
  maxSessionMemory: number
  settings: { maxConcurrentStreams: number }
} {
  return { maxSessionMemory: limits.maxSessionMemoryMiB, settings: { maxConcurrentStreams: limits.maxConcurrentStreams } }
}

/**
 * Counts the calls in flight, per name; `tryEnter` refuses once `max` are running. Each method
 * has its own count, so a flood of one method (Score) leaves room for another (Health).
 */
export class CallGate {
  readonly #inFlight = new Map<string, number>()
  constructor(readonly max: number) {}

  /** A release function, or null when `max` calls of `name` already run. */
  tryEnter(name: string): (() => void) | null {
    const running = this.#inFlight.get(name) ?? 0
    if (running >= this.max) return null
    this.#inFlight.set(name, running + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      this.#inFlight.set(name, (this.#inFlight.get(name) ?? 1) - 1)
    }
  }
}
