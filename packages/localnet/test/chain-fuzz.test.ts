import { bcsTypes, decodeBcs, deserializeSignedTransaction } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import { SYSTEM_STATE_OBJECT_ID, TransactionRejected, assertSupplyConserved, decodeSystemStateContents, executeTransaction, targetOf, type LocalChain } from '../src/chain/index.js'
import { USERS, VALIDATOR_KEYS, genesisModel, newChain, refOf, sign } from './chain-helpers.js'
import { prng, randomKind } from './fuzz-kinds.js'

const ITERATIONS = Number(process.env.CHAIN_FUZZ_ITERATIONS ?? 1_500)

/**
 * Random transactions of every kind with valid refs and hostile arguments (zero, huge and
 * overflowing amounts, foreign ids, NaN / wrong-shape / empty tensors, oversized manifests,
 * duplicate and foreign coins), executed and applied; plus byte-level mutations of the same
 * transactions, which must be rejected or executed but never crash.
 */
function fuzz(seed: number, iterations: number) {
  const chain: LocalChain = newChain(3, 60_000n, [genesisModel(USERS[4]!.toSomaAddress())], 16n)
  const rand = prng(seed)
  const pick = <T,>(list: readonly T[]): T => list[rand(list.length)]!
  const signers = [...USERS, ...VALIDATOR_KEYS.slice(0, 3)]
  let executed = 0
  let rejected = 0
  const names = new Map<string, number>()
  for (let i = 0; i < iterations; i++) {
    const signer = pick(signers)
    const me = signer.toSomaAddress()
    // One pass over the live objects per iteration; only the picked target is decoded.
    const live = [...chain.store.liveObjects()]
    const owned = (type: string) => live.filter((o) => o.type === type && o.owner.kind === 'Address' && o.owner.address === me)
    const mine = owned('Coin')
    if (mine.length === 0) continue
    const gas = refOf(pick(mine))
    const coin = refOf(pick(mine))
    const anyObject = pick(live)
    const staked = owned('StakedSoma')
    const targetObjects = live.filter((o) => o.type === 'Target')
    const targetObject = targetObjects.length > 0 ? pick(targetObjects) : undefined
    const target = targetObject === undefined ? undefined : { object: targetObject, target: targetOf(targetObject) }
    const models = [...decodeSystemStateContents(chain.store.getObject(SYSTEM_STATE_OBJECT_ID)!.contents).modelRegistry.models.keys()]
    const kind = randomKind({
      rand,
      me,
      gas,
      coin,
      anyObject: refOf(anyObject),
      staked: staked.map(refOf),
      target: target === undefined ? undefined : { id: target.object.id, modelId: target.target.modelIds[0]! },
      modelIds: models,
      someone: pick(signers).toSomaAddress(),
    })
    let signed: Uint8Array
    try {
      signed = sign(signer, kind, rand(6) === 0 ? [gas, coin] : [gas])
    } catch {
      continue // the SDK refused to encode it (e.g. a NaN that cannot be written): nothing to send
    }
    if (rand(5) === 0) {
      // Byte-level mutation of the transaction data, re-wrapped by hand.
      const data = deserializeSignedTransaction(signed).transaction.slice()
      for (let f = 0; f < 1 + rand(3); f++) data[rand(data.length)] = rand(256)
      signed = new Uint8Array([1, 0, 0, 1, ...data, 1, 97, ...new Uint8Array(97)])
    }
    try {
      const result = executeTransaction(chain.store, signed, { skipSignatureCheck: true })
      chain.store.applyWrites(result.writes)
      chain.epochFees += result.totalFee
      executed++
      names.set(result.errorName ?? 'Success', (names.get(result.errorName ?? 'Success') ?? 0) + 1)
      if (result.errorName === 'SomaError') {
        // The only SomaError an executor raises on purpose is SetCommissionRate's; an "internal
        // error" would be a defect caught by the pipeline.
        const status = decodeBcs(bcsTypes.TransactionEffects, result.effects).V1!.status
        expect(JSON.stringify(status.Failure)).toContain('Commission rate too high')
      }
      if (process.env.CHAIN_FUZZ_DEBUG) {
        try {
          assertSupplyConserved(chain.store, chain.epochFees)
        } catch (e) {
          console.log(i, result.errorName)
          console.log(JSON.stringify(decodeBcs(bcsTypes.TransactionData, deserializeSignedTransaction(signed).transaction), (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? [...v].length : v)).slice(0, 800))
          throw e
        }
      }
    } catch (err) {
      if (!(err instanceof TransactionRejected)) throw err
      rejected++
    }
    if (i % 100 === 99) {
      assertSupplyConserved(chain.store, chain.epochFees)
      chain.advanceEpoch(1_000_000n + BigInt(i) * 1_000n)
    }
  }
  assertSupplyConserved(chain.store, chain.epochFees)
  return { executed, rejected, names }
}

describe('fuzzing the execute entry', () => {
  it(`${ITERATIONS} hostile transactions of every kind: typed rejections or effects, supply conserved at every boundary`, () => {
    const { executed, rejected, names } = fuzz(Number(process.env.CHAIN_FUZZ_SEED ?? 20_251_201), ITERATIONS)
    if (process.env.CHAIN_FUZZ_ITERATIONS !== undefined) console.log({ executed, rejected, names })
    expect(executed).toBeGreaterThan(ITERATIONS / 4)
    expect(rejected).toBeGreaterThan(0)
    expect(names.get('Success') ?? 0).toBeGreaterThan(0)
    expect(names.size).toBeGreaterThan(10)
  })
})
