/**
 * The RPC port's HTTP/1.1 side: GET /data/{target_id} and /model/{model_id} from the local blob
 * store, gRPC-Web over HTTP/1.1 with the SDK's fetch client, and CORS for a browser origin.
 */
import { Ed25519Keypair } from '@soma-ts/sdk'
import { createSomaRpcWebClient } from '@soma-ts/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { activateModel, DIM, execute, fund, gasCoin, startTestNet, type TestNet } from './localnet-helpers.js'

let t: TestNet
let modelId: string
let targetId: string
const weights = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff)
const data = new TextEncoder().encode('submission data for the proxy test')

async function put(key: string, body: Uint8Array): Promise<string> {
  const res = await fetch(`${t.net.urls.blobStore}/blobs/${key}`, { method: 'PUT', body })
  expect(res.status).toBe(201)
  return ((await res.json()) as { url: string }).url
}

beforeAll(async () => {
  t = await startTestNet()
  const owner = Ed25519Keypair.generate()
  const submitter = Ed25519Keypair.generate()
  modelId = await activateModel(t, owner, await put('weights.bin', weights))
  const dataUrl = await put('data/one.bin', data)
  await fund(t.faucet, submitter, 2)
  const open = (await t.client.state.listTargets({ statusFilter: 'open', pageSize: 1, readMask: { paths: ['id', 'model_ids', 'distance_threshold'] } })).targets[0]!
  targetId = `0x${open.id!.slice(2).padStart(64, '0')}`
  const bond = await gasCoin(t.client, submitter.toSomaAddress())
  await execute(
    t.client,
    submitter,
    {
      SubmitData: {
        targetId,
        dataManifest: { manifest: { V1: { url: dataUrl, metadata: { V1: { checksum: new Uint8Array(32).fill(9), size: BigInt(data.length) } } } } },
        modelId: open.modelIds[0]!,
        embedding: { values: new Array(DIM).fill(0), shape: [BigInt(DIM)] },
        distanceScore: { values: [open.distanceThreshold! - 0.1], shape: [1n] },
        lossScore: { values: [0.5], shape: [1n] },
        bondCoin: bond,
      },
    },
    bond,
  )
}, 60_000)

afterAll(async () => {
  await t?.close()
})

describe('GET /data and /model on the RPC port', () => {
  it('serves the submission data and the encrypted weights from the blob store', async () => {
    const model = await fetch(`${t.net.urls.rpc}/model/${modelId}`)
    expect(model.status).toBe(200)
    expect(model.headers.get('content-type')).toBe('application/octet-stream')
    expect(new Uint8Array(await model.arrayBuffer())).toEqual(weights)
    const got = await fetch(`${t.net.urls.rpc}/data/${targetId.slice(2)}`)
    expect(got.status).toBe(200)
    expect(Number(got.headers.get('content-length'))).toBe(data.length)
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(data)
  })

  it('answers 400 for a malformed id, 404 for unknown ids and empty targets, 405 for other methods', async () => {
    const bad = await fetch(`${t.net.urls.rpc}/data/0x1234`)
    expect(bad.status).toBe(400)
    expect(await bad.text()).toBe('Invalid resource ID: 0x1234')
    expect((await fetch(`${t.net.urls.rpc}/data/0x${'ab'.repeat(32)}`)).status).toBe(404)
    expect((await fetch(`${t.net.urls.rpc}/model/0x${'ab'.repeat(32)}`)).status).toBe(404)
    const open = (await t.client.state.listTargets({ statusFilter: 'open', pageSize: 1, readMask: { paths: ['id'] } })).targets[0]!
    // Target.id is 0x + trimmed hex; the route wants all 64 digits, as the reference's parser.
    const empty = await fetch(`${t.net.urls.rpc}/data/0x${open.id!.slice(2).padStart(64, '0')}`)
    expect(empty.status).toBe(404)
    expect(await empty.text()).toMatch(/has no submitted data/)
    expect((await fetch(`${t.net.urls.rpc}/model/${modelId}`, { method: 'POST' })).status).toBe(405)
  })

  it('answers 502 when the manifest points outside the local blob store', async () => {
    const other = await activateModel(t, Ed25519Keypair.generate())
    const res = await fetch(`${t.net.urls.rpc}/model/${other}`)
    expect(res.status).toBe(502)
    expect(await res.text()).toMatch(/not in this local network's blob store \(https:\/\/example\.com\/weights\.bin\)/)
  }, 30_000)
})

describe('gRPC-Web over HTTP/1.1', () => {
  it('serves the SDK web client (fetch) on the same port as gRPC', async () => {
    const web = createSomaRpcWebClient({ url: t.net.urls.rpc })
    const info = await web.getServiceInfo()
    expect(info.chain).toBe('localnet')
    expect((await web.getEpoch()).epoch).toBe(t.net.node.epoch())
    await expect(web.getObject(`0x${'ab'.repeat(32)}`)).rejects.toMatchObject({ grpcCode: 5 })
    // The HTTP/2 client on the same port still works.
    expect((await t.client.getServiceInfo()).chainId).toBe(info.chainId)
  })

  it('answers a CORS preflight and marks responses for a browser origin', async () => {
    const origin = 'http://localhost:5173'
    const preflight = await fetch(`${t.net.urls.rpc}/soma.rpc.LedgerService/GetServiceInfo`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-grpc-web' },
    })
    expect(preflight.status).toBe(200)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('*')
    const call = await fetch(`${t.net.urls.rpc}/soma.rpc.LedgerService/GetServiceInfo`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: new Uint8Array(5),
    })
    expect(call.status).toBe(200)
    expect(call.headers.get('access-control-allow-origin')).toBe('*')
    expect(call.headers.get('access-control-expose-headers')).toContain('grpc-status')
    expect(call.headers.get('x-soma-chain')).toBe('localnet')
  })
})
