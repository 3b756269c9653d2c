// Faucet, scoring and admin: gRPC framing with BCS messages (sdk-cli.md §4). Byte layouts are
// checked against hand-assembled hex; the clients and servers talk over a real loopback socket.
import * as grpc from '@grpc/grpc-js'
import http2 from 'node:http2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { encodeBcs } from '../src/bcs/index.js'
import { normalizeAddress, toHex } from '../src/utils/encoding.js'
import { GrpcStatus, RpcCancelledError, RpcInternalError, RpcInvalidArgumentError, RpcTimeoutError, RpcUnavailableError, RpcUnimplementedError, type RpcError } from '../src/rpc/errors.js'
import { ServiceError, serveSideServices, type RunningService } from '../../localnet/src/services/server.js'
import { AdminClient, BcsGrpcClient, FaucetClient, ScoringClient } from '../src/services/client.js'
import {
  GasRequest,
  GasResponse,
  HealthRequest,
  HealthResponse,
  AdvanceEpochResponse,
  ScoreRequest,
  ScoreResponse,
  ScoringMethods,
} from '../src/services/index.js'

const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex')
const COIN_ID = `0x${'11'.repeat(32)}`

describe('BCS layouts of the side-service messages', () => {
  it('GasRequest / GasResponse', () => {
    expect(toHex(encodeBcs(GasRequest, { recipient: '0xab' }))).toBe(`04${ascii('0xab')}`)
    const response = { status: 'Success', coinsSent: [{ amount: 2_000_000_000n, id: COIN_ID, transferTxDigest: 'abc' }] }
    expect(toHex(encodeBcs(GasResponse, response))).toBe(`07${ascii('Success')}01` + '0094357700000000' + `42${ascii(COIN_ID)}` + `03${ascii('abc')}`)
  })

  it('ScoreRequest: usize as u64, Option<String>, f32 vectors as u32 bit patterns', () => {
    const request = {
      dataUrl: 'u',
      dataChecksum: 'c',
      dataSize: 10n,
      modelManifests: [
        { url: 'w', checksum: 'k', size: 5n, decryptionKey: null },
        { url: 'v', checksum: 'j', size: 6n, decryptionKey: 'key' },
      ],
      targetEmbedding: [0.5, -2],
      seed: 42n,
    }
    expect(toHex(encodeBcs(ScoreRequest, request))).toBe(
      `01${ascii('u')}01${ascii('c')}0a00000000000000` +
        `02` +
        `01${ascii('w')}01${ascii('k')}0500000000000000` + '00' +
        `01${ascii('v')}01${ascii('j')}0600000000000000` + `0103${ascii('key')}` +
        '02' + '0000003f' + '000000c0' +
        '2a00000000000000',
    )
  })

  it('ScoreResponse, HealthResponse, AdvanceEpochResponse', () => {
    expect(toHex(encodeBcs(ScoreResponse, { winner: 1n, lossScore: [0.1], embedding: [], distance: [1] }))).toBe(
      '0100000000000000' + '01cdcccc3d' + '00' + '010000803f',
    )
    expect(toHex(encodeBcs(HealthResponse, { ok: true }))).toBe('01')
    expect(toHex(encodeBcs(AdvanceEpochResponse, { epoch: 7n }))).toBe('0700000000000000')
  })
})

let server: RunningService
let epoch = 0n
let lastScoreSeed: bigint | undefined

beforeAll(async () => {
  server = await serveSideServices({
    port: 0,
    faucet: {
      async requestGas(req) {
        let recipient: string
        try {
          recipient = normalizeAddress(req.recipient)
        } catch (err) {
          throw new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid address: ${(err as Error).message.split('\n')[0]}`)
        }
        return { status: 'Success', coinsSent: [{ amount: 2_000_000_000n, id: recipient, transferTxDigest: 'DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP' }] }
      },
    },
    scoring: {
      async score(req) {
        lastScoreSeed = req.seed
        if (req.modelManifests.length === 0) throw new Error('At least one model manifest is required')
        if (req.seed === 13n) throw new Error('the GPU caught fire')
        return {
          winner: BigInt(req.modelManifests.length - 1),
          lossScore: [0.1],
          embedding: [...req.targetEmbedding].reverse(),
          distance: [req.targetEmbedding.reduce((a, b) => a + b, 0)],
        }
      },
      health: async () => true,
    },
    admin: {
      async advanceEpoch() {
        epoch += 1n
        return epoch
      },
    },
  })
})

afterAll(async () => {
  await server.close()
})

describe('clients against the in-process services', () => {
  it('faucet: RequestGas returns the coins', async () => {
    const faucet = new FaucetClient({ url: server.url })
    const res = await faucet.requestGas('0x5')
    expect(res.status).toBe('Success')
    expect(res.coinsSent).toEqual([{ amount: 2_000_000_000n, id: `0x${'0'.repeat(63)}5`, transferTxDigest: 'DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP' }])
    faucet.close()
  })

  it('faucet: a bad address is INVALID_ARGUMENT, typed', async () => {
    const faucet = new FaucetClient({ url: server.url })
    const err = (await faucet.requestGas('not an address').catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcInvalidArgumentError)
    expect(err.serverMessage).toMatch(/^Invalid address: /)
    expect(err.method).toBe('/faucet.Faucet/RequestGas')
    faucet.close()
  })

  it('scoring: Score round-trips f32 values exactly; Health is ok', async () => {
    const scoring = new ScoringClient({ url: server.url })
    const res = await scoring.score({
      dataUrl: 'http://127.0.0.1/data',
      dataChecksum: 'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf',
      dataSize: 10n,
      modelManifests: [
        { url: 'http://127.0.0.1/m0', checksum: 'x', size: 1n, decryptionKey: null },
        { url: 'http://127.0.0.1/m1', checksum: 'y', size: 2n, decryptionKey: 'k' },
      ],
      targetEmbedding: [0.1, 0.2, 0.3],
      seed: 7n,
    })
    const f = Math.fround
    expect(res.winner).toBe(1n)
    expect(res.embedding).toEqual([f(0.3), f(0.2), f(0.1)])
    expect(res.lossScore).toEqual([f(0.1)])
    // The server summed f32 inputs in f64 and sent the sum back as f32.
    expect(res.distance).toEqual([f(f(0.1) + f(0.2) + f(0.3))])
    expect(lastScoreSeed).toBe(7n)
    expect(await scoring.health()).toBe(true)
    scoring.close()
  })

  it('scoring: the reference rule picks INVALID_ARGUMENT or INTERNAL from the message', async () => {
    const scoring = new ScoringClient({ url: server.url })
    const base = { dataUrl: 'u', dataChecksum: 'c', dataSize: 1n, targetEmbedding: [1], seed: 0n }
    const noModels = (await scoring.score({ ...base, modelManifests: [] }).catch((e: unknown) => e)) as RpcError
    expect(noModels).toBeInstanceOf(RpcInvalidArgumentError)
    expect(noModels.serverMessage).toBe('At least one model manifest is required')
    const crash = (await scoring
      .score({ ...base, seed: 13n, modelManifests: [{ url: 'u', checksum: 'c', size: 1n, decryptionKey: null }] })
      .catch((e: unknown) => e)) as RpcError
    expect(crash).toBeInstanceOf(RpcInternalError)
    expect(crash.serverMessage).toBe('the GPU caught fire')
    scoring.close()
  })

  it('admin: AdvanceEpoch returns the new epoch', async () => {
    const admin = new AdminClient({ url: server.url })
    const first = await admin.advanceEpoch()
    expect(await admin.advanceEpoch()).toBe(first + 1n)
    admin.close()
  })

  it('a deadline gives RpcTimeoutError and cancels the handler', async () => {
    let cancelled!: () => void
    const handlerSawCancel = new Promise<void>((resolve) => (cancelled = resolve))
    const stuck = await serveSideServices({
      port: 0,
      admin: {
        advanceEpoch: (ctx) =>
          new Promise<bigint>((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              cancelled()
              reject(new Error('cancelled'))
            })
          }),
      },
    })
    const admin = new AdminClient({ url: stuck.url })
    const started = Date.now()
    const err = await admin.advanceEpoch({ timeoutMs: 200 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcTimeoutError)
    expect(Date.now() - started).toBeLessThan(5_000)
    await handlerSawCancel
    admin.close()
    await stuck.close()
  })

  it('aborting a call gives RpcCancelledError', async () => {
    const stuck = await serveSideServices({ port: 0, admin: { advanceEpoch: () => new Promise<bigint>(() => {}) } })
    const admin = new AdminClient({ url: stuck.url })
    const controller = new AbortController()
    const pending = admin.advanceEpoch({ signal: controller.signal }).catch((e: unknown) => e)
    setTimeout(() => controller.abort(), 100)
    expect(await pending).toBeInstanceOf(RpcCancelledError)
    admin.close()
    await stuck.close()
  })

  it('an unknown method is UNIMPLEMENTED, typed', async () => {
    const client = new BcsGrpcClient({ url: server.url })
    const err = await client.call({ ...ScoringMethods.health, path: '/scoring.Scoring/Nope' }, {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcUnimplementedError)
    client.close()
  })

  it('an unreachable service is RpcUnavailableError', async () => {
    const probe = await serveSideServices({ port: 0 })
    const url = probe.url
    await probe.close()
    const faucet = new FaucetClient({ url, defaultTimeoutMs: 5_000 })
    await expect(faucet.requestGas('0x1')).rejects.toBeInstanceOf(RpcUnavailableError)
    await expect(faucet.waitForReady(300)).rejects.toBeInstanceOf(RpcUnavailableError)
    faucet.close()
  })
})

describe('bad input on the wire: an error status, never a crash', () => {
  function raw(path: string, payload: Uint8Array): Promise<{ code: number; details: string; body?: Buffer }> {
    const client = new grpc.Client(new URL(server.url).host, grpc.credentials.createInsecure())
    return new Promise((resolve) => {
      client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(payload), (err, body) => {
        client.close()
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', body: body! })
      })
    })
  }
  const scoreBytes = encodeBcs(ScoreRequest, {
    dataUrl: 'u',
    dataChecksum: 'c',
    dataSize: 1n,
    modelManifests: [{ url: 'u', checksum: 'c', size: 1n, decryptionKey: null }],
    targetEmbedding: [1, 2],
    seed: 5n,
  })

  it('a truncated ScoreRequest is INTERNAL with the decoder message (the reference codec)', async () => {
    const res = await raw('/scoring.Scoring/Score', scoreBytes.subarray(0, scoreBytes.length - 3))
    expect(res.code).toBe(grpc.status.INTERNAL)
    expect(res.details).toMatch(/ScoreRequest/)
  })

  it('trailing bytes after a valid message are refused too', async () => {
    const res = await raw('/scoring.Scoring/Score', new Uint8Array([...scoreBytes, 0x00]))
    expect(res.code).toBe(grpc.status.INTERNAL)
  })

  it('an empty body is a valid empty struct (Health) but not a GasRequest', async () => {
    const health = await raw('/scoring.Scoring/Health', new Uint8Array(0))
    expect(health).toMatchObject({ code: 0 })
    expect(toHex(health.body!)).toBe('01')
    const gas = await raw('/faucet.Faucet/RequestGas', new Uint8Array(0))
    expect(gas.code).toBe(grpc.status.INTERNAL)
  })

  it('a payload of the wrong struct reaches the client as a typed RpcInternalError', async () => {
    const client = new BcsGrpcClient({ url: server.url })
    // An empty HealthRequest sent where a GasRequest is expected: the server cannot decode it.
    const err = (await client
      .call({ path: '/faucet.Faucet/RequestGas', request: HealthRequest, response: GasResponse }, {})
      .catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcInternalError)
    expect(err.serverMessage).toMatch(/GasRequest/)
    client.close()
  })

  it('the services keep serving after bad input', async () => {
    await raw('/faucet.Faucet/RequestGas', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
    const scoring = new ScoringClient({ url: server.url })
    expect(await scoring.health()).toBe(true)
    scoring.close()
  })

  it('a response that is not valid BCS is a typed client error', async () => {
    const bad = new grpc.Server()
    bad.addService(
      { health: { path: '/scoring.Scoring/Health', requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } },
      { health: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from([0x07, 0x07])) },
    )
    const port = await new Promise<number>((resolve, reject) => bad.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))))
    const scoring = new ScoringClient({ url: `http://127.0.0.1:${port}` })
    const err = (await scoring.health().catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcInternalError)
    expect(err.serverMessage).toMatch(/not a valid BCS HealthResponse/)
    scoring.close()
    bad.forceShutdown()
  })

  it('standard gRPC framing: 1-byte flag, 4-byte big-endian length, BCS (hand-rolled HTTP/2 client)', async () => {
    const session = http2.connect(server.url)
    const body = encodeBcs(GasRequest, { recipient: '0x5' })
    const frame = Buffer.alloc(5 + body.length)
    frame.writeUInt8(0, 0)
    frame.writeUInt32BE(body.length, 1)
    frame.set(body, 5)
    const req = session.request({ ':method': 'POST', ':path': '/faucet.Faucet/RequestGas', 'content-type': 'application/grpc', te: 'trailers' })
    const chunks: Buffer[] = []
    let headers: http2.IncomingHttpHeaders = {}
    let trailers: http2.IncomingHttpHeaders = {}
    req.on('response', (h) => (headers = h))
    req.on('trailers', (t) => (trailers = t))
    req.on('data', (c: Buffer) => chunks.push(c))
    req.end(frame)
    await new Promise((r) => req.on('end', r))
    session.close()
    const out = Buffer.concat(chunks)
    expect(headers['content-type']).toMatch(/^application\/grpc/)
    expect(trailers['grpc-status']).toBe('0')
    expect(out[0]).toBe(0)
    expect(out.readUInt32BE(1)).toBe(out.length - 5)
    const expected = encodeBcs(GasResponse, {
      status: 'Success',
      coinsSent: [{ amount: 2_000_000_000n, id: `0x${'0'.repeat(63)}5`, transferTxDigest: 'DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP' }],
    })
    expect(toHex(out.subarray(5))).toBe(toHex(expected))
  })
})
