// Real gRPC over loopback: a tiny soma.rpc server (Connect on node:http2, gRPC-Web on node:http)
// driven by the SDK's clients. The ExecuteTransaction stub does what the node does with a
// transaction: rebuild the BCS from the protobuf and verify the signature over it.
import { create, toBinary } from '@bufbuild/protobuf'
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import * as grpc from '@grpc/grpc-js'
import http from 'node:http'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { Coin, encodeBcs } from '../src/bcs/index.js'
import { ObjectSchema, Owner_OwnerKind, type Object$ } from '../src/generated/soma/rpc/object_pb.js'
import { GetObjectRequestSchema, LedgerService } from '../src/generated/soma/rpc/ledger_service_pb.js'
import { StateService } from '../src/generated/soma/rpc/state_service_pb.js'
import { SubscriptionService } from '../src/generated/soma/rpc/subscription_service_pb.js'
import { TransactionExecutionService } from '../src/generated/soma/rpc/transaction_execution_service_pb.js'
import { TransactionSchema } from '../src/generated/soma/rpc/transaction_pb.js'
import { Ed25519Keypair } from '../src/keys/index.js'
import { buildTransaction } from '../src/rpc/build.js'
import { transactionDataFromProto } from '../src/rpc/convert.js'
import {
  RpcCancelledError,
  RpcError,
  RpcInvalidArgumentError,
  RpcNotFoundError,
  RpcObjectLockedError,
  RpcTimeoutError,
  RpcUnavailableError,
  RpcUnimplementedError,
} from '../src/rpc/errors.js'
import { createSomaRpcClient } from '../src/rpc/node.js'
import { fieldViolationError, toConnectError } from '../../localnet/src/rpc/server.js'
import { userSignatureFromProto, userSignatureToProto } from '../src/rpc/signature.js'
import { createSomaRpcWebClient } from '../src/rpc/web.js'
import { signTransaction, verifyTransactionSignature } from '../src/transactions/signature.js'
import { transactionDigest } from '../src/transactions/digests.js'
import { fromHex, toBase58 } from '../src/utils/encoding.js'

const keypair = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(1))
const SENDER = keypair.toSomaAddress()
const hex64 = (byte: string) => byte.repeat(32)

// Five coins owned by SENDER: ids 0x..01..05, balance = 1000 × index.
const coins: Object$[] = [1, 2, 3, 4, 5].map((i) =>
  create(ObjectSchema, {
    objectId: hex64(`0${i}`),
    version: BigInt(10 + i),
    digest: toBase58(new Uint8Array(32).fill(i)),
    owner: { kind: Owner_OwnerKind.ADDRESS, address: SENDER.slice(2) },
    objectType: 'Coin',
    contents: encodeBcs(Coin, { balance: BigInt(1000 * i) }),
    previousTransaction: toBase58(new Uint8Array(32).fill(0x55)),
  }),
)

/** Applies a read mask the way the node does for a flat object (only named top-level fields). */
function masked(object: Object$, paths: string[] | undefined): Object$ {
  const keep = new Set(paths ?? ['object_id', 'version', 'digest'])
  return create(ObjectSchema, {
    objectId: keep.has('object_id') ? object.objectId : undefined,
    version: keep.has('version') ? object.version : undefined,
    digest: keep.has('digest') ? object.digest : undefined,
    owner: keep.has('owner') ? object.owner : undefined,
    objectType: keep.has('object_type') ? object.objectType : undefined,
    contents: keep.has('contents') ? object.contents : undefined,
    previousTransaction: keep.has('previous_transaction') ? object.previousTransaction : undefined,
  })
}

let listCalls = 0
const checkpointQueue: string[] = []
const indexedOnly = new Set<string>()
const targets = [1, 2, 3, 4, 5, 6, 7].map((i) => ({ id: `0x${i}`, status: i % 2 === 0 ? 'filled' : 'open', rewardPool: BigInt(i) }))
let streamAborted: Promise<void> | undefined

function routes(router: ConnectRouter) {
  router.service(LedgerService, {
    getServiceInfo: () => ({ chainId: toBase58(new Uint8Array(32).fill(7)), chain: 'localnet', epoch: 3n, checkpointHeight: 42n, server: 'soma-test/0.1.21' }),
    getCheckpoint(req) {
      const id = req.checkpointId
      if (id.case === 'sequenceNumber') return { checkpoint: { sequenceNumber: id.value, digest: `cp-${id.value}` } }
      if (id.case === 'digest') return { checkpoint: { sequenceNumber: 7n, digest: id.value } }
      return { checkpoint: { sequenceNumber: 42n, digest: 'latest' } }
    },
    getEpoch: (req) => ({ epoch: { epoch: req.epoch ?? 3n, protocolConfig: req.readMask?.paths.includes('protocol_config') ? { protocolVersion: 5n } : undefined } }),
    getTransaction(req) {
      if (indexedOnly.has(req.digest ?? '')) return { transaction: { digest: req.digest, checkpoint: 77n } }
      throw new ConnectError(`Transaction ${req.digest} not found`, Code.NotFound)
    },
    getObject(req) {
      let id: string
      try {
        id = BigInt(`0x${(req.objectId ?? '').replace(/^0x/, '')}`).toString(16).padStart(64, '0')
      } catch {
        throw fieldViolationError('object_id', 'FIELD_INVALID', 'not hex')
      }
      const found = coins.find((c) => c.objectId === id)
      if (!found) throw new ConnectError(`Object 0x${id} not found`, Code.NotFound)
      return { object: masked(found, req.readMask?.paths) }
    },
  })
  router.service(StateService, {
    listOwnedObjects(req) {
      listCalls++
      const start = req.pageToken ? Number(new TextDecoder().decode(req.pageToken)) : 0
      const size = req.pageSize ?? 50
      const page = coins.slice(start, start + size).map((c) => masked(c, req.readMask?.paths))
      const next = start + size < coins.length ? new TextEncoder().encode(String(start + size)) : undefined
      return { objects: page, nextPageToken: next }
    },
    listTargets(req) {
      const all = targets.filter((t) => req.statusFilter === undefined || t.status === req.statusFilter)
      const start = req.pageToken ? req.pageToken[0]! : 0
      const size = req.pageSize ?? 100
      const next = start + size < all.length ? Uint8Array.of(start + size) : undefined
      return { targets: all.slice(start, start + size), nextPageToken: next }
    },
    getBalance: (req) => {
      if (req.owner !== SENDER) throw new ConnectError('unknown owner', Code.NotFound)
      return { balance: 15_000n }
    },
  })
  router.service(TransactionExecutionService, {
    executeTransaction(req) {
      let bcs: Uint8Array
      let sender: string
      try {
        const rebuilt = transactionDataFromProto(req.transaction ?? create(TransactionSchema, {}))
        bcs = rebuilt.bcs
        sender = rebuilt.data.V1.sender
        if (req.signatures.length !== 1) throw fieldViolationError('signatures', 'FIELD_INVALID', 'expected exactly one signature')
        const serialized = userSignatureFromProto(req.signatures[0]!)
        verifyTransactionSignature(bcs, serialized, { expectedSigner: sender })
      } catch (err) {
        if (err instanceof ConnectError) throw err
        if ((err as { name?: string }).name === 'ProtoConversionError') throw toConnectError(err)
        throw new ConnectError(`Invalid user signature: ${(err as Error).message.split('\n')[0]}`, Code.InvalidArgument)
      }
      const digest = transactionDigest(bcs)
      // A transfer of exactly 999 is "executed" but never checkpointed (for the timeout test).
      const kind = req.transaction?.kind?.kind
      // 998 is checkpointed but only visible through GetTransaction (the polling path).
      if (kind?.case === 'transferCoin' && kind.value.amount === 998n) indexedOnly.add(digest)
      else if (!(kind?.case === 'transferCoin' && kind.value.amount === 999n)) checkpointQueue.push(digest)
      return { transaction: { digest, effects: { status: { success: true }, transactionDigest: digest } } }
    },
    simulateTransaction() {
      throw new ConnectError('Object (0x01, 11) already locked by a different transaction', Code.FailedPrecondition)
    },
  })
  router.service(SubscriptionService, {
    async *subscribeCheckpoints(req, ctx) {
      if (req.readMask?.paths.includes('forever')) {
        streamAborted = new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
        for (let seq = 100n; ; seq++) {
          yield { cursor: seq, checkpoint: { sequenceNumber: seq } }
          await new Promise((r) => setTimeout(r, 10))
          if (ctx.signal.aborted) return
        }
      }
      if (!req.readMask?.paths.includes('summary')) {
        // Live mode: each tick, one checkpoint with whatever was executed since the last one.
        for (let seq = 500n; !ctx.signal.aborted; seq++) {
          const digests = checkpointQueue.splice(0)
          yield { cursor: seq, checkpoint: { sequenceNumber: seq, transactions: digests.map((digest) => ({ digest })) } }
          await new Promise((r) => setTimeout(r, 20))
        }
        return
      }
      for (const seq of [10n, 11n, 12n]) {
        yield { cursor: seq, checkpoint: { sequenceNumber: seq, transactions: [{ digest: `tx-${seq}` }] } }
      }
    },
  })
}


let h2: http2.Http2Server
const sessions = new Set<http2.ServerHttp2Session>()
let h1: http.Server
let grpcUrl = ''
let webUrl = ''

beforeAll(async () => {
  const handler = connectNodeAdapter({ routes, grpc: true, grpcWeb: true, connect: false })
  h2 = http2.createServer(handler)
  h2.on('session', (session) => sessions.add(session))
  h1 = http.createServer(handler)
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r))
  await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r))
  grpcUrl = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`
  webUrl = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`
})

afterAll(async () => {
  // Clients keep idle HTTP/2 sessions open; close() waits for them, so end them here.
  for (const session of sessions) session.destroy()
  await new Promise((r) => h2.close(r))
  h1.closeAllConnections()
  await new Promise((r) => h1.close(r))
})

function transferTx(amount = 500n) {
  return buildTransaction({
    V1: {
      kind: { TransferCoin: { coin: { objectId: `0x${hex64('01')}`, version: 11n, digest: coins[0]!.digest! }, amount, recipient: `0x${hex64('33')}` } },
      sender: SENDER,
      gasPayment: [{ objectId: `0x${hex64('01')}`, version: 11n, digest: coins[0]!.digest! }],
    },
  })
}

describe.each([
  ['gRPC over HTTP/2 (connect-node)', () => createSomaRpcClient({ url: grpcUrl })],
  ['gRPC-Web over HTTP/1.1 (connect-node)', () => createSomaRpcClient({ url: webUrl, protocol: 'grpc-web' })],
  ['gRPC-Web with fetch (connect-web, the browser transport)', () => createSomaRpcWebClient({ url: webUrl })],
])('%s', (_name, makeClient) => {
  it('GetServiceInfo', async () => {
    const info = await makeClient().getServiceInfo()
    expect(info.chain).toBe('localnet')
    expect(info.epoch).toBe(3n)
    expect(info.server).toBe('soma-test/0.1.21')
  })

  it('GetObject with the default full mask, and with an explicit one', async () => {
    const client = makeClient()
    const full = await client.getObject(`0x${hex64('03')}`)
    expect(full.objectId).toBe(hex64('03'))
    expect(full.objectType).toBe('Coin')
    expect(new DataView(full.contents!.buffer, full.contents!.byteOffset).getBigUint64(0, true)).toBe(3000n)
    const slim = await client.getObject(`0x${hex64('03')}`, { readMask: ['object_id', 'version'] })
    expect(slim.version).toBe(13n)
    expect(slim.contents).toBeUndefined()
    expect(slim.owner).toBeUndefined()
  })

  it('pagination walks every page', async () => {
    const before = listCalls
    const ids: string[] = []
    for await (const o of makeClient().listOwnedObjects(SENDER, { pageSize: 2, objectType: 'Coin' })) ids.push(o.objectId!)
    expect(ids).toEqual(coins.map((c) => c.objectId))
    expect(listCalls - before).toBe(3)
  })

  it('ExecuteTransaction: the server rebuilds the BCS from the protobuf and the signature verifies', async () => {
    const built = transferTx()
    const signed = await signTransaction(keypair, built.bcs)
    const executed = await makeClient().executeTransaction(built.proto, [userSignatureToProto(signed.signature)])
    expect(executed.effects?.status?.success).toBe(true)
    expect(executed.effects?.transactionDigest).toBe(built.digest)
  })

  it('ExecuteTransaction: a signature over other bytes is INVALID_ARGUMENT, typed', async () => {
    const built = transferTx()
    const other = buildTransaction({ V1: { ...built.data.V1, gasPayment: [] } })
    const signed = await signTransaction(keypair, other.bcs)
    const err = await makeClient()
      .executeTransaction(built.proto, [userSignatureToProto(signed.signature)])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcInvalidArgumentError)
    expect((err as RpcError).serverMessage).toMatch(/^Invalid user signature/)
    expect((err as RpcError).hint).toMatch(/buildTransaction/)
  })

  it('ExecuteTransaction: a malformed field comes back as a BadRequest field violation', async () => {
    const built = transferTx()
    built.proto.sender = 'not-hex'
    const signed = await signTransaction(keypair, transferTx().bcs)
    const err = (await makeClient()
      .executeTransaction(built.proto, [userSignatureToProto(signed.signature)])
      .catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcInvalidArgumentError)
    expect(err.fieldViolations).toEqual([{ field: 'sender', reason: 'FIELD_INVALID', description: '"not-hex" is not hex' }])
    expect(err.method).toBe('/soma.rpc.TransactionExecutionService/ExecuteTransaction')
  })

  it('executeAndWait: executes, then finds the digest in a checkpoint from the subscription', async () => {
    const built = transferTx()
    const signed = await signTransaction(keypair, built.bcs)
    const { executed, checkpoint } = await makeClient().executeAndWait(built, [signed.signature], { pollIntervalMs: 50 })
    expect(executed.effects?.transactionDigest).toBe(built.digest)
    expect(checkpoint).toBeGreaterThanOrEqual(500n)
  })

  it('executeAndWait: falls back to GetTransaction when the subscription never shows it', async () => {
    const built = transferTx(998n)
    const signed = await signTransaction(keypair, built.bcs)
    const { checkpoint } = await makeClient().executeAndWait(built, [signed.signature], { pollIntervalMs: 20, timeoutMs: 5_000 })
    expect(checkpoint).toBe(77n)
  })

  it('GetCheckpoint by sequence number, by digest, and the latest', async () => {
    const client = makeClient()
    expect((await client.getCheckpoint({ sequenceNumber: 9n })).digest).toBe('cp-9')
    expect((await client.getCheckpoint({ digest: 'abc' })).sequenceNumber).toBe(7n)
    expect((await client.getCheckpoint()).digest).toBe('latest')
  })

  it('GetEpoch passes the epoch and the read mask', async () => {
    const client = makeClient()
    const current = await client.getEpoch(undefined, { readMask: 'epoch,protocol_config' })
    expect(current.epoch).toBe(3n)
    expect(current.protocolConfig?.protocolVersion).toBe(5n)
    const past = await client.getEpoch(1n)
    expect(past.epoch).toBe(1n)
    expect(past.protocolConfig).toBeUndefined()
  })

  it('listTargets pages through a filtered list', async () => {
    const ids: string[] = []
    for await (const t of makeClient().listTargets({ status: 'open', pageSize: 3 })) ids.push(t.id!)
    expect(ids).toEqual(['0x1', '0x3', '0x5', '0x7'])
  })

  it('executeAndWait: no checkpoint within the timeout is RpcTimeoutError naming the digest', async () => {
    const built = transferTx(999n)
    const signed = await signTransaction(keypair, built.bcs)
    const err = (await makeClient()
      .executeAndWait(built, [signed.signature], { timeoutMs: 300, pollIntervalMs: 50 })
      .catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcTimeoutError)
    expect(err.serverMessage).toContain(built.digest)
  })

  it('SubscribeCheckpoints streams the three checkpoints in order', async () => {
    const seen: bigint[] = []
    for await (const item of makeClient().subscribeCheckpoints({ readMask: 'transactions.digest,sequence_number,summary' })) {
      seen.push(item.cursor!)
      expect(item.checkpoint?.transactions[0]?.digest).toBe(`tx-${item.cursor}`)
    }
    expect(seen).toEqual([10n, 11n, 12n])
  })

  it('status codes map to typed errors', async () => {
    const client = makeClient()
    await expect(client.getObject('0x9')).rejects.toBeInstanceOf(RpcNotFoundError)
    await expect(client.simulateTransaction(transferTx().proto)).rejects.toBeInstanceOf(RpcObjectLockedError)
    await expect(client.state.getChallenge({ challengeId: '0x1' })).rejects.toBeInstanceOf(RpcUnimplementedError)
    const bad = (await client.getObject('zz').catch((e: unknown) => e)) as RpcError
    expect(bad).toBeInstanceOf(RpcInvalidArgumentError)
    expect(bad.fieldViolations[0]).toMatchObject({ field: 'object_id', reason: 'FIELD_INVALID' })
  })
})

describe('streams and transports', () => {
  it('aborting a subscription ends it on both sides with a typed error', async () => {
    const controller = new AbortController()
    const seen: bigint[] = []
    const err = await (async () => {
      for await (const item of createSomaRpcClient({ url: grpcUrl }).subscribeCheckpoints({ readMask: 'forever', signal: controller.signal })) {
        seen.push(item.cursor!)
        if (seen.length === 3) controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(seen).toEqual([100n, 101n, 102n])
    expect(err).toBeInstanceOf(RpcCancelledError)
    await streamAborted
  })

  it('an unreachable node is RpcUnavailableError naming the URL', async () => {
    const closed = http2.createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    const err = (await createSomaRpcClient({ url: `http://127.0.0.1:${port}`, defaultTimeoutMs: 5_000 })
      .getServiceInfo()
      .catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcUnavailableError)
    expect(err.message).toContain(`127.0.0.1:${port}`)
  })

  it('0.0.0.0 in a URL means this machine', async () => {
    const port = new URL(grpcUrl).port
    const info = await createSomaRpcClient({ url: `http://0.0.0.0:${port}` }).getServiceInfo()
    expect(info.chainId).toBe(toBase58(new Uint8Array(32).fill(7)))
  })
})

describe('bad bytes on the wire never crash the server', () => {
  function rawCall(path: string, payload: Uint8Array): Promise<{ code: number; details: string; body?: Buffer }> {
    const client = new grpc.Client(new URL(grpcUrl).host, grpc.credentials.createInsecure())
    return new Promise((resolve) => {
      client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(payload), (err, body) => {
        client.close()
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', body: body! })
      })
    })
  }

  it('a truncated protobuf request gets an error status, and the next call still works', async () => {
    const full = toBinary(GetObjectRequestSchema, create(GetObjectRequestSchema, { objectId: `0x${hex64('02')}` }))
    const res = await rawCall('/soma.rpc.LedgerService/GetObject', full.subarray(0, full.length - 5))
    // Connect (like tonic) answers an undecodable message with INTERNAL.
    expect(res.code).toBe(grpc.status.INTERNAL)
    expect(res.details).toMatch(/parse|decode|premature/i)
    const ok = await rawCall('/soma.rpc.LedgerService/GetObject', full)
    expect(ok.code).toBe(0)
  })

  it('unknown protobuf fields in a request are ignored', async () => {
    const full = toBinary(GetObjectRequestSchema, create(GetObjectRequestSchema, { objectId: `0x${hex64('02')}` }))
    // Field 77 (length-delimited, 3 bytes): unknown to the schema.
    const withUnknown = new Uint8Array([...full, 0xea, 0x04, 0x03, 0x61, 0x62, 0x63])
    const res = await rawCall('/soma.rpc.LedgerService/GetObject', withUnknown)
    expect(res.code).toBe(0)
    expect(res.body!.includes(Buffer.from(hex64('02')))).toBe(true)
  })

  it('the rebuilt signature bytes match the client-side serialization', async () => {
    const signed = await signTransaction(keypair, transferTx().bcs)
    expect(Buffer.from(userSignatureFromProto(userSignatureToProto(signed.signature))).toString('base64')).toBe(signed.signature)
    expect(fromHex(SENDER.slice(2)).length).toBe(32)
  })
})
