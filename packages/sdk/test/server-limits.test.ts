// Servers refuse early (issue 8, deliver 2): hostile side-service requests do not hold up a Health
// call, oversized messages and floods of calls are refused before any handler runs, and the
// Connect `soma.rpc` server enforces its body limit. Every server listens on 127.0.0.1 only.
import * as grpc from '@grpc/grpc-js'
import { Code, ConnectError, createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { create } from '@bufbuild/protobuf'
import { afterEach, describe, expect, it } from 'vitest'

import { encodeBcs } from '../src/bcs/index.js'
import { TransactionExecutionService, SimulateTransactionResponseSchema } from '../src/generated/soma/rpc/transaction_execution_service_pb.js'
import { transactionDataFromProto } from '../src/rpc/convert.js'
import { GrpcStatus } from '../src/rpc/errors.js'
import { serveRpc, toConnectError } from '../../localnet/src/rpc/server.js'
import { HealthRequest, ScoringMethods } from '../src/services/index.js'
import { serveSideServices, type RunningService } from '../../localnet/src/services/server.js'
import { hostile } from './helpers/hostile.js'

const running: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})

const identity = (b: Buffer) => b

/** One raw unary call: the response bytes, or the gRPC status it failed with. */
function rawCall(client: grpc.Client, path: string, body: Uint8Array): Promise<{ code: number; details: string; ms: number }> {
  const started = performance.now()
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, Buffer.from(body), { deadline: Date.now() + 30_000 }, (err) =>
      resolve({ code: err ? err.code : GrpcStatus.OK, details: err?.details ?? '', ms: performance.now() - started }),
    )
  })
}

async function scoring(limits?: Parameters<typeof serveSideServices>[0]['limits'], score?: () => Promise<never>): Promise<RunningService> {
  const server = await serveSideServices({
    port: 0,
    limits,
    scoring: {
      score: score ?? (() => Promise.reject(new Error('not used'))),
      health: async () => true,
    },
  })
  running.push(server)
  return server
}

function clientFor(server: RunningService): grpc.Client {
  const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure())
  running.push({ close: async () => client.close() })
  return client
}

describe('side-service server limits', () => {
  it('16 hostile 14-byte ScoreRequests at once do not hold up a Health call', async () => {
    const server = await scoring()
    const client = clientFor(server)
    await rawCall(client, ScoringMethods.health.path, encodeBcs(HealthRequest, {})) // connect first
    const heapBefore = process.memoryUsage().heapUsed
    const floods = Array.from({ length: 16 }, () => rawCall(client, ScoringMethods.score.path, hostile.scoreRequest()))
    const health = rawCall(client, ScoringMethods.health.path, encodeBcs(HealthRequest, {}))
    const [results, healthResult] = await Promise.all([Promise.all(floods), health])
    for (const r of results) {
      expect(r.code).toBe(GrpcStatus.INTERNAL)
      expect(r.details).toMatch(/declares 33554431 elements/)
    }
    expect(healthResult.code).toBe(GrpcStatus.OK)
    // The old server held this call for 5.7 s and grew by 260 MB.
    expect(healthResult.ms).toBeLessThan(1_500)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 2 ** 20)
  })

  it('a message over maxMessageBytes is refused before it is decoded', async () => {
    const server = await scoring({ maxMessageBytes: 1_024 })
    const r = await rawCall(clientFor(server), ScoringMethods.score.path, new Uint8Array(2_048))
    expect(r.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED)
    expect(r.details).not.toMatch(/decode/i)
  })

  it('calls beyond maxConcurrentCalls of one method get RESOURCE_EXHAUSTED; other methods still run', async () => {
    const blockers: (() => void)[] = []
    const server = await scoring({ maxConcurrentCalls: 2 }, () => new Promise<never>((_, reject) => blockers.push(() => reject(new Error('released')))))
    const client = clientFor(server)
    const valid = encodeBcs(ScoringMethods.score.request, {
      dataUrl: 'https://example.com/d',
      dataChecksum: 'x',
      dataSize: 1n,
      modelManifests: [],
      targetEmbedding: [1],
      seed: 1n,
    })
    const held = [rawCall(client, ScoringMethods.score.path, valid), rawCall(client, ScoringMethods.score.path, valid)]
    while (blockers.length < 2) await new Promise((r) => setTimeout(r, 10))
    const refused = await rawCall(client, ScoringMethods.score.path, valid)
    expect(refused.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED)
    expect((await rawCall(client, ScoringMethods.health.path, encodeBcs(HealthRequest, {}))).code).toBe(GrpcStatus.OK)
    blockers.forEach((release) => release())
    for (const r of await Promise.all(held)) expect(r.code).toBe(GrpcStatus.INTERNAL)
    // The slots are free again.
    const again = rawCall(client, ScoringMethods.score.path, valid)
    while (blockers.length < 3) await new Promise((r) => setTimeout(r, 10))
    blockers[2]!()
    expect((await again).code).toBe(GrpcStatus.INTERNAL)
  })

  it('invalid limits are a typed error', async () => {
    await expect(serveSideServices({ port: 0, limits: { maxMessageBytes: 0 } })).rejects.toMatchObject({ code: 'SOMA_INVALID_ARGUMENT' })
  })
})

describe('soma.rpc server limits (serveRpc)', () => {
  async function rebuildServer(limits?: Parameters<typeof serveRpc>[0]['limits']) {
    const server = await serveRpc({
      port: 0,
      limits,
      routes: (router) =>
        router.service(TransactionExecutionService, {
          executeTransaction: () => {
            throw new ConnectError('not used', Code.Unimplemented)
          },
          simulateTransaction: (req) => {
            try {
              transactionDataFromProto(req.transaction ?? ({} as never))
            } catch (err) {
              throw toConnectError(err)
            }
            return create(SimulateTransactionResponseSchema, {})
          },
        }),
    })
    running.push(server)
    return createClient(TransactionExecutionService, createGrpcTransport({ baseUrl: server.url }))
  }

  it('answers a malformed transaction with INVALID_ARGUMENT from the rebuild', async () => {
    const client = await rebuildServer()
    await expect(client.simulateTransaction({ transaction: {} })).rejects.toMatchObject({ code: Code.InvalidArgument })
  })

  it('refuses a body over maxMessageBytes before parsing it', async () => {
    const client = await rebuildServer({ maxMessageBytes: 1_024 })
    const big = { transaction: { sender: 'x'.repeat(4_096) } }
    await expect(client.simulateTransaction(big as never)).rejects.toMatchObject({ code: Code.ResourceExhausted })
  })
})
