import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { blake2b } from '@noble/hashes/blake2.js'
import { describe, expect, it } from 'vitest'

import {
  AbortedError,
  aes256Ctr,
  batchCount,
  blake2b256,
  ChecksumMismatchError,
  DeviceUnavailableError,
  genesisModelEmbedding,
  InvalidArgumentError,
  InvalidDataError,
  InvalidTargetError,
  InvalidWeightsError,
  loadModel,
  MAX_DATA_SIZE,
  Model,
  normalArray,
  score,
  SMALL_CONFIG,
  targetEmbedding,
  targetSeed,
  toBase58,
  uniformArray,
} from '../src/index.js'
import { expectCloseAll, goldensDir, isClose, loadGoldens } from './model-goldens.mjs'

const goldens = loadGoldens()
const target = goldens.target_embedding
const file = (name: string) => join(goldensDir(), name)
const load = (name: string) => loadModel(file(name), { config: 'small' })

describe('scoring goldens (small model, fixtures/goldens)', () => {
  for (const c of goldens.cases) {
    it(`${c.name}: ${c.models.length} model(s), seed ${c.seed}`, async () => {
      const models = await Promise.all(c.models.map(load))
      const data = new Uint8Array(readFileSync(file(c.data)))
      const seen: number[] = []
      const r = await score({ data, models, targetEmbedding: target, seed: c.seed, onProgress: (p) => seen.push(p.batchesDone) })
      expect(r.winner).toBe(c.winner)
      expect(r.models.length).toBe(c.models.length)
      r.models.forEach((m, i) => {
        expect(isClose(m.loss, c.losses[i] as number), `loss ${i}: ${m.loss} vs ${c.losses[i]}`).toBe(true)
        expectCloseAll(m.embedding, c.embeddings[i] as number[], `embedding ${i}`)
      })
      expect(isClose(r.loss, c.losses[c.winner] as number)).toBe(true)
      expect(isClose(r.distance, c.distance), `distance ${r.distance} vs ${c.distance}`).toBe(true)
      expect(r.embedding).toBeInstanceOf(Float32Array)
      const total = batchCount(data.length, SMALL_CONFIG) * models.length
      expect(seen.at(-1)).toBe(total)
      // Same input, same result, bit for bit.
      const again = await score({ data, models, targetEmbedding: target, seed: c.seed })
      expect(again).toEqual(r)
    })
  }
})

describe('model API', () => {
  it('loads encrypted bytes after verifying the checksum, and scores like the plaintext', async () => {
    const plain = new Uint8Array(readFileSync(file('model-22.safetensors')))
    const key = new Uint8Array(32).fill(9)
    const encrypted = aes256Ctr(plain, key)
    const checksum = toBase58(blake2b256(encrypted))
    const enc = await loadModel(encrypted, { config: 'small', decryptionKey: toBase58(key), checksum })
    const data = new Uint8Array(readFileSync(file('e300.bin')))
    const a = await score({ data, models: enc, targetEmbedding: target, seed: 2 })
    const b = await score({ data, models: await load('model-22.safetensors'), targetEmbedding: target, seed: 2 })
    expect(a).toEqual(b)
    expect(enc.config).toEqual(SMALL_CONFIG)
    expect(enc.parameterCount).toBe(13192)
  })

  it('reports a wrong key, a bad checksum and a wrong size as typed errors', async () => {
    const plain = new Uint8Array(readFileSync(file('model-21.safetensors')))
    const key = new Uint8Array(32).fill(1)
    const encrypted = aes256Ctr(plain, key)
    await expect(loadModel(encrypted, { config: 'small', decryptionKey: new Uint8Array(32).fill(2) })).rejects.toBeInstanceOf(
      InvalidWeightsError,
    )
    await expect(
      loadModel(encrypted, { config: 'small', decryptionKey: key, checksum: new Uint8Array(32) }),
    ).rejects.toBeInstanceOf(ChecksumMismatchError)
    await expect(loadModel(plain, { config: 'v1' })).rejects.toBeInstanceOf(InvalidWeightsError)
    await expect(loadModel(file('model-21.safetensors'), { config: 'small', device: 'cuda' })).rejects.toBeInstanceOf(
      DeviceUnavailableError,
    )
    await expect(loadModel(file('model-21.safetensors'), { config: 'small', decryptionKey: 'short' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
  })

  it('rejects empty data, data over 1 MiB and a wrong-size target', async () => {
    const models = await load('model-21.safetensors')
    const err = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e)
    const empty = await err(score({ data: new Uint8Array(0), models, targetEmbedding: target }))
    expect(empty).toBeInstanceOf(InvalidDataError)
    expect((empty as InvalidDataError).code).toBe('SOMA_EMPTY_DATA')
    const big = await err(score({ data: new Uint8Array(MAX_DATA_SIZE + 1), models, targetEmbedding: target }))
    expect((big as InvalidDataError).code).toBe('SOMA_DATA_TOO_LARGE')
    const wrong = await err(score({ data: new Uint8Array(10), models, targetEmbedding: target.slice(0, 15) }))
    expect(wrong).toBeInstanceOf(InvalidTargetError)
    for (const bad of [NaN, Infinity, 1e39]) {
      const t = target.map((v: number, i: number) => (i === 3 ? bad : v))
      const e = await err(score({ data: new Uint8Array(10), models, targetEmbedding: t }))
      expect(e, String(bad)).toBeInstanceOf(InvalidTargetError)
      expect((e as InvalidTargetError).shortMessage).toMatch(/value 3 is (NaN|Infinity)/)
    }
    await expect(score({ data: new Uint8Array(10), models, targetEmbedding: new Array(16).fill(0) })).rejects.toBeInstanceOf(
      InvalidTargetError,
    )
    await expect(score({ data: new Uint8Array(10), models, targetEmbedding: target, seed: -1 })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(score({ data: 'x' as unknown as Uint8Array, models, targetEmbedding: target })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(score({ data: new Uint8Array(10), models: [], targetEmbedding: target })).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('runs off the event loop, reports progress per batch and can be cancelled', async () => {
    const models = [await load('model-21.safetensors'), await load('model-22.safetensors')]
    const data = new Uint8Array(readFileSync(file('e40000.bin')))
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const progress: number[] = []
    const r = await score({ data, models, targetEmbedding: target, seed: 1, onProgress: (p) => progress.push(p.batchesDone) })
    clearInterval(timer)
    expect(ticks).toBeGreaterThan(0)
    expect(progress).toEqual([1, 2, 3, 4, 5, 6])
    expect(r.models.length).toBe(2)

    const controller = new AbortController()
    const cancelled = score({
      data,
      models,
      targetEmbedding: target,
      seed: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    })
    await expect(cancelled).rejects.toBeInstanceOf(AbortedError)
  })

  it('a throwing onProgress stops the work and rejects with its error; a non-function is refused', async () => {
    const models = [await load('model-21.safetensors'), await load('model-22.safetensors')]
    const data = new Uint8Array(readFileSync(file('e40000.bin')))
    const boom = new Error('boom from onProgress')
    const seen: number[] = []
    const call = score({
      data,
      models,
      targetEmbedding: target,
      onProgress: (p) => {
        seen.push(p.batchesDone)
        if (p.batchesDone === 2) throw boom
      },
    })
    await expect(call).rejects.toBe(boom)
    // No report reaches the caller after the throw (6 batches in all).
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(seen).toEqual([1, 2])
    await expect(
      score({ data, models, targetEmbedding: target, onProgress: 5 as unknown as () => void }),
    ).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(
      score({ data, models, targetEmbedding: target, signal: {} as AbortSignal }),
    ).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('shares one model between concurrent calls', async () => {
    const model = await load('model-22.safetensors')
    const data = new Uint8Array(readFileSync(file('e1024.bin')))
    const [a, b] = await Promise.all([
      score({ data, models: model, targetEmbedding: target, seed: 7 }),
      score({ data, models: model, targetEmbedding: target, seed: 7 }),
    ])
    expect(a).toEqual(b)
    expect(model).toBeInstanceOf(Model)
  })
})

describe('deterministic arrays', () => {
  it('matches the reference values and derives targets from them', () => {
    expect(Array.from(normalArray(42n, [2, 2]))).toEqual(
      [0.069427915, 0.13293812, 0.26257637, -0.22530088].map((v) => Math.fround(v)),
    )
    expect(Array.from(uniformArray(42, [2, 2]))).toEqual([0.13340974, 0.5265573, 0.24873829, 0.5427252].map((v) => Math.fround(v)))
    expect(targetEmbedding(5n, 16)).toEqual(normalArray(5n, [16]))
    expect(targetEmbedding(5n).length).toBe(2048)
    // A -1 would reach the native side as 2^32 - 1 and draw 16 GiB; refused up front.
    expect(() => normalArray(1, [-1])).toThrow(InvalidArgumentError)
    expect(() => uniformArray(1, [2.5])).toThrow(InvalidArgumentError)
    expect(() => targetEmbedding(1, -1)).toThrow(InvalidArgumentError)
    expect(() => genesisModelEmbedding(new Uint8Array(32), 0xffff_ffff)).toThrow(InvalidArgumentError)
    // Within 2^32 but over the engine's 2^28-value cap: an error, not an allocation.
    expect(() => normalArray(1, [1 << 20, 1 << 20])).toThrow(InvalidArgumentError)
  })

  it('derives the target seed from Blake2b-256(digest || n LE), checked against @noble/hashes', () => {
    const digest = new Uint8Array(32).map((_, i) => i * 7)
    const n = 3n
    const input = new Uint8Array(40)
    input.set(digest)
    new DataView(input.buffer).setBigUint64(32, n, true)
    const expected = new DataView(blake2b(input, { dkLen: 32 }).buffer).getBigUint64(0, true)
    expect(targetSeed(digest, n)).toBe(expected)
  })

  it('computes genesis model embeddings in [-0.5, 0.5) from the model id', () => {
    const id = new Uint8Array(32).fill(4)
    const input = new Uint8Array([...new TextEncoder().encode('soma-genesis-model-embedding'), ...id])
    const seed = new DataView(blake2b(input, { dkLen: 32 }).buffer).getBigUint64(0, true)
    const expected = Array.from({ length: 8 }, (_, i) =>
      Math.fround(Math.fround(Number(((((seed + BigInt(i)) & ((1n << 64n) - 1n)) * 2654435761n) & ((1n << 64n) - 1n)) % 1000n)) / 1000) - 0.5,
    ).map((v) => Math.fround(v))
    expect(Array.from(genesisModelEmbedding(id, 8))).toEqual(expected)
  })
})
