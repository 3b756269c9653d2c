// Unit tests of the client's pure parts: the amount parser, coin selection, lock-conflict detection, presets.
import { create } from '@bufbuild/protobuf'
import { describe, expect, it } from 'vitest'

import { InvalidArgumentError, RpcObjectLockedError, RpcInvalidArgumentError } from '../src/index.js'
import { encodeBcs } from '../src/bcs/codec.js'
import { Coin } from '../src/bcs/objects.js'
import { ObjectSchema } from '../src/generated/soma/rpc/object_pb.js'
import { chooseGasCoin, coinOf, COIN_TOP_N, gasFloor, lockConflict, resolveClientUrls, selectCoin, type OwnedCoin } from '../src/client/index.js'
import { formatSoma, parseAmount } from '../src/utils/amount.js'
import { GrpcStatus } from '../src/rpc/errors.js'

describe('parseAmount', () => {
  it('parses decimal SOMA exactly and takes bigint as shannons', () => {
    expect(parseAmount('1.15')).toBe(1_150_000_000n)
    expect(parseAmount(1.15)).toBe(1_150_000_000n)
    expect(parseAmount('0.000000001')).toBe(1n)
    expect(parseAmount('2')).toBe(2_000_000_000n)
    expect(parseAmount(' 3.5 ')).toBe(3_500_000_000n)
    expect(parseAmount('1.500000000000')).toBe(1_500_000_000n)
    expect(parseAmount(1e-9)).toBe(1n)
    expect(parseAmount('.5')).toBe(500_000_000n)
    expect(parseAmount(7n)).toBe(7n)
    expect(parseAmount('18446744073.709551615')).toBe(0xffff_ffff_ffff_ffffn)
  })
  it('rejects negative, non-finite, malformed, too precise and too large values', () => {
    for (const bad of ['-1', -0.5, Number.NaN, Number.POSITIVE_INFINITY, 'abc', '', '1.2.3', '0.0000000001', 1e-10, '18446744073.709551616', -1n, '1,5']) {
      expect(() => parseAmount(bad as never), String(bad)).toThrow(InvalidArgumentError)
    }
  })
  it('formats shannons back to the same decimal', () => {
    for (const text of ['1.15', '0.000000001', '2', '123456.789']) expect(formatSoma(parseAmount(text))).toBe(text)
  })
})

const coin = (n: number, balance: bigint): OwnedCoin => ({ objectId: `0x${n.toString(16).padStart(64, '0')}`, version: 1n, digest: '11111111111111111111111111111111', balance })

describe('selectCoin', () => {
  const coins = Array.from({ length: 12 }, (_, i) => coin(i + 1, BigInt((i + 1) * 100)))
  it('picks uniformly among the 8 richest eligible coins', () => {
    const seen = new Set<string>()
    for (let k = 0; k < COIN_TOP_N; k++) {
      const r = (k + 0.5) / COIN_TOP_N
      seen.add(selectCoin(coins, { random: () => r, inFlight: () => false })!.objectId)
    }
    expect([...seen].sort()).toEqual(coins.slice(4).map((c) => c.objectId).sort())
  })
  it('skips excluded, in-flight and too small coins, and returns undefined when none is left', () => {
    const richest = coins[11]!
    const second = coins[10]!
    const pick = selectCoin(coins, { random: () => 0, exclude: new Set([richest.objectId]), inFlight: (id) => id === second.objectId })
    expect(pick!.objectId).toBe(coins[9]!.objectId)
    expect(selectCoin(coins, { minBalance: 1200n, random: () => 0.99, inFlight: () => false })!.objectId).toBe(richest.objectId)
    expect(selectCoin(coins, { minBalance: 5000n, inFlight: () => false })).toBeUndefined()
    expect(selectCoin([], {})).toBeUndefined()
  })
})

describe('lockConflict', () => {
  it('recognises the reference and local wording and the object named', () => {
    const id = `0x${'ab'.repeat(32)}`
    const ref = new RpcObjectLockedError({ grpcCode: GrpcStatus.FAILED_PRECONDITION, serverMessage: `Object (${id}, SequenceNumber(3), o#x) already locked by a different transaction` })
    expect(lockConflict(ref)).toEqual({ objectId: id })
    const local = new RpcInvalidArgumentError({ grpcCode: GrpcStatus.INVALID_ARGUMENT, serverMessage: `ObjectVersionUnavailableForConsumption: object ${id} is at version 4, not 3` })
    expect(lockConflict(local)).toEqual({ objectId: id })
    expect(lockConflict(new RpcInvalidArgumentError({ grpcCode: GrpcStatus.INVALID_ARGUMENT, serverMessage: 'InvalidSignature: bad' }))).toBeUndefined()
  })
})

describe('resolveClientUrls', () => {
  it('applies the presets and refuses what they forbid, with typed errors', () => {
    expect(resolveClientUrls({ chain: 'localnet' })).toMatchObject({ rpc: 'http://127.0.0.1:9000', faucet: 'http://127.0.0.1:9123', scoring: 'http://127.0.0.1:9124', admin: 'http://127.0.0.1:9125' })
    expect(resolveClientUrls({ chain: 'testnet' })).toMatchObject({ rpc: 'https://fullnode.testnet.soma.org', admin: undefined, scoring: undefined })
    expect(() => resolveClientUrls({ chain: 'testnet', rpcUrl: 'http://x' })).toThrow(InvalidArgumentError)
    expect(() => resolveClientUrls({ chain: 'testnet', adminUrl: 'http://127.0.0.1:9125' })).toThrow(InvalidArgumentError)
    expect(() => resolveClientUrls({ chain: 'mainnet' as never })).toThrow(/Unknown chain/)
    expect(() => resolveClientUrls({})).toThrow(InvalidArgumentError)
    expect(resolveClientUrls({ rpcUrl: 'http://0.0.0.0:9000' }).rpc).toBe('http://127.0.0.1:9000')
  })
})

describe('chooseGasCoin', () => {
  const coin = (n: number, balance: bigint): OwnedCoin => ({ objectId: `0x${n.toString(16).padStart(64, '0')}`, version: 1n, digest: '1', balance })
  const idle = () => false

  it('never picks a dust coin to pay for a stake while a coin can pay its fee (the flaky InsufficientGas)', () => {
    // A faucet coin and a reward payout of 56,820 shannons: staking 0.5 SOMA costs ~250,000 in value fee.
    const faucet = coin(1, 2_000_000_000n)
    const dust = coin(2, 56_820n)
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const gas = chooseGasCoin([faucet, dust], { spend: faucet, value: 500_000_000n, inFlight: idle, random: () => r })
      expect(gas?.objectId).toBe(faucet.objectId)
    }
    expect(gasFloor(500_000_000n)).toBe(2_502_500n)
  })

  it('still picks at random among coins that can pay, and falls back to a small coin, the spend coin, then the bond', () => {
    const coins = [coin(1, 10_000_000n), coin(2, 9_000_000n), coin(3, 100n)]
    const seen = new Set([0, 0.99].map((r) => chooseGasCoin(coins, { inFlight: idle, random: () => r })!.objectId))
    expect(seen).toEqual(new Set([coins[0]!.objectId, coins[1]!.objectId]))
    // Only dust left besides the coin being spent: the spend coin pays.
    expect(chooseGasCoin([coins[0]!, coins[2]!], { spend: coins[0]!, value: 9_000_000_000n, inFlight: idle })?.objectId).toBe(coins[0]!.objectId)
    // Only dust at all, with no hard minimum: the chain decides (better than refusing a payable fee).
    expect(chooseGasCoin([coins[2]!], { inFlight: idle })?.objectId).toBe(coins[2]!.objectId)
    // A hard minimum is never waived; the bond coin is the last resort.
    const bond = coin(4, 5_000_000n)
    expect(chooseGasCoin([coins[2]!, bond], { bond, minBalance: 1_000_000n, inFlight: idle })?.objectId).toBe(bond.objectId)
    expect(chooseGasCoin([coins[2]!], { minBalance: 1_000_000n, inFlight: idle })).toBeUndefined()
  })
})

describe('coinOf', () => {
  it('normalizes the bare 64-hex ids the reference node lists to 0x ids, as lock conflicts name them', () => {
    const bare = 'ab'.repeat(32)
    const object = create(ObjectSchema, { objectId: bare, version: 3n, digest: '1'.repeat(32), objectType: 'Coin', contents: encodeBcs(Coin, { balance: 7n }) })
    expect(coinOf(object)).toEqual({ objectId: `0x${bare}`, version: 3n, digest: '1'.repeat(32), balance: 7n })
    expect(lockConflict(new Error(`Object (0x${bare}, 3) already locked`))?.objectId).toBe(coinOf(object)?.objectId)
    expect(coinOf({ ...object, objectId: 'not hex' })).toBeUndefined()
  })
})
