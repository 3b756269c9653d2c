// FastBcsWriter (the writer behind encodeBcs and the re-encode check) against the library's
// BcsWriter: the same bytes for every method, growth from an empty buffer, and no library method
// left to write into the library's own (unused) state.
import { BcsWriter, bcs } from '@mysten/bcs'
import { describe, expect, it } from 'vitest'

import * as B from '../src/bcs/index.js'
import { decodeBcs, encodeBcs } from '../src/bcs/index.js'
import { FastBcsWriter } from '../src/bcs/writer.js'

type Step = (w: BcsWriter) => unknown

const STEPS: Step[] = [
  (w) => w.write8(0xab),
  (w) => w.write8(300),
  (w) => w.write16(0xbeef),
  (w) => w.write32(0xdeadbeef),
  (w) => w.write64(0n),
  (w) => w.write64(0xffff_ffff_ffff_ffffn),
  (w) => w.write64(123_456_789),
  (w) => w.write128(2n ** 128n - 1n),
  (w) => w.write128(2n ** 70n + 5n),
  (w) => w.write256(2n ** 255n + 77n),
  (w) => w.writeULEB(0),
  (w) => w.writeULEB(127),
  (w) => w.writeULEB(128),
  (w) => w.writeULEB(2 ** 32 - 1),
  (w) => w.writeULEB(2 ** 53 - 1),
  (w) => w.writeBytes(Uint8Array.from({ length: 40 }, (_, i) => i * 7)),
  (w) => w.writeVec([1, 2, 3], (writer, el) => writer.write16(el)),
]

describe('FastBcsWriter', () => {
  it('overrides every public method of the library writer (an upgrade that adds one fails here)', () => {
    // ensureSizeOrGrow is private to the library's own methods, all of which are overridden.
    const libraryMethods = Object.getOwnPropertyNames(BcsWriter.prototype).filter((n) => n !== 'constructor' && n !== 'ensureSizeOrGrow')
    const ours = Object.getOwnPropertyNames(FastBcsWriter.prototype)
    expect(libraryMethods.length).toBeGreaterThan(10)
    expect(libraryMethods.filter((n) => !ours.includes(n))).toEqual([])
  })

  it("the library writer's own state cannot grow: an unguarded library write throws", () => {
    const writer = new FastBcsWriter()
    expect(() => BcsWriter.prototype.write8.call(writer, 1)).toThrow(/does not have enough size/)
    writer.write8(1)
    expect(writer.toBytes()).toEqual(Uint8Array.of(1))
  })

  it('writes what the library writer writes, step by step, growing from an empty buffer', () => {
    for (const initial of [0, 1, 3, 1024]) {
      const ours = new FastBcsWriter(initial)
      const theirs = new BcsWriter({ initialSize: 1 })
      for (let round = 0; round < 20; round++) {
        for (const step of STEPS) {
          step(ours)
          step(theirs)
        }
      }
      expect(ours.toBytes()).toEqual(theirs.toBytes())
      expect(ours.toString('hex')).toBe(theirs.toString('hex'))
      expect([...ours]).toEqual([...theirs])
      expect(ours.view()).toEqual(theirs.toBytes())
    }
  })

  it('shift leaves zeros, and the size limit is a clear RangeError', () => {
    const writer = new FastBcsWriter(0, 8)
    writer.write8(1).shift(3).write8(2)
    expect(writer.toBytes()).toEqual(Uint8Array.of(1, 0, 0, 0, 2))
    expect(() => writer.write32(1)).toThrow(/needs 9 bytes, more than the 8 allowed/)
    expect(() => new FastBcsWriter().writeULEB(-1)).toThrow(RangeError)
  })

  it('encodeBcs gives the bytes the library serializer gives, for schemas of every kind', () => {
    const address = `0x${'a7'.repeat(32)}`
    const values: [B.ObjectRef, bigint, string][] = [[{ objectId: address, version: 2n ** 63n, digest: '1'.repeat(32) }, 1n, 'x'.repeat(300)]]
    const type = bcs.tuple([B.ObjectRef, B.U64, bcs.string()])
    for (const value of values) {
      const ours = encodeBcs(type, value)
      expect(ours).toEqual(type.serialize(value).toBytes())
      expect(decodeBcs(type, ours)).toEqual(value)
    }
  })
})

describe('address text on the hot path equals the general helpers', () => {
  it('addressText, canonicalAddress and writeAddress agree with toHex / normalizeAddress / addressToBytes', async () => {
    const { addressText, canonicalAddress, writeAddress } = await import('../src/bcs/address-text.js')
    const { addressToBytes, normalizeAddress, toHex } = await import('../src/utils/encoding.js')
    let seed = 7
    const byte = () => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed >>> 24
    }
    for (let i = 0; i < 2_000; i++) {
      const bytes = Uint8Array.from({ length: 32 }, byte)
      const text = `0x${toHex(bytes)}`
      expect(addressText(bytes)).toBe(text)
      for (const form of [text, text.toUpperCase().replace('0X', '0x'), `0x${text.slice(2).replace(/^0+/, '') || '0'}`, text.slice(2), bytes]) {
        expect(canonicalAddress(form)).toBe(normalizeAddress(form))
        const writer = new FastBcsWriter(0)
        writeAddress(form, writer)
        expect(writer.toBytes()).toEqual(addressToBytes(form))
      }
    }
    for (const bad of ['0x', `0x${'g'.repeat(64)}`, `0x${'a'.repeat(65)}`, 'a'.repeat(63), `0x${'a'.repeat(63)}é`]) {
      expect(() => canonicalAddress(bad)).toThrow(/address/i)
      expect(() => writeAddress(bad, new FastBcsWriter())).toThrow(/address/i)
    }
  })

  it('sets and maps: unsorted input is sorted by bytes, a set drops duplicates, a map refuses them', () => {
    const a = `0x${'0a'.repeat(32)}`
    const b = `0x${'b0'.repeat(32)}`
    const c = `0x${'ff'.repeat(32)}`
    const set = encodeBcs(B.AddressSet, [c, a.toUpperCase().replace('0X', '0x'), b, a])
    expect(decodeBcs(B.AddressSet, set)).toEqual([a, b, c])
    const map = B.addressMap(B.U64, 'BTreeMap<SomaAddress, u64>')
    expect([...decodeBcs(map, encodeBcs(map, new Map([[c, 3n], [a, 1n], [b, 2n]])))]).toEqual([[a, 1n], [b, 2n], [c, 3n]])
    expect(() => encodeBcs(map, [[a, 1n], [a.slice(0, 2) + a.slice(2).toUpperCase(), 2n]])).toThrow(/duplicate map key/)
    const u64s = B.u64Map(B.U64, 'BTreeMap<u64, u64>')
    expect([...decodeBcs(u64s, encodeBcs(u64s, new Map([[5n, 1n], [2n, 2n]])))]).toEqual([[2n, 2n], [5n, 1n]])
    // Entries out of order on the wire are not canonical.
    const swapped = Uint8Array.from([2, ...encodeBcs(bcs.tuple([B.Address, B.U64]), [c, 3n]), ...encodeBcs(bcs.tuple([B.Address, B.U64]), [a, 1n])])
    expect(() => decodeBcs(map, swapped)).toThrow(/non-canonical/)
  })
})
