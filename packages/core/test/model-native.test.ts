// The native boundary of the model: error codes cross as `err.code`, configs over the
// memory budget are typed errors, the thread pool is shared and never changes a bit.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import {
  ChecksumMismatchError,
  configure,
  InvalidArgumentError,
  loadModel,
  Model,
  type NativeErrorCode,
  score,
  SMALL_CONFIG,
  ModelTooLargeError,
  SomaCoreError,
  toBase58,
  V1_CONFIG,
} from '../src/index.js'
import { goldensDir } from './model-goldens.mjs'

const native = createRequire(import.meta.url)('../binding.cjs') as typeof import('../binding.cjs')
const smallModelFile = join(goldensDir(), 'model-21.safetensors')

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

describe('native errors cross napi with .code set', () => {
  it('the generated code list is the one the core maps', () => {
    // A table keyed by the generated type must name every native code.
    const classes: Record<NativeErrorCode, true> = {
      SOMA_INVALID_KEY: true,
      SOMA_INVALID_ARGUMENT: true,
      SOMA_IO: true,
      SOMA_ABORTED: true,
      SOMA_INTERNAL: true,
      SOMA_INVALID_WEIGHTS: true,
      SOMA_CHECKSUM_MISMATCH: true,
      SOMA_EMPTY_DATA: true,
      SOMA_DATA_TOO_LARGE: true,
      SOMA_INVALID_TARGET: true,
      SOMA_DEVICE_UNAVAILABLE: true,
      SOMA_MODEL_TOO_LARGE: true,
    }
    // And the table names nothing the native side lacks: the generated union, as declared.
    const declared = readFileSync(new URL('../binding.d.cts', import.meta.url), 'utf8')
    const union = /export type ErrorCode =([^;]*?)(?:\n\n|;)/s.exec(declared)?.[1] ?? ''
    expect([...union.matchAll(/'(SOMA_[A-Z_]+)'/g)].map((m) => m[1]).sort()).toEqual(Object.keys(classes).sort())
  })

  it('async rejections carry the code and the plain message', async () => {
    const config = { ...SMALL_CONFIG }
    const io = await rejection(native.loadModelFile('/nonexistent/weights.safetensors', { config }))
    expect(io.code).toBe('SOMA_IO')
    expect(io.message).toMatch(/^open failed for \/nonexistent\/weights\.safetensors/)
    const empty = await rejection(
      loadModel(smallModelFile, { config: 'small' }).then((m) =>
        native.scoreModels([m.handle], { data: new Uint8Array(0), target: new Float32Array(16).fill(1), seed: 0n }),
      ),
    )
    expect(empty.code).toBe('SOMA_EMPTY_DATA')
    expect(empty.message).not.toMatch(/SOMA_/)
  })

  it('a NaN target is SOMA_INVALID_TARGET from the engine as from JS (issue 7 fault 2)', async () => {
    const model = await loadModel(smallModelFile, { config: 'small' })
    const target = new Float32Array(16).fill(1)
    target[3] = Number.NaN
    const fromEngine = await rejection(
      native.scoreModels([model.handle], { data: new Uint8Array([1, 2, 3]), target, seed: 0n }),
    )
    expect(fromEngine.code).toBe('SOMA_INVALID_TARGET')
    const fromJs = await rejection(score({ data: new Uint8Array([1, 2, 3]), models: model, targetEmbedding: target }))
    expect((fromJs as SomaCoreError).code).toBe('SOMA_INVALID_TARGET')
  })

  it('a checksum mismatch names both digests in Base58', async () => {
    const wrong = new Uint8Array(32).fill(7)
    const err = await rejection(loadModel(smallModelFile, { config: 'small', checksum: wrong }))
    expect(err).toBeInstanceOf(ChecksumMismatchError)
    expect(err.message).toContain(toBase58(wrong))
    expect(err.message).not.toMatch(/[0-9a-f]{64}/)
  })
})

// Issue 8 finding 6: embeddingDim 65536 passed validation and aborted the process.
describe('memory budget', () => {
  it('a config too large for memory is a typed error naming the size, not an abort', async () => {
    const err = await rejection(Model.random({ ...V1_CONFIG, embeddingDim: 65536 }))
    expect(err).toBeInstanceOf(ModelTooLargeError)
    expect(err.code).toBe('SOMA_MODEL_TOO_LARGE')
    expect(err.message).toMatch(/GiB of weights/)
    const big = await rejection(loadModel(smallModelFile, { config: { ...SMALL_CONFIG, maxSeqLen: 8192, batchSize: 1024 } }))
    expect(big.code).toBe('SOMA_MODEL_TOO_LARGE')
  })
})

describe('one shared thread pool', () => {
  const config = { ...SMALL_CONFIG, embeddingDim: 128, numHeads: 4, pwffHiddenDim: 256, maxSeqLen: 256, batchSize: 4 }
  const data = Uint8Array.from({ length: 2000 }, (_, i) => (i * 131) % 251)
  const target = new Float32Array(128).fill(1)

  it('threads = 1 and threads = 2 give the same bits; concurrent calls both get them', async () => {
    const initial = configure().threads
    expect(initial).toBeGreaterThanOrEqual(1)
    const model = await Model.random(config)
    try {
      expect(configure({ threads: 1 }).threads).toBe(1)
      const one = await score({ data, models: model, targetEmbedding: target, seed: 9 })
      expect(configure({ threads: 2 }).threads).toBe(2)
      const two = await score({ data, models: model, targetEmbedding: target, seed: 9 })
      expect(two).toEqual(one)
      const both = await Promise.all([
        score({ data, models: model, targetEmbedding: target, seed: 9 }),
        score({ data, models: model, targetEmbedding: target, seed: 9 }),
      ])
      for (const r of both) expect(r).toEqual(one)
    } finally {
      configure({ threads: initial })
    }
  })

  it('the thread count is checked', () => {
    for (const bad of [0, -1, 1.5, 1025, Number.NaN]) {
      expect(() => configure({ threads: bad })).toThrow(InvalidArgumentError)
    }
  })
})

describe('typed options', () => {
  it('the device is a string enum both ways', async () => {
    const model = await Model.random('small', { device: 'cpu' })
    expect(model.device).toBe('cpu')
    await expect(Model.random('small', { device: 'tpu' as 'cpu' })).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})
