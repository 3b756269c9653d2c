// Property tests: decode(encode(x)) = x for generated values of every BCS type, and truncated,
// extended, bit-flipped or random bytes give a BcsDecodeError (never another error, a crash or a hang).
import { base58 } from '@scure/base'
import type { BcsType } from '@mysten/bcs'
import { describe, expect, it } from 'vitest'

import * as B from '../src/bcs/index.js'
import { BcsDecodeError, BcsEncodeError } from '../src/errors/index.js'
import { CASES, FAILURES, SOMA_ERRORS, effects, enumValue, rng, somaError, type R } from './helpers/bcs-cases.js'

describe('every exported BCS schema has a property case', () => {
  it('lists them all', () => {
    const covered = new Set(CASES.map(([, t]) => t))
    const missing = Object.entries(B)
      .filter(([, v]) => v && typeof v === 'object' && typeof (v as { serialize?: unknown }).serialize === 'function')
      .filter(([, v]) => !covered.has(v as BcsType<unknown, unknown>))
      .map(([k]) => k)
    // Embedded-only schemas whose generators live inside the larger ones (the kinds' argument structs).
    const embeddedOnly = new Set([
      'AddValidatorArgs', 'ChangeEpoch', 'ClaimRewardsArgs', 'CommitModelArgs', 'ConsensusCommitPrologueV1', 'CreateModelArgs',
      'GenesisTransaction', 'RemoveValidatorArgs', 'RevealModelArgs', 'SubmitDataArgs', 'UpdateValidatorMetadataArgs',
      'ActiveModel', 'CreatedModel', 'InactiveModel', 'PendingModel', 'PendingModelUpdate', 'EffectsObjectChange', 'IDOperation',
      'ObjectIn', 'ObjectOut', 'UnchangedSharedKind', 'VersionDigest', 'MultiSigMemberPublicKey',
    ])
    expect(missing.filter((k) => !embeddedOnly.has(k))).toEqual([])
  })

  it('the ExecutionFailureStatus table lists every variant in the schema order', () => {
    const r = rng(77)
    Object.entries(FAILURES).forEach(([name, f], tag) => {
      const bytes = B.encodeBcs(B.ExecutionFailureStatus, { [name]: f ? f(r) : true } as never)
      expect(bytes[0], name).toBe(tag)
    })
    expect(Object.keys(FAILURES)).toHaveLength(52)
    // No 53rd variant.
    expect(() => B.decodeBcs(B.ExecutionFailureStatus, Uint8Array.of(52))).toThrow(BcsDecodeError)
  })
})

describe.each(CASES)('%s', (_name, type, gen) => {
  it('decode(encode(x)) = x for 200 generated values, and re-encoding is stable', () => {
    const r = rng(_name.length * 7919)
    for (let i = 0; i < 200; i++) {
      const value = gen(r)
      const bytes = B.encodeBcs(type, value)
      const back = B.decodeBcs(type, bytes)
      expect(back).toEqual(value)
      expect(Buffer.from(B.encodeBcs(type, back)).equals(Buffer.from(bytes))).toBe(true)
    }
  })

  it('truncated, extended, bit-flipped and random bytes give BcsDecodeError or a canonical value', () => {
    const r = rng(_name.length * 104729)
    const check = (bytes: Uint8Array) => {
      try {
        const v = B.decodeBcs(type, bytes)
        // Anything accepted must be canonical: it re-encodes to exactly the input.
        expect(Buffer.from(B.encodeBcs(type, v)).equals(Buffer.from(bytes))).toBe(true)
      } catch (err) {
        expect(err).toBeInstanceOf(BcsDecodeError)
        expect((err as Error).message.length).toBeLessThan(1000)
      }
    }
    for (let i = 0; i < 40; i++) {
      const bytes = B.encodeBcs(type, gen(r))
      for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 25))) {
        expect(() => B.decodeBcs(type, bytes.subarray(0, cut))).toThrow(BcsDecodeError)
      }
      expect(() => B.decodeBcs(type, new Uint8Array([...bytes, r.int(256)]))).toThrow(BcsDecodeError)
      const flipped = bytes.slice()
      if (flipped.length) flipped[r.int(flipped.length)]! ^= 1 << r.int(8)
      check(flipped)
      check(r.bytes(r.int(300)))
    }
    // Huge ULEB lengths must fail fast, not allocate or loop.
    check(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3))
    check(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f))
  })
})

describe('typed errors on bad values', () => {
  it('rejects bad addresses, digests, tensor shapes and out-of-range u64 with BcsEncodeError', () => {
    const coin = { objectId: '0x12', version: 1n, digest: base58.encode(new Uint8Array(32)) }
    expect(B.decodeBcs(B.ObjectRef, B.encodeBcs(B.ObjectRef, coin)).objectId).toBe(`0x${'0'.repeat(62)}12`)
    expect(() => B.encodeBcs(B.ObjectRef, { ...coin, objectId: 'zz' })).toThrow(BcsEncodeError)
    expect(() => B.encodeBcs(B.ObjectRef, { ...coin, digest: base58.encode(new Uint8Array(31)) })).toThrow(BcsEncodeError)
    expect(() => B.encodeBcs(B.ObjectRef, { ...coin, version: -1n })).toThrow(BcsEncodeError)
    expect(() => B.encodeBcs(B.ObjectRef, { ...coin, version: 1n << 64n })).toThrow(BcsEncodeError)
    expect(() => B.encodeBcs(B.SomaTensor, { values: [1, 2], shape: [3] })).toThrow(BcsEncodeError)
    expect(() => B.encodeBcs(B.TransactionKind, { NotAKind: {} } as never)).toThrow(BcsEncodeError)
  })
  it('rejects tensors with a bad dtype, ragged bytes or a wrong shape', () => {
    expect(() => B.decodeBcs(B.SomaTensor, Uint8Array.of(1, 4, 0, 0, 0, 0x3f, 1, 1, 0, 0, 0, 0, 0, 0, 0))).toThrow(BcsDecodeError)
    expect(() => B.decodeBcs(B.SomaTensor, Uint8Array.of(0, 3, 0, 0, 0x3f, 1, 1, 0, 0, 0, 0, 0, 0, 0))).toThrow(BcsDecodeError)
    expect(() => B.decodeBcs(B.SomaTensor, Uint8Array.of(0, 4, 0, 0, 0, 0x3f, 1, 2, 0, 0, 0, 0, 0, 0, 0))).toThrow(BcsDecodeError)
  })
  it('rejects unsorted map keys as non-canonical', () => {
    const a = `0x${'01'.repeat(32)}`
    const b = `0x${'02'.repeat(32)}`
    const sorted = B.encodeBcs(B.AddressSet, [b, a])
    expect(Buffer.from(sorted).toString('hex')).toBe(`02${'01'.repeat(32)}${'02'.repeat(32)}`)
    const unsorted = Uint8Array.from([2, ...Buffer.from('02'.repeat(32), 'hex'), ...Buffer.from('01'.repeat(32), 'hex')])
    expect(() => B.decodeBcs(B.AddressSet, unsorted)).toThrow(/non-canonical/)
  })
})

describe('SomaError inside a failed TransactionEffects, variant by variant', () => {
  const names = Object.keys(SOMA_ERRORS)
  const failedWith = (r: R, error: unknown) =>
    effects(r, enumValue('Failure', { error: enumValue('SomaError', error) })) as unknown as B.TransactionEffectsInput

  it('the generator table lists the 91 variants in the schema order', () => {
    expect(names.length).toBe(91)
    expect(names).toEqual([...B.SOMA_ERROR_VARIANTS])
  })

  it.each(names.map((name, tag) => [name, tag] as const))('%s (tag %i) round-trips byte-identically', (name, tag) => {
    const r = rng(1000 + tag)
    for (let i = 0; i < 12; i++) {
      const error = somaError(r, 2, name)
      const value = failedWith(r, error)
      const bytes = B.encodeBcs(B.TransactionEffects, value)
      // V1, Failure, ExecutionFailureStatus::SomaError (51), then this variant's tag (< 128, one byte).
      expect([...bytes.subarray(0, 4)]).toEqual([0, 1, 51, tag])
      const back = B.decodeBcs(B.TransactionEffects, bytes)
      expect(back).toEqual(value)
      expect(Buffer.from(B.encodeBcs(B.TransactionEffects, back)).equals(Buffer.from(bytes))).toBe(true)
      // The error alone encodes to the bytes it has inside the effects.
      const alone = B.encodeBcs(B.SomaError, error as never)
      expect(Buffer.from(bytes.subarray(3, 3 + alone.length)).equals(Buffer.from(alone))).toBe(true)
      expect(B.decodeBcs(B.SomaError, alone)).toEqual(error)
    }
  })

  it.each(names)('%s: every truncation is a BcsDecodeError, garbage never crashes', (name) => {
    const r = rng(5000 + names.indexOf(name))
    for (let i = 0; i < 4; i++) {
      const bytes = B.encodeBcs(B.TransactionEffects, failedWith(r, somaError(r, 1, name)))
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(() => B.decodeBcs(B.TransactionEffects, bytes.subarray(0, cut))).toThrow(BcsDecodeError)
      }
      // Random bytes after this variant's tag: a typed error or a canonical value, nothing else.
      const garbage = Uint8Array.from([...bytes.subarray(0, 4), ...r.bytes(r.int(200))])
      try {
        const v = B.decodeBcs(B.TransactionEffects, garbage)
        expect(Buffer.from(B.encodeBcs(B.TransactionEffects, v)).equals(Buffer.from(garbage))).toBe(true)
      } catch (err) {
        expect(err).toBeInstanceOf(BcsDecodeError)
      }
    }
  })
})

describe('ULEB128 lengths and tags are read like the Rust bcs crate (u32, at most 5 bytes)', () => {
  it('a long run of continuation bytes fails fast for every type', () => {
    // The stock @mysten/bcs reader needed ~1 s for 100 kB of 0xff here and grew quadratically.
    const hostile = new Uint8Array(4_000_000).fill(0xff)
    for (const [name, type] of CASES.map(([n, t]) => [n, t] as const)) {
      const started = performance.now()
      expect(() => B.decodeBcs(type, hostile), name).toThrow(BcsDecodeError)
      // Also behind a valid prefix: a TransactionData whose kind is a vector-bearing PayCoins.
      expect(performance.now() - started, name).toBeLessThan(1_000)
    }
    const behindPrefix = Uint8Array.from([0, 10, ...new Uint8Array(2_000_000).fill(0xff)])
    const started = performance.now()
    expect(() => B.decodeBcs(B.TransactionData, behindPrefix)).toThrow(/does not fit in u32/)
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('accepts u32::MAX in 5 bytes, refuses more than u32 and redundant zero bytes', () => {
    // A byte vector claiming u32::MAX bytes: the length parses, the data is missing.
    expect(() => B.decodeBcs(B.Url, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).toThrow(/input ends early|larger than the input/)
    expect(() => B.decodeBcs(B.Url, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x10))).toThrow(/does not fit in u32/)
    expect(() => B.decodeBcs(B.Url, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01))).toThrow(/does not fit in u32/)
    expect(() => B.decodeBcs(B.Url, Uint8Array.of(0x81, 0x00, 0x61))).toThrow(/non-canonical length or tag/)
    expect(() => B.decodeBcs(B.Url, Uint8Array.of(0x81))).toThrow(/input ends inside a length or tag/)
    // Two-byte lengths still work: a 200-character URL round-trips.
    const url = `https://example.com/${'a'.repeat(180)}`
    const bytes = B.encodeBcs(B.Url, url)
    expect([...bytes.subarray(0, 2)]).toEqual([0xc8, 0x01])
    expect(B.decodeBcs(B.Url, bytes)).toBe(url)
  })
})

describe('f32 NaN payloads survive a decode/encode round trip', () => {
  it('signalling and negative NaNs in tensors keep their bits (the chain stores what was sent)', () => {
    const bitsList = [0x7f800001, 0xff800001, 0x7fc00000, 0xffc00000, 0x7fffffff]
    const values = new Uint8Array(4 * (bitsList.length + 1))
    const view = new DataView(values.buffer)
    bitsList.forEach((b, i) => view.setUint32(i * 4, b, true))
    view.setFloat32(bitsList.length * 4, 1.5, true)
    const wire = Uint8Array.from([0, values.length, ...values, 1, bitsList.length + 1, 0, 0, 0, 0, 0, 0, 0])
    const decoded = B.decodeBcs(B.SomaTensor, wire)
    expect(decoded.values.slice(0, bitsList.length).every((v) => Number.isNaN(v))).toBe(true)
    expect(decoded.values.at(-1)).toBe(1.5)
    expect(Buffer.from(B.encodeBcs(B.SomaTensor, decoded)).equals(Buffer.from(wire))).toBe(true)
    // A fresh tensor with NaN (no decoded bits) is written as the canonical quiet NaN.
    expect([...B.encodeBcs(B.SomaTensor, B.tensor([Number.NaN])).subarray(2, 6)]).toEqual([0, 0, 0xc0, 0x7f])

    // Inside a SubmitData transaction: decoding keeps the transaction byte-identical, so its digest holds.
    const kind = {
      SubmitData: {
        targetId: `0x${'66'.repeat(32)}`,
        dataManifest: { manifest: { V1: { url: 'https://example.com/data', metadata: { V1: { checksum: base58.encode(new Uint8Array(32)), size: 10n } } } } },
        modelId: `0x${'44'.repeat(32)}`,
        embedding: B.tensor([0.5]),
        distanceScore: B.scalarTensor(0),
        lossScore: B.tensor([]),
        bondCoin: { objectId: `0x${'11'.repeat(32)}`, version: 7n, digest: base58.encode(new Uint8Array(32).fill(0x22)) },
      },
    }
    const tx = B.encodeBcs(B.TransactionData, { V1: { kind, sender: `0x${'aa'.repeat(32)}`, gasPayment: [kind.SubmitData.bondCoin] } })
    const scalarAt = Buffer.from(tx).indexOf(Buffer.from('0004000000000101', 'hex')) + 2
    expect(scalarAt).toBeGreaterThan(2)
    const hostile = tx.slice()
    new DataView(hostile.buffer).setUint32(scalarAt, 0x7f800001, true)
    const back = B.decodeBcs(B.TransactionData, hostile)
    expect(Number.isNaN(back.V1!.kind.SubmitData!.distanceScore.values[0])).toBe(true)
    expect(Buffer.from(B.encodeBcs(B.TransactionData, back)).equals(Buffer.from(hostile))).toBe(true)
  })
})
