/**
 * The direct gRPC path for ExecuteTransaction (`src/rpc/direct-grpc.ts`) answers as the Connect
 * route does. Each body goes to the node twice over the same HTTP/2 session: once plain (the direct
 * path takes it) and once with an `Origin` header (which sends it through Connect). Status,
 * message, details, response headers and response bytes must agree.
 */
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2'

import { fromBinary, toBinary, create } from '@bufbuild/protobuf'
import { Ed25519Keypair, userSignatureToProto } from '@soma-ts/sdk'
import { ExecuteTransactionRequestSchema, ExecuteTransactionResponseSchema } from '@soma-ts/sdk/generated/soma/rpc/transaction_execution_service_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { takesDirectExecute } from '../src/rpc/direct-grpc.js'
import { errorOf, gasOf, sign, startTestNet, type TestNet } from './e2e-helpers.js'

let t: TestNet
let session: ClientHttp2Session
const EXECUTE = '/soma.rpc.TransactionExecutionService/ExecuteTransaction'
const CHAIN_HEADERS = ['x-soma-chain-id', 'x-soma-chain', 'x-soma-epoch', 'x-soma-checkpoint-height', 'server', 'content-type']

beforeAll(async () => {
  t = await startTestNet({ committeeSize: 1, faucet: false })
  session = connect(t.net.urls.rpc)
})
afterAll(async () => {
  session?.close()
  await t?.stop()
})

interface Answer {
  readonly httpStatus: unknown
  readonly headers: Record<string, unknown>
  readonly status: string | undefined
  readonly message: string | undefined
  readonly details: string | undefined
  readonly body: Buffer
}

function call(body: Uint8Array, via: 'direct' | 'connect', more: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A browser's Origin sends the call through Connect; the direct call sets a deadline, as the SDK does.
    const extra: Record<string, string> = via === 'connect' ? { origin: 'http://localhost' } : { 'grpc-timeout': '30S' }
    const req = session.request({ ':method': 'POST', ':path': EXECUTE, 'content-type': 'application/grpc', te: 'trailers', ...extra, ...more })
    let headers: IncomingHttpHeaders = {}
    let trailers: IncomingHttpHeaders = {}
    const chunks: Buffer[] = []
    req.on('response', (h) => (headers = h))
    req.on('trailers', (h) => (trailers = h))
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('error', reject)
    req.on('close', () => {
      const final = { ...headers, ...trailers }
      resolve({
        httpStatus: headers[':status'],
        headers: Object.fromEntries(CHAIN_HEADERS.map((h) => [h, headers[h]])),
        status: final['grpc-status'] as string | undefined,
        message: final['grpc-message'] as string | undefined,
        details: final['grpc-status-details-bin'] as string | undefined,
        body: Buffer.concat(chunks),
      })
    })
    req.end(Buffer.from(body))
  })
}

function frame(payload: Uint8Array, { flags = 0, declared = payload.length } = {}): Uint8Array {
  const out = new Uint8Array(5 + payload.length)
  out[0] = flags
  new DataView(out.buffer).setUint32(1, declared)
  out.set(payload, 5)
  return out
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]))

describe('direct gRPC ExecuteTransaction', () => {
  it('takes only plain unary gRPC calls; gRPC-Web, browsers, malformed deadlines and compression go to Connect', () => {
    const req = (headers: Record<string, string>, method = 'POST', url = EXECUTE) =>
      ({ method, url, headers: { 'content-type': 'application/grpc', ...headers } }) as unknown as Parameters<typeof takesDirectExecute>[0]
    expect(takesDirectExecute(req({}))).toBe(true)
    expect(takesDirectExecute(req({ 'content-type': 'application/grpc+proto', 'grpc-encoding': 'identity' }))).toBe(true)
    expect(takesDirectExecute(req({ 'content-type': 'application/grpc-web+proto' }))).toBe(false)
    expect(takesDirectExecute(req({ 'content-type': 'application/grpc+json' }))).toBe(false)
    expect(takesDirectExecute(req({ 'grpc-encoding': 'gzip' }))).toBe(false)
    expect(takesDirectExecute(req({ 'grpc-timeout': '5S' }))).toBe(true)
    expect(takesDirectExecute(req({ 'grpc-timeout': 'soon' }))).toBe(false)
    expect(takesDirectExecute(req({ origin: 'http://localhost' }))).toBe(false)
    expect(takesDirectExecute(req({}, 'GET'))).toBe(false)
    expect(takesDirectExecute(req({}, 'POST', '/soma.rpc.TransactionExecutionService/SimulateTransaction'))).toBe(false)
  })

  it('a transfer: the same response bytes and headers both ways (the second call finds it executed)', async () => {
    const user = t.users[1]!
    const signed = await sign(t, user, { TransferCoin: { coin: await gasOf(t, user.toSomaAddress()), amount: 7n, recipient: user.toSomaAddress() } })
    const request = toBinary(ExecuteTransactionRequestSchema, create(ExecuteTransactionRequestSchema, { transaction: signed.proto, signatures: signed.signatures }))
    const direct = await call(frame(request), 'direct')
    const viaConnect = await call(frame(request), 'connect')
    expect(direct.status).toBe('0')
    expect(direct.httpStatus).toBe(200)
    expect(direct.headers['x-soma-chain']).toBe('localnet')
    expect(direct.headers['content-type']).toBe('application/grpc+proto')
    // Both set the headers when the call starts: the direct call saw the height before its checkpoint.
    const height = (a: Answer) => BigInt(a.headers['x-soma-checkpoint-height'] as string)
    expect(height(viaConnect)).toBe(height(direct) + 1n)
    const withoutHeight = (a: Answer) => ({ ...a, headers: { ...a.headers, 'x-soma-checkpoint-height': undefined } })
    expect(withoutHeight(direct)).toEqual(withoutHeight(viaConnect))
    const response = fromBinary(ExecuteTransactionResponseSchema, direct.body.subarray(5))
    expect(response.transaction?.effects?.transactionDigest).toBe(signed.digest)
    expect(errorOf({ effects: response.transaction?.effects } as Parameters<typeof errorOf>[0])).toBeUndefined()
  })

  it('a wrong signer and a missing field: the same status, message and details both ways', async () => {
    const user = t.users[2]!
    const signed = await sign(t, user, { TransferCoin: { coin: await gasOf(t, user.toSomaAddress()), amount: 1n, recipient: user.toSomaAddress() } })
    const { signature } = await Ed25519Keypair.generate().signTransaction(signed.bcs)
    const signatures = [userSignatureToProto(signature)]
    for (const message of [
      create(ExecuteTransactionRequestSchema, { transaction: signed.proto, signatures }),
      create(ExecuteTransactionRequestSchema, { transaction: signed.proto }),
      create(ExecuteTransactionRequestSchema, {}),
    ]) {
      const body = frame(toBinary(ExecuteTransactionRequestSchema, message))
      const direct = await call(body, 'direct')
      expect(direct.status).not.toBe('0')
      expect(direct).toEqual(await call(body, 'connect'))
    }
  })

  it('malformed bodies: the same status and message both ways, in Connect’s order of checks', async () => {
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff)
    const empty = frame(new Uint8Array())
    const bodies: [string, Uint8Array][] = [
      ['no body', new Uint8Array()],
      ['a partial header', Uint8Array.of(0, 0)],
      ['not protobuf', frame(garbage)],
      ['a truncated message', frame(garbage, { declared: 10_000 })],
      ['a compressed flag without an encoding', frame(garbage, { flags: 1 })],
      ['an oversized declared size', frame(new Uint8Array(10), { declared: 5 << 20 })],
      ['a second message', concat(empty, empty)],
      ['a second, unparseable message', concat(empty, frame(garbage))],
      ['a second, compressed message', concat(empty, frame(new Uint8Array(), { flags: 1 }))],
      ['a second, oversized message', concat(empty, frame(new Uint8Array(3), { declared: 5 << 20 }))],
      ['leftover bytes', concat(empty, Uint8Array.of(0, 0, 0))],
      ['other flag bits', frame(new Uint8Array(), { flags: 0x80 })],
    ]
    for (const [what, body] of bodies) {
      const direct = await call(body, 'direct')
      const viaConnect = await call(body, 'connect')
      expect({ what, status: direct.status, message: direct.message }).toEqual({ what, status: viaConnect.status, message: viaConnect.message })
      expect(direct.status, what).not.toBe('0')
    }
  })

  it('a deadline that has passed: both answer with the effects (Connect only aborts a signal the handler ignores); a malformed one is Connect’s error', async () => {
    for (const via of ['connect', 'direct'] as const) {
      const user = t.users[3]!
      const signed = await sign(t, user, { TransferCoin: { coin: await gasOf(t, user.toSomaAddress()), amount: 1n, recipient: user.toSomaAddress() } })
      const body = frame(toBinary(ExecuteTransactionRequestSchema, create(ExecuteTransactionRequestSchema, { transaction: signed.proto, signatures: signed.signatures })))
      const late = await call(body, via, { 'grpc-timeout': '0n' })
      expect({ via, status: late.status }).toEqual({ via, status: '0' })
      expect(fromBinary(ExecuteTransactionResponseSchema, late.body.subarray(5)).transaction?.effects?.transactionDigest).toBe(signed.digest)
    }
    const malformed = await call(frame(new Uint8Array()), 'direct', { 'grpc-timeout': 'soon' })
    expect(malformed.status).toBe('3')
    expect(decodeURIComponent(malformed.message ?? '')).toBe('protocol error: invalid grpc timeout value: soon')
  })
})
