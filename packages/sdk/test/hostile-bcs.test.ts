// Regression tests for small hand-crafted inputs that used to cost seconds and gigabytes (issue 8,
// findings 1-3 and 7): each must now fail fast, with the bounded decoder's own typed message, and
// without allocating what the input merely declares.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { BcsReader, bcs } from '@mysten/bcs'
import { describe, expect, it } from 'vitest'

import * as B from '../src/bcs/index.js'
import { BoundedBcsReader, decodeBcs, encodeBcs, vector } from '../src/bcs/index.js'
import { BcsDecodeError } from '../src/errors/index.js'
import { ScoreRequest, ScoreResponse } from '../src/services/types.js'
import { hostile, measured, uleb } from './helpers/hostile.js'

/** Generous for a loaded 2-core machine; the old behaviour took 0.4 s to 21 s on these inputs. */
const FAST_MS = 150
/** Heap growth allowed for one decode; the old behaviour grew by 256 MiB to 3.6 GB. */
const SMALL_HEAP = 16 * 2 ** 20

function expectFastDecodeError(run: () => unknown, message: RegExp): void {
  const { error, ms, heapGrowth } = measured(run)
  expect(error).toBeInstanceOf(BcsDecodeError)
  expect((error as BcsDecodeError).details ?? '').toMatch(message)
  expect(ms).toBeLessThan(FAST_MS)
  expect(heapGrowth).toBeLessThan(SMALL_HEAP)
}

describe('finding 1: nested TooManyIncorrectAuthorities declaring 2^25 entries per level', () => {
  it('decodeBcs(SomaError, …) refuses the declared length before allocating', () => {
    const bytes = hostile.nestedSomaError(18)
    expect(bytes.length).toBeLessThan(2_000)
    expectFastDecodeError(() => decodeBcs(B.SomaError, bytes), /declares 33554432 elements at offset \d+, but only \d+ byte\(s\) remain/)
  })

  it('a 1,839-byte TransactionEffects with that SomaError in its failure status', () => {
    const bytes = hostile.transactionEffects()
    expect(bytes.length).toBe(1_839)
    expectFastDecodeError(() => decodeBcs(B.TransactionEffects, bytes), /declares 33554432 elements/)
  })
})

describe('finding 2: a declared vector length far beyond the input', () => {
  it('6-byte PayCoins TransactionData declaring 2^25 − 1 coins', () => {
    const bytes = hostile.payCoins()
    expect(bytes.length).toBe(6)
    expectFastDecodeError(() => decodeBcs(B.TransactionData, bytes), /declares 33554431 elements at offset 6, but only 0 byte\(s\) remain/)
  })

  it('14-byte ScoreRequest declaring 2^25 − 1 model manifests', () => {
    const bytes = hostile.scoreRequest()
    expect(bytes.length).toBe(14)
    expectFastDecodeError(() => decodeBcs(ScoreRequest, bytes), /declares 33554431 elements/)
  })

  it('every vector of ours checks the element minimum: 4 remaining bytes cannot hold one ObjectRef', () => {
    const kind = encodeBcs(B.TransactionKind, { PayCoins: { coins: [], amounts: null, recipients: [] } })
    const bytes = Uint8Array.from([0, kind[0]!, 1, 0, 0, 0, 0])
    expectFastDecodeError(() => decodeBcs(B.TransactionData, bytes), /declares 1 elements at offset 3, but only 4 byte\(s\) remain/)
  })
})

describe('finding 3: tensor shapes', () => {
  it('60,000 shape entries are refused by the rank cap before they are read', () => {
    const bytes = hostile.tensorWithRank(60_000)
    expectFastDecodeError(() => decodeBcs(B.SomaTensor, bytes), /declares 60000 elements, more than the 32 allowed/)
  })

  it('huge dimensions stop at the first partial product beyond the value count', () => {
    // 32 dimensions of u64::MAX over one value: the old product was a 2,048-bit BigInt per check.
    const bytes = hostile.tensorWithHugeDims(32)
    expectFastDecodeError(() => decodeBcs(B.SomaTensor, bytes), /tensor shape holds more than its 1 values/)
  })

  it('a 240 KB RevealModel TransactionData decodes (and fails) in linear time', () => {
    const bytes = hostile.revealModel(240_000)
    expect(bytes.length).toBeGreaterThan(240_000)
    expectFastDecodeError(() => decodeBcs(B.TransactionData, bytes), /more than the 32 allowed/)
  })

  it('a shape with a zero dimension holds zero values, and valid shapes still round-trip', () => {
    for (const t of [
      { values: [], shape: [0n, 1n << 60n] },
      { values: [1, 2, 3, 4, 5, 6], shape: [2n, 3n] },
      { values: [1], shape: Array.from({ length: 32 }, () => 1n) },
    ]) {
      const bytes = encodeBcs(B.SomaTensor, t)
      expect(decodeBcs(B.SomaTensor, bytes)).toEqual(t)
    }
    expect(() => encodeBcs(B.SomaTensor, { values: [1], shape: Array.from({ length: 33 }, () => 1n) })).toThrow(/rank 33/)
  })
})

describe('finding 7: a signalling-NaN target embedding', () => {
  it('is refused as a NaN in targetEmbedding, not as a non-canonical encoding', () => {
    const valid = encodeBcs(ScoreRequest, {
      dataUrl: 'https://example.com/d',
      dataChecksum: 'x',
      dataSize: 1n,
      modelManifests: [],
      targetEmbedding: [0.5, 1],
      seed: 7n,
    })
    // targetEmbedding is [len][u32 bits]…, followed by the 8-byte seed: patch the second value.
    const bytes = valid.slice()
    new DataView(bytes.buffer).setUint32(bytes.length - 8 - 4, 0x7f80_0001, true)
    const { error } = measured(() => decodeBcs(ScoreRequest, bytes))
    expect(error).toBeInstanceOf(BcsDecodeError)
    const details = (error as BcsDecodeError).details ?? ''
    expect(details).toMatch(/targetEmbedding\[1\] is a NaN \(f32 bits 0x7f800001\)/)
    expect(details).not.toMatch(/non-canonical/)
  })

  it('a quiet NaN in a response still round-trips', () => {
    const bytes = encodeBcs(ScoreResponse, { winner: 0n, lossScore: [Number.NaN], embedding: [], distance: [] })
    expect(Number.isNaN(decodeBcs(ScoreResponse, bytes).lossScore[0])).toBe(true)
  })
})

describe('the guards do not depend on @mysten/bcs internals', () => {
  it('BoundedBcsReader overrides every method of the library reader (an upgrade that adds one fails here)', () => {
    const libraryMethods = Object.getOwnPropertyNames(BcsReader.prototype).filter((n) => n !== 'constructor')
    const ours = Object.getOwnPropertyNames(BoundedBcsReader.prototype)
    expect(libraryMethods.length).toBeGreaterThan(0)
    expect(libraryMethods.filter((n) => !ours.includes(n))).toEqual([])
  })

  it("the library reader's own state stays empty: an unguarded read fails on its first byte", () => {
    const reader = new BoundedBcsReader(Uint8Array.from([1, 2, 3]))
    expect(() => BcsReader.prototype.read8.call(reader)).toThrow(RangeError)
    expect(reader.read8()).toBe(1)
    expect(reader.remaining).toBe(2)
  })

  it('reads every width the way the library does', () => {
    const bytes = Uint8Array.from({ length: 66 }, (_, i) => (i * 37 + 11) & 0xff)
    const ours = new BoundedBcsReader(bytes)
    const theirs = new BcsReader(bytes)
    for (const m of ['read8', 'read16', 'read32', 'read64', 'read128', 'read256'] as const) {
      expect(ours[m]()).toEqual(theirs[m]())
    }
    expect(ours.readBytes(3)).toEqual(theirs.readBytes(3))
    expect(ours.remaining).toBe(0)
  })

  it('readVec checks the declared length too', () => {
    const reader = new BoundedBcsReader(Uint8Array.from([...uleb(1_000), 1, 2]))
    expect(() => reader.readVec((r) => r.read8())).toThrow(/declares 1000 elements/)
  })

  it('vector() guards on its own even where the library vector would allocate', () => {
    const bytes = Uint8Array.from(uleb(2 ** 32 - 1))
    expectFastDecodeError(() => decodeBcs(vector(bcs.u8()), bytes), /declares 4294967295 elements/)
  })

  it('no schema of ours uses the unbounded bcs.vector or bcs.map', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url))
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) {
          if (name !== 'generated') walk(path)
        } else if (name.endsWith('.ts')) {
          const code = readFileSync(path, 'utf8')
            .split('\n')
            .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
            .join('\n')
          if (/\bbcs\.(vector|map)\(/.test(code)) offenders.push(path)
        }
      }
    }
    walk(src)
    expect(offenders).toEqual([])
  })
})
