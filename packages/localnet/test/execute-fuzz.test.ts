/**
 * The execute entry the node uses (`executeTransaction(state, signed)`: one function of
 * (state, tx) → effects) under random and mutated transactions. Kept fast enough for the
 * test suite by three choices:
 * - the state is an in-memory store, and execution never writes: a result is applied to it only
 *   for a share of the inputs, so every other input runs against the same state (a free revert);
 * - an index of live objects by owner is kept from the applied writes (no scan per input);
 * - signatures are real only on a sample (one input in SIGNED_EVERY, verified as the node does);
 *   the rest carry a dummy signature and skip the check, as simulation does.
 * Supply conservation is checked at every epoch boundary and every SUPPLY_EVERY inputs; any
 * exception other than a typed `TransactionRejected` fails the run with its seed and index.
 *
 * `SOMA_EXECUTE_FUZZ_INPUTS` (default 100,000), `SOMA_EXECUTE_FUZZ_MINUTES` (run at least this
 * long: `npm run fuzz -- --target localnet-execute --minutes N`), `SOMA_EXECUTE_FUZZ_SEED`.
 */
import { bcsTypes, encodeBcs } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import {
  SYSTEM_STATE_OBJECT_ID,
  TransactionRejected,
  assertSupplyConserved,
  coinBalance,
  decodeSystemStateShared,
  executeTransaction,
  targetOf,
  type ChainObject,
  type LocalChain,
} from '../src/chain/index.js'
import { FAUCET, USERS, VALIDATOR_KEYS, genesisModel, newChain, refOf, sign, type Ref } from './chain-helpers.js'
import { prng, randomKind } from './fuzz-kinds.js'

// The issue asks for at least 100,000 inputs inside the suite's budget: 1-1.5 ms an input on the
// shared 2-core machine under load, so about two minutes of a suite that must stay under 30.
// `npm run fuzz -- --target localnet-execute --minutes N` runs more.
const INPUTS = Number(process.env.SOMA_EXECUTE_FUZZ_INPUTS ?? 100_000)
const MINUTES = Number(process.env.SOMA_EXECUTE_FUZZ_MINUTES ?? 0)
const SEED = Number(process.env.SOMA_EXECUTE_FUZZ_SEED ?? 20_251_203)
const SIGNED_EVERY = 500
const APPLY_EVERY = 3
const SUPPLY_EVERY = 1_000
const EPOCH_EVERY = Math.max(500, Math.min(5_000, Math.floor(INPUTS / 4)))
/** ULEB(1) ‖ intent [0, 0, 1] before the data; ULEB(1) ‖ ULEB(97) ‖ a 97-byte dummy signature after. */
const ENVELOPE_HEAD = Uint8Array.of(1, 0, 0, 1)
const DUMMY_SIGNATURE = new Uint8Array([1, 97, ...new Uint8Array(97)])

/** A transaction's data in the signed envelope with the dummy signature (checks skipped). */
function wrap(data: Uint8Array): Uint8Array {
  const signed = new Uint8Array(ENVELOPE_HEAD.length + data.length + DUMMY_SIGNATURE.length)
  signed.set(ENVELOPE_HEAD)
  signed.set(data, ENVELOPE_HEAD.length)
  signed.set(DUMMY_SIGNATURE, ENVELOPE_HEAD.length + data.length)
  return signed
}

/** Live objects by id, and coins / staked SOMA by owner, kept in step with the applied writes. */
class LiveIndex {
  readonly objects = new Map<string, ChainObject>()
  private readonly owned = new Map<string, Map<string, ChainObject>>()
  private readonly targetIds = new Set<string>()
  private targetList: string[] | undefined

  constructor(initial: Iterable<ChainObject>) {
    for (const o of initial) this.put(o)
  }

  get targets(): readonly string[] {
    this.targetList ??= [...this.targetIds]
    return this.targetList
  }

  apply(written: readonly ChainObject[], deleted: readonly string[]): void {
    for (const id of deleted) this.remove(id)
    for (const o of written) {
      this.remove(o.id)
      this.put(o)
    }
  }

  ownedBy(address: string, type: ChainObject['type']): ChainObject[] {
    return [...(this.owned.get(address)?.values() ?? [])].filter((o) => o.type === type)
  }

  private put(o: ChainObject): void {
    this.objects.set(o.id, o)
    if (o.type === 'Target' && !this.targetIds.has(o.id)) {
      this.targetIds.add(o.id)
      this.targetList = undefined
    }
    if (o.owner.kind !== 'Address') return
    let mine = this.owned.get(o.owner.address)
    if (mine === undefined) {
      mine = new Map()
      this.owned.set(o.owner.address, mine)
    }
    mine.set(o.id, o)
  }

  private remove(id: string): void {
    const old = this.objects.get(id)
    if (old === undefined) return
    this.objects.delete(id)
    if (this.targetIds.delete(id)) this.targetList = undefined
    if (old.owner.kind === 'Address') this.owned.get(old.owner.address)?.delete(id)
  }
}

function fuzz(seed: number, inputs: number, minutes: number) {
  const chain: LocalChain = newChain(3, 60_000n, [genesisModel(USERS[4]!.toSomaAddress())], 16n)
  const index = new LiveIndex(chain.store.liveObjects())
  const rand = prng(seed)
  const pick = <T,>(list: readonly T[]): T => list[rand(list.length)]!
  const signers = [...USERS, ...VALIDATOR_KEYS.slice(0, 3)]
  const addresses = signers.map((s) => s.toSomaAddress())
  let modelIds: string[] = []
  // The shared decode: the next execution decodes the same bytes, so this costs no second decode.
  const refreshModels = () => {
    modelIds = [...decodeSystemStateShared(chain.store.getObject(SYSTEM_STATE_OBJECT_ID)!.contents).modelRegistry.models.keys()]
  }
  refreshModels()
  const allIds = () => [...index.objects.keys()]
  let ids = allIds()
  const counts = { inputs: 0, executed: 0, rejected: 0, applied: 0, signed: 0, mutated: 0, boundaries: 0, refills: 0 }
  const faucet = FAUCET.toSomaAddress()
  const refill = (address: string) => {
    const source = index.ownedBy(faucet, 'Coin').reduce((a, b) => (coinBalance(a)! >= coinBalance(b)! ? a : b))
    const ref = refOf(source)
    const data = encodeBcs(bcsTypes.TransactionData, {
      V1: { kind: { PayCoins: { coins: [ref], amounts: [1_000n * 10n ** 9n, 1_000n * 10n ** 9n, 1_000n * 10n ** 9n], recipients: [address, address, address] } }, sender: faucet, gasPayment: [ref] },
    })
    const result = executeTransaction(chain.store, wrap(data), { skipSignatureCheck: true })
    expect(result.errorName).toBeUndefined()
    chain.store.applyWrites(result.writes)
    chain.epochFees += result.totalFee
    index.apply(result.writes.written, result.writes.deleted)
  }
  const names = new Map<string, number>()
  const deadline = Date.now() + minutes * 60_000
  let epochTime = 1_000_000n

  const firstModelOf = new WeakMap<ChainObject, string>()
  const targetModel = (o: ChainObject) => {
    let id = firstModelOf.get(o)
    if (id === undefined) {
      id = targetOf(o).modelIds[0]!
      firstModelOf.set(o, id)
    }
    return id
  }
  for (let i = 0; counts.inputs < inputs || Date.now() < deadline; i++) {
    if (i > 4 * inputs && Date.now() >= deadline) throw new Error(`only ${counts.inputs} inputs in ${i} attempts`)
    const s = rand(signers.length)
    const signer = signers[s]!
    const me = addresses[s]!
    let coins = index.ownedBy(me, 'Coin')
    if (coins.length === 0) {
      // Staking whole coins and giving them away drains the signers; the faucet account refills.
      refill(me)
      coins = index.ownedBy(me, 'Coin')
      counts.refills++
    }
    const gas = refOf(pick(coins))
    const coin = refOf(pick(coins))
    const anyObject = index.objects.get(pick(ids))
    if (anyObject === undefined) continue
    const targetObject = index.targets.length > 0 ? index.objects.get(pick(index.targets)) : undefined
    const kind = randomKind({
      rand,
      me,
      gas,
      coin,
      anyObject: refOf(anyObject),
      staked: index.ownedBy(me, 'StakedSoma').map(refOf),
      target: targetObject === undefined ? undefined : { id: targetObject.id, modelId: targetModel(targetObject) },
      modelIds,
      someone: pick(addresses),
    })
    const gasPayment: Ref[] = rand(6) === 0 ? [gas, coin] : [gas]
    const real = counts.inputs % SIGNED_EVERY === 0
    let signed: Uint8Array
    try {
      if (real) {
        signed = sign(signer, kind, gasPayment)
        counts.signed++
      } else {
        let data = encodeBcs(bcsTypes.TransactionData, { V1: { kind, sender: me, gasPayment } })
        const mutation = rand(4)
        if (mutation === 0) {
          data = data.slice()
          for (let f = 0; f < 1 + rand(3); f++) data[rand(data.length)] = rand(256)
        } else if (mutation === 1) {
          data = rand(2) ? data.slice(0, rand(data.length)) : new Uint8Array([...data, ...Array.from({ length: 1 + rand(8) }, () => rand(256))])
        }
        if (mutation <= 1) counts.mutated++
        signed = wrap(data)
      }
    } catch {
      continue // the SDK refused to encode it (e.g. a NaN it cannot write): nothing to send
    }
    counts.inputs++
    try {
      const result = executeTransaction(chain.store, signed, { skipSignatureCheck: !real })
      counts.executed++
      names.set(result.errorName ?? 'Success', (names.get(result.errorName ?? 'Success') ?? 0) + 1)
      if (real || rand(APPLY_EVERY) === 0) {
        chain.store.applyWrites(result.writes)
        chain.epochFees += result.totalFee
        index.apply(result.writes.written, result.writes.deleted)
        if (result.writes.written.some((o) => o.id === SYSTEM_STATE_OBJECT_ID)) refreshModels()
        counts.applied++
      }
    } catch (err) {
      if (!(err instanceof TransactionRejected)) {
        throw new Error(`execute fuzz crashed at input ${i} (seed ${seed}): ${err instanceof Error ? err.stack : String(err)}`)
      }
      counts.rejected++
    }
    if (counts.inputs % SUPPLY_EVERY === 0) assertSupplyConserved(chain.store, chain.epochFees)
    if (counts.inputs % EPOCH_EVERY === 0) {
      epochTime += 60_000n
      const boundary = chain.advanceEpoch(epochTime) // runs the §13 check
      index.apply(boundary.writes.written, boundary.writes.deleted)
      refreshModels()
      ids = allIds()
      counts.boundaries++
    }
  }
  assertSupplyConserved(chain.store, chain.epochFees)
  return { counts, names }
}

describe('execute fuzz (the node’s execute entry, in memory)', () => {
  it(`${INPUTS} random and mutated transactions: typed rejections or effects, never a crash; supply conserved`, () => {
    const started = performance.now()
    const { counts, names } = fuzz(SEED, INPUTS, MINUTES)
    const seconds = (performance.now() - started) / 1000
    console.log(
      `execute fuzz: ${counts.inputs} inputs in ${seconds.toFixed(1)} s (seed ${SEED}): ${counts.executed} executed, ${counts.rejected} rejected, ` +
        `${counts.applied} applied, ${counts.mutated} byte-mutated, ${counts.signed} really signed, ${counts.boundaries} epoch boundaries, ${counts.refills} refills, 0 crashes; ` +
        `outcomes: ${[...names].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')}`,
    )
    expect(counts.inputs).toBeGreaterThanOrEqual(INPUTS)
    expect(counts.rejected).toBeGreaterThan(0)
    expect(names.get('Success') ?? 0).toBeGreaterThan(0)
    expect(names.size).toBeGreaterThan(15)
    expect(counts.signed).toBeGreaterThan(0)
    expect(counts.boundaries).toBeGreaterThan(0)
  }, Math.max(120_000, INPUTS * 10 + MINUTES * 60_000 + 60_000))
})
