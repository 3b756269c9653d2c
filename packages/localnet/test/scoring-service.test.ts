// The scoring service end to end with our own client: results equal the engine's, every bad
// input gets its own clear error and leaves the service (and its cache) healthy, no loopback
// fetch without allowPrivateUrls, single-flight loading, LRU eviction and a draining shutdown.
// All traffic stays on 127.0.0.1, to servers this file starts.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import * as grpc from '@grpc/grpc-js'
import { configure, loadModel, MAX_DATA_SIZE, score, type Model } from '@soma-ts/core'
import { GrpcStatus, RpcError, type ScoreRequestInput } from '@soma-ts/sdk'
import { ScoringClient } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ServiceError, startScoringService, type ScoringService } from '../src/index.js'
import { checksumOf, encryptWeights, goldenFile, goldens, startFileServer, type EncryptedWeights, type FileServer } from './scoring-fixtures.js'

const target = goldens.target_embedding
const case300 = goldens.cases.find((c) => c.name === 'e300')!
const data300 = goldenFile(case300.data)
const w21 = encryptWeights(goldenFile('model-21.safetensors'))
const w22 = encryptWeights(goldenFile('model-22.safetensors'))

let files: FileServer
let service: ScoringService
let client: ScoringClient
let plain21: Model
let plain22: Model

const manifest = (path: string, w: EncryptedWeights, key: string | null = w.key) => ({ url: files.url(path), checksum: w.checksum, size: BigInt(w.size), decryptionKey: key })

function request(overrides: Partial<ScoreRequestInput> = {}): ScoreRequestInput {
  return {
    dataUrl: files.url('/data/e300'),
    dataChecksum: checksumOf(data300),
    dataSize: BigInt(data300.length),
    modelManifests: [manifest('/w/21', w21), manifest('/w/22', w22)],
    targetEmbedding: target,
    seed: BigInt(case300.seed),
    ...overrides,
  }
}

async function failure(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(RpcError)
  return err as RpcError
}

beforeAll(async () => {
  files = await startFileServer()
  files.put('/data/e300', data300)
  files.put('/w/21', w21.encrypted)
  files.put('/w/22', w22.encrypted)
  service = await startScoringService({ host: '127.0.0.1', port: 0, smallModel: true, allowPrivateUrls: true, maxConcurrent: 4 })
  client = new ScoringClient({ url: service.url })
  plain21 = await loadModel(w21.plain, { config: 'small' })
  plain22 = await loadModel(w22.plain, { config: 'small' })
}, 60_000)

afterAll(async () => {
  client?.close()
  await service?.stop({ drain: false })
  await files?.close()
})

describe('scoring service', () => {
  it('answers health and scores exactly as the engine does', async () => {
    expect(await client.health()).toBe(true)
    const direct = await score({ data: data300, models: [plain21, plain22], targetEmbedding: target, seed: case300.seed })
    const res = await client.score(request())
    expect(res.winner).toBe(BigInt(direct.winner))
    expect(res.winner).toBe(BigInt(case300.winner))
    expect(res.lossScore).toEqual([Math.fround(direct.loss)])
    expect(res.embedding).toEqual(Array.from(direct.embedding))
    expect(res.distance).toEqual([Math.fround(direct.distance)])
    // And the engine agrees with the goldens (float32 reading of the reference).
    expect(direct.loss).toBeCloseTo(case300.losses[case300.winner]!, 4)
    expect(direct.distance).toBeCloseTo(case300.distance, 4)
  })

  it('gives each bad input its own clear error, and the right inputs still score afterwards', async () => {
    const good = await client.score(request())

    const wrongKey = await failure(client.score(request({ modelManifests: [manifest('/w/21', w21, encryptWeights(w21.plain).key)] })))
    expect(wrongKey.grpcCode).toBe(GrpcStatus.INVALID_ARGUMENT)
    expect(wrongKey.serverMessage).toMatch(/^Invalid decryption key for the weights of model 0/)

    // Freshly keyed weights: a checksum the service has not verified (and kept) before.
    const fresh = encryptWeights(w22.plain)
    const corrupted = new Uint8Array(fresh.encrypted)
    corrupted[100]! ^= 0xff
    files.put('/w/corrupt', corrupted)
    const bad = await failure(client.score(request({ modelManifests: [manifest('/w/corrupt', fresh)] })))
    expect(bad.grpcCode).toBe(GrpcStatus.INVALID_ARGUMENT)
    expect(bad.serverMessage).toMatch(/^Checksum mismatch for the weights of model 0/)

    const missing = await failure(client.score(request({ dataUrl: files.url('/nothing-here') })))
    expect(missing.grpcCode).toBe(GrpcStatus.NOT_FOUND)
    expect(missing.serverMessage).toMatch(/^Not found: the data .*HTTP 404/)

    // Declared over the protocol's maximum: refused before any byte is fetched.
    const big = new Uint8Array(MAX_DATA_SIZE + 1).fill(7)
    files.put('/data/big', big)
    const tooBig = await failure(client.score(request({ dataUrl: files.url('/data/big'), dataChecksum: checksumOf(big), dataSize: BigInt(big.length) })))
    expect(tooBig.serverMessage).toBe(`The data size must be at most ${MAX_DATA_SIZE} bytes, got ${big.length}`)
    expect(files.hits('/data/big')).toBe(0)
    // Declared small, but the server sends more: the transfer stops at the declared size.
    const longer = await failure(client.score(request({ dataUrl: files.url('/data/big'), dataSize: 1000n })))
    expect(longer.grpcCode).toBe(GrpcStatus.INVALID_ARGUMENT)
    expect(longer.serverMessage).toMatch(/^Size mismatch for the data/)

    const unreachable = await failure(client.score(request({ dataUrl: 'http://127.0.0.1:1/data' })))
    expect(unreachable.grpcCode).toBe(GrpcStatus.UNAVAILABLE)
    expect(unreachable.serverMessage).toMatch(/^Unreachable: could not download the data/)

    const noModels = await failure(client.score(request({ modelManifests: [] })))
    expect(noModels.serverMessage).toBe('At least one model manifest is required')
    const noTarget = await failure(client.score(request({ targetEmbedding: [] })))
    expect(noTarget.serverMessage).toBe('Target embedding must not be empty')
    const shortTarget = await failure(client.score(request({ targetEmbedding: [1, 2, 3] })))
    expect(shortTarget.serverMessage).toMatch(/^Target embedding must have 16 values/)
    const badKey = await failure(client.score(request({ modelManifests: [manifest('/w/21', w21, 'not-base58-0OIl')] })))
    expect(badKey.serverMessage).toBe('Invalid decryption key of model 0: must be Base58 text')
    const shortChecksum = await failure(client.score(request({ dataChecksum: '1111' })))
    expect(shortChecksum.serverMessage).toMatch(/^Invalid data checksum: must decode to 32 bytes/)
    const badUrl = await failure(client.score(request({ dataUrl: 'not a url' })))
    expect(badUrl.serverMessage).toBe('Invalid data URL: not an absolute URL')
    for (const e of [noModels, noTarget, shortTarget, badKey, shortChecksum, badUrl]) expect(e.grpcCode).toBe(GrpcStatus.INVALID_ARGUMENT)

    // Bytes that are not a ScoreRequest never reach the handler.
    const raw = new grpc.Client(service.url.replace('http://', ''), grpc.credentials.createInsecure())
    const malformed = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest('/scoring.Scoring/Score', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0xff, 0xff, 0xff]), (err) => resolve(err)),
    )
    raw.close()
    expect(malformed?.code).toBe(GrpcStatus.INTERNAL)

    const messages = [wrongKey, bad, missing, tooBig, longer, unreachable].map((e) => e.serverMessage.split(':')[0])
    expect(new Set(messages).size).toBe(messages.length)

    // The right key right after a wrong one: nothing was poisoned.
    expect(await client.score(request())).toEqual(good)
    expect(await client.health()).toBe(true)
  })

  it('loads a model once for ten concurrent requests, and they share it', async () => {
    const w = encryptWeights(goldenFile('model-21.safetensors'))
    files.put('/w/fresh', { body: w.encrypted, delayMs: 100 })
    const before = service.stats().cache.loads
    const results = await Promise.all(Array.from({ length: 10 }, () => client.score(request({ modelManifests: [manifest('/w/fresh', w)] }))))
    expect(files.hits('/w/fresh')).toBe(1)
    expect(service.stats().cache.loads - before).toBe(1)
    for (const r of results) expect(r).toEqual(results[0])
  })
})

describe('cache budget and URL policy', () => {
  it('evicts the least recently used model when the budget is full, and keeps verified weights on disk', async () => {
    // Room for one small model (13 192 float32 parameters).
    const small = await startScoringService({ host: '127.0.0.1', port: 0, smallModel: true, allowPrivateUrls: true, cacheBytes: 60_000 })
    const c = new ScoringClient({ url: small.url })
    try {
      const a = encryptWeights(goldenFile('model-21.safetensors'))
      const b = encryptWeights(goldenFile('model-22.safetensors'))
      files.put('/lru/a', a.encrypted)
      files.put('/lru/b', b.encrypted)
      const only = (path: string, w: EncryptedWeights) => request({ modelManifests: [manifest(path, w)] })
      const first = await c.score(only('/lru/a', a))
      await c.score(only('/lru/a', a))
      expect(small.stats().cache).toMatchObject({ loads: 1, hits: 1, entries: 1 })
      await c.score(only('/lru/b', b))
      expect(small.stats().cache).toMatchObject({ loads: 2, evictions: 1, entries: 1 })
      expect(await c.score(only('/lru/a', a))).toEqual(first)
      expect(small.stats().cache.loads).toBe(3)
      // Reloaded from the verified file on disk, not downloaded again.
      expect(files.hits('/lru/a')).toBe(1)
    } finally {
      c.close()
      await small.stop()
    }
  })

  it('keeps downloaded weights within the disk budget, least recently used out, and never serves a changed file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-scoring-disk-'))
    const [a, b, c] = [0, 1, 2].map(() => encryptWeights(goldenFile('model-21.safetensors'))) as [EncryptedWeights, EncryptedWeights, EncryptedWeights]
    const onDisk = (w: EncryptedWeights) => existsSync(join(dataDir, 'weights', w.checksum))
    for (const [name, w] of [['a', a], ['b', b], ['c', c]] as const) files.put(`/disk/${name}`, w.encrypted)
    const only = (name: string, w: EncryptedWeights) => request({ modelManifests: [manifest(`/disk/${name}`, w)] })
    // Room for two weights files on disk and one model in memory, so each switch loads from disk.
    const options = { host: '127.0.0.1', port: 0, smallModel: true, allowPrivateUrls: true, dataDir, cacheBytes: 60_000, diskCacheBytes: 2 * a.size }
    let s = await startScoringService(options)
    let cl = new ScoringClient({ url: s.url })
    try {
      const first = await cl.score(only('a', a))
      await cl.score(only('b', b))
      expect(s.stats().disk).toEqual({ files: 2, bytes: 2 * a.size, budgetBytes: 2 * a.size, evictions: 0 })
      // Same size, other bytes: found on disk, refused by the checksum on load, fetched again.
      const path = join(dataDir, 'weights', a.checksum)
      const changed = readFileSync(path)
      changed[100]! ^= 0xff
      writeFileSync(path, changed)
      expect(await cl.score(only('a', a))).toEqual(first)
      expect(files.hits('/disk/a')).toBe(2)
      expect(readFileSync(path).equals(Buffer.from(a.encrypted))).toBe(true)
      // A third file: b, the least recently used, goes.
      await cl.score(only('c', c))
      expect(s.stats().disk).toMatchObject({ files: 2, evictions: 1 })
      expect([onDisk(a), onDisk(b), onDisk(c)]).toEqual([true, false, true])
      expect(await cl.score(only('b', b))).toEqual(first)
      expect(files.hits('/disk/b')).toBe(2)
      expect([onDisk(a), onDisk(b), onDisk(c)]).toEqual([false, true, true])
    } finally {
      cl.close()
      await s.stop()
    }
    // A restart with a smaller budget keeps the most recently used file and drops download leftovers.
    writeFileSync(join(dataDir, 'weights', `.${a.checksum}.0123456789ab.partial`), 'half')
    utimesSync(join(dataDir, 'weights', c.checksum), new Date(1_000), new Date(1_000))
    s = await startScoringService({ ...options, diskCacheBytes: a.size })
    cl = new ScoringClient({ url: s.url })
    try {
      expect(readdirSync(join(dataDir, 'weights'))).toEqual([b.checksum])
      expect(s.stats().disk).toMatchObject({ files: 1, bytes: b.size })
      await cl.score(only('b', b))
      expect(files.hits('/disk/b')).toBe(2)
    } finally {
      cl.close()
      await s.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('refuses loopback targets without allowPrivateUrls, before any request reaches them', async () => {
    const guarded = await startScoringService({ host: '127.0.0.1', port: 0, smallModel: true })
    const c = new ScoringClient({ url: guarded.url })
    const seen = files.total
    try {
      for (const dataUrl of [files.url('/data/e300'), `http://2130706433:${new URL(files.origin).port}/data/e300`, `http://[::ffff:127.0.0.1]:${new URL(files.origin).port}/x`]) {
        const err = await failure(c.score(request({ dataUrl })))
        expect(err.grpcCode).toBe(GrpcStatus.INVALID_ARGUMENT)
        expect(err.serverMessage).toMatch(/^Invalid URL for the data: Refused to fetch/)
      }
      const weights = await failure(c.score(request({ dataUrl: 'http://[::1]:9/data' })))
      expect(weights.serverMessage).toMatch(/^Invalid URL for/)
      const file = await failure(c.score(request({ dataUrl: 'file:///etc/passwd' })))
      expect(file.serverMessage).toMatch(/^Invalid URL for the data/)
      expect(files.total).toBe(seen)
      expect(await c.health()).toBe(true)
    } finally {
      c.close()
      await guarded.stop()
    }
  })
})

describe('shutdown', () => {
  it('drains: health turns not-serving, new work is refused, the request in flight completes', async () => {
    const s = await startScoringService({ host: '127.0.0.1', port: 0, smallModel: true, allowPrivateUrls: true })
    const c = new ScoringClient({ url: s.url })
    try {
      files.put('/data/slow', { body: data300, delayMs: 700 })
      const inFlight = c.score(request({ dataUrl: files.url('/data/slow') }))
      await new Promise((r) => setTimeout(r, 200))
      expect(s.stats().inFlight).toBe(1)
      const stopped = s.stop({ drain: true })
      expect(await c.health()).toBe(false)
      const refused = await failure(c.score(request()))
      expect(refused.grpcCode).toBe(GrpcStatus.UNAVAILABLE)
      expect(refused.serverMessage).toMatch(/shutting down/)
      const res = await inFlight
      expect(res.winner).toBe(BigInt(case300.winner))
      await stopped
      expect(s.stats().inFlight).toBe(0)
    } finally {
      c.close()
      await s.stop()
    }
  })

  it('rejects bad options with a typed error', async () => {
    await expect(startScoringService({ port: 0, maxConcurrent: 0 })).rejects.toThrow(/maxConcurrent must be a positive integer/)
    await expect(startScoringService({ port: 70_000 })).rejects.toThrow(/port must be an integer/)
    await expect(startScoringService({ port: 0, device: 'tpu' as never })).rejects.toThrow(/Unknown device/)
    await expect(startScoringService({ port: 0, diskCacheBytes: -1 })).rejects.toThrow(/diskCacheBytes must be a positive integer/)
  })
})

describe('engine threads (one pool per process)', () => {
  const start = (threads?: number) => startScoringService({ host: '127.0.0.1', port: 0, smallModel: true, allowPrivateUrls: true, ...(threads === undefined ? {} : { threads }) })

  it('sizes the pool; a different count while a service holds it is refused, the same count shares it', async () => {
    const first = await start(2)
    expect(first.threads).toBe(2)
    expect(configure().threads).toBe(2)
    const refused = await start(3).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(ServiceError)
    expect((refused as ServiceError).code).toBe('SOMA_SERVICE_FAILED_PRECONDITION')
    expect((refused as ServiceError).shortMessage).toMatch(/already runs 2 threads/)
    expect(configure().threads).toBe(2)
    const same = await start(2)
    const unset = await start()
    expect([same.threads, unset.threads]).toEqual([2, 2])
    await first.stop()
    // `same` still holds the count of 2.
    await expect(start(3)).rejects.toThrow(/already runs 2 threads/)
    await same.stop()
    await unset.stop()
    // Nobody holds a count now: a new one applies, and the service scores on that pool.
    const third = await start(3)
    expect(third.threads).toBe(3)
    expect(configure().threads).toBe(3)
    const c = new ScoringClient({ url: third.url })
    try {
      const res = await c.score(request())
      expect(res.winner).toBe(BigInt(case300.winner))
    } finally {
      c.close()
      await third.stop()
    }
  })

  it("a count out of the engine's range is a typed error and claims nothing", async () => {
    await expect(start(0)).rejects.toThrow(/threads must be a positive integer/)
    await expect(start(5_000)).rejects.toThrow(/threads must be an integer from 1 to 1024/)
    const s = await start(4)
    expect(s.threads).toBe(4)
    await s.stop()
  })
})
