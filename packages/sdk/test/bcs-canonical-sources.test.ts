// The re-encode check's shortcut: a decoded collection whose read proved its bytes canonical (a
// vector of exact elements, a set or map whose keys ascended) is written back as those bytes.
// It must never let a non-canonical encoding through, and it must be taken where it applies.
import { afterEach, describe, expect, it, vi } from 'vitest'

import * as B from '../src/bcs/index.js'
import { BcsDecodeError } from '../src/errors/index.js'
import { exactStruct } from '../src/bcs/primitives.js'
import { rng } from './helpers/bcs-cases.js'

const r = rng(20261202)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const address = (byte: number) => `0x${byte.toString(16).padStart(2, '0').repeat(32)}`
const u64le = (v: bigint) => {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, v, true)
  return [...out]
}
const addressBytes = (byte: number) => new Array<number>(32).fill(byte)
const pool = (exchangeRates: Map<bigint, { somaAmount: bigint; poolTokenAmount: bigint }>) => ({
  id: address(9),
  activationEpoch: 3n,
  deactivationEpoch: null,
  somaBalance: 1n,
  rewardsPool: 2n,
  poolTokenBalance: 3n,
  exchangeRates,
  pendingStake: 4n,
  pendingTotalSomaWithdraw: 5n,
  pendingPoolTokenWithdraw: 6n,
})
const rate = (n: bigint) => ({ somaAmount: n, poolTokenAmount: n + 1n })

/** A StakingPool encoding whose exchange-rate map has the given keys in the given wire order. */
function poolWithKeys(keys: bigint[]): Uint8Array {
  const canonical = B.encodeBcs(B.StakingPool, pool(new Map()))
  // id (32), activationEpoch Some (9), deactivationEpoch None (1), three u64 (24), then the map's length 0.
  const at = 32 + 9 + 1 + 24
  expect(canonical[at]).toBe(0)
  const entries = keys.flatMap((k) => [...u64le(k), ...u64le(k), ...u64le(k + 1n)])
  return Uint8Array.from([...canonical.subarray(0, at), keys.length, ...entries, ...canonical.subarray(at + 1)])
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('canonical collections written back from their bytes', () => {
  it('a StakingPool whose rates ascend decodes; out of order or repeated keys stay non-canonical', () => {
    const ascending = poolWithKeys([1n, 2n, 70000n])
    expect(B.decodeBcs(B.StakingPool, ascending).exchangeRates).toEqual(new Map([1n, 2n, 70000n].map((k) => [k, rate(k)])))
    expect(hex(ascending)).toBe(hex(B.encodeBcs(B.StakingPool, pool(new Map([1n, 2n, 70000n].map((k) => [k, rate(k)]))))))
    for (const keys of [[2n, 1n, 70000n], [1n, 1n, 2n], [1n, 70000n, 2n]]) {
      expect(() => B.decodeBcs(B.StakingPool, poolWithKeys(keys)), keys.join(',')).toThrow(/non-canonical/)
    }
  })

  it('an address-keyed map and an address set: descending or repeated keys stay non-canonical', () => {
    const mapping = (order: number[]) =>
      Uint8Array.from([order.length, ...order.flatMap((k) => [...addressBytes(k), ...addressBytes(0xee)])])
    const AddressMap = B.addressMap(B.Address, 'BTreeMap<ObjectID, SomaAddress>')
    expect([...B.decodeBcs(AddressMap, mapping([1, 2, 3])).keys()]).toEqual([address(1), address(2), address(3)])
    for (const order of [[2, 1], [1, 1], [1, 3, 2]]) expect(() => B.decodeBcs(AddressMap, mapping(order))).toThrow(/non-canonical/)
    const set = (order: number[]) => Uint8Array.from([order.length, ...order.flatMap(addressBytes)])
    expect(B.decodeBcs(B.AddressSet, set([1, 2, 3]))).toEqual([address(1), address(2), address(3)])
    for (const order of [[2, 1], [1, 1], [1, 3, 2]]) expect(() => B.decodeBcs(B.AddressSet, set(order))).toThrow(/non-canonical/)
  })

  it('inside a larger value, a non-canonical set is still caught (ModelRegistry report records)', () => {
    const registry = { models: new Map(), stakingPoolMappings: new Map(), totalModelStake: 0n, modelReportRecords: new Map([[address(5), [address(1), address(2)]]]) }
    const bytes = B.encodeBcs(B.ModelRegistry, registry)
    expect(B.decodeBcs(B.ModelRegistry, bytes).modelReportRecords.get(address(5))).toEqual([address(1), address(2)])
    const swapped = hex(bytes).replace(`${'01'.repeat(32)}${'02'.repeat(32)}`, `${'02'.repeat(32)}${'01'.repeat(32)}`)
    expect(swapped).not.toBe(hex(bytes))
    expect(() => B.decodeBcs(B.ModelRegistry, Buffer.from(swapped, 'hex'))).toThrow(/non-canonical/)
  })

  it('every mutation of a gas-payment vector that decodes re-encodes to itself (ObjectRef reads are exact)', () => {
    const gas = Array.from({ length: 4 }, () => ({ objectId: `0x${hex(r.bytes(32))}`, version: r.u64(), digest: B.Digest.parse(Uint8Array.from([32, ...r.bytes(32)])) }))
    const GasPayment = B.vector(B.ObjectRef, { minElementBytes: 73 })
    const bytes = B.encodeBcs(GasPayment, gas)
    let decoded = 0
    for (let i = 0; i < 3000; i++) {
      const mutated = bytes.slice()
      const at = r.int(mutated.length)
      mutated[at] = mutated[at]! ^ (1 << r.int(8))
      let value: unknown
      try {
        value = B.decodeBcs(GasPayment, mutated)
      } catch (err) {
        expect(err).toBeInstanceOf(BcsDecodeError)
        continue
      }
      decoded++
      // encodeBcs runs outside any decode: a full encode, element by element.
      expect(hex(B.encodeBcs(GasPayment, value as never))).toBe(hex(mutated))
    }
    // Most flips land in ids, versions and digest bytes, which decode; the prefixes refuse.
    expect(decoded).toBeGreaterThan(2500)
  })

  it('is taken: decoding a 2,000-address set writes no address one by one, canonical or read out of order', () => {
    const addresses = Array.from({ length: 2000 }, () => `0x${hex(r.bytes(32))}`).sort()
    const bytes = B.encodeBcs(B.AddressSet, addresses)
    const writes = vi.spyOn(B.Address, 'write')
    expect(B.decodeBcs(B.AddressSet, bytes)).toEqual(addresses)
    expect(writes).not.toHaveBeenCalled()
    const unsorted = bytes.slice()
    unsorted.copyWithin(2, 34, 66) // (after the 2-byte length) the second address over the first: a repeated key
    // Known to differ from its sorted re-encode: refused without sorting and writing 2,000 addresses.
    expect(() => B.decodeBcs(B.AddressSet, unsorted)).toThrow(/non-canonical/)
    expect(writes).not.toHaveBeenCalled()
    // Outside a decode (no read to vouch for it) the set is written address by address.
    B.encodeBcs(B.AddressSet, addresses)
    expect(writes).toHaveBeenCalled()
  })

  it('a set or map read out of order is refused exactly where a full re-encode differs, with the same error', () => {
    // The full check, without the shortcut: the library's own reader (no decode scope, nothing
    // remembered), then a complete encode compared with the input.
    const fullCheck = (type: { parse(b: Uint8Array): unknown }, encode: (v: never) => Uint8Array, bytes: Uint8Array) => {
      try {
        return hex(encode(type.parse(bytes) as never)) === hex(bytes) ? 'canonical' : 'non-canonical'
      } catch {
        return 'unreadable'
      }
    }
    const outcome = (decode: () => unknown) => {
      try {
        decode()
        return 'canonical'
      } catch (err) {
        expect(err).toBeInstanceOf(BcsDecodeError)
        const details = (err as BcsDecodeError).details ?? ''
        if (details === 'non-canonical encoding (unsorted map/set keys or similar)') return 'non-canonical'
        return 'unreadable'
      }
    }
    const AddressMap = B.addressMap(B.Address, 'BTreeMap<ObjectID, SomaAddress>')
    const seen = new Set<string>()
    for (let i = 0; i < 60; i++) {
      const n = 1 + r.int(5)
      const keys = Array.from({ length: n }, () => 1 + r.int(4))
      const set = Uint8Array.from([n, ...keys.flatMap(addressBytes)])
      const map = Uint8Array.from([n, ...keys.flatMap((k) => [...addressBytes(k), ...addressBytes(r.int(3))])])
      const staking = poolWithKeys(keys.map(BigInt))
      // A trailing byte: the trailing-bytes refusal still comes first.
      const trailing = Uint8Array.from([...set, 0])
      const cases: [string, string, string][] = [
        ['set', outcome(() => B.decodeBcs(B.AddressSet, set)), fullCheck(B.AddressSet, (v) => B.encodeBcs(B.AddressSet, v), set)],
        ['map', outcome(() => B.decodeBcs(AddressMap, map)), fullCheck(AddressMap, (v) => B.encodeBcs(AddressMap, v), map)],
        ['pool', outcome(() => B.decodeBcs(B.StakingPool, staking)), fullCheck(B.StakingPool, (v) => B.encodeBcs(B.StakingPool, v), staking)],
        ['trailing', outcome(() => B.decodeBcs(B.AddressSet, trailing)), 'unreadable'],
      ]
      for (const [what, got, want] of cases) {
        expect(got, `${what} ${keys.join(',')}`).toBe(want)
        seen.add(`${what}:${got}`)
      }
    }
    // Both outcomes came up for each collection.
    for (const what of ['set', 'map', 'pool']) expect([...seen].filter((s) => s.startsWith(`${what}:`)).sort()).toEqual([`${what}:canonical`, `${what}:non-canonical`])
  })

  it('digests recalled in read order: after a skipped collection, and in a map the re-encode re-sorts', () => {
    const digest = () => B.Digest.parse(Uint8Array.from([32, ...r.bytes(32)]))
    const Pair = exactStruct('Pair', { refs: B.vector(B.ObjectRef, { minElementBytes: 73 }), after: B.Digest })
    const pair = { refs: Array.from({ length: 40 }, () => ({ objectId: address(r.int(200)), version: 1n, digest: digest() })), after: digest() }
    const bytes = B.encodeBcs(Pair, pair)
    expect(B.decodeBcs(Pair, bytes)).toEqual(pair)
    const DigestMap = B.addressMap(B.Digest, 'BTreeMap<ObjectID, Digest>')
    const entries = Array.from({ length: 100 }, (_, i) => [address(i + 1), digest()] as const)
    const sorted = Uint8Array.from([100, ...entries.flatMap(([k, d]) => [...Buffer.from(k.slice(2), 'hex'), ...B.encodeBcs(B.Digest, d)])])
    expect(B.decodeBcs(DigestMap, sorted)).toEqual(new Map(entries))
    const reversed = Uint8Array.from([100, ...[...entries].reverse().flatMap(([k, d]) => [...Buffer.from(k.slice(2), 'hex'), ...B.encodeBcs(B.Digest, d)])])
    expect(() => B.decodeBcs(DigestMap, reversed)).toThrow(/non-canonical/)
  })

  it('is scoped to one decode: encoding a decoded value later writes it element by element', () => {
    const addresses = [address(1), address(2)]
    const decoded = B.decodeBcs(B.AddressSet, B.encodeBcs(B.AddressSet, addresses))
    decoded.push(address(0))
    expect(hex(B.encodeBcs(B.AddressSet, decoded))).toBe(hex(B.encodeBcs(B.AddressSet, [address(0), ...addresses])))
  })
})
