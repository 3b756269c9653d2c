import { bcsTypes, decodeBcs, deserializeSignedTransaction } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import { SYSTEM_STATE_OBJECT_ID, TransactionRejected, assertSupplyConserved, decodeSystemStateContents, executeTransaction, targetOf, type LocalChain } from '../src/chain/index.js'
import { USERS, VALIDATOR_KEYS, genesisModel, manifestOf, newChain, refOf, sign } from './chain-helpers.js'

/** A small deterministic PRNG (xorshift32) so a failure replays. */
function prng(seed: number) {
  let x = seed >>> 0 || 1
  return (n: number) => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % n
  }
}

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
  const amounts = [0n, 1n, 999n, 1000n, 1_000_000n, 10n ** 9n, 10n ** 15n, 2n ** 63n, 2n ** 64n - 1n]
  const floats = [0, 0.5, -1, 1e30, Number.NaN, Number.POSITIVE_INFINITY]
  const tensor = () => {
    const n = pick([0, 1, 2, 16, 17])
    const shape = rand(4) === 0 ? [BigInt(n), 1n] : [BigInt(n)]
    return { values: Array.from({ length: n }, () => pick(floats)), shape: rand(8) === 0 ? [] : shape }
  }
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
    const modelId = models.length > 0 && rand(5) !== 0 ? pick(models) : anyObject.id
    const targetId = target !== undefined && rand(5) !== 0 ? target.object.id : anyObject.id
    const someone = pick(signers).toSomaAddress()
    const amount = pick(amounts)
    const kinds = [
      () => ({ TransferCoin: { coin, amount: rand(3) === 0 ? null : amount, recipient: someone } }),
      () => ({ PayCoins: { coins: rand(2) ? [gas, coin] : [coin], amounts: rand(4) === 0 ? null : [amount, pick(amounts)].slice(0, 1 + rand(2)), recipients: [someone, me].slice(0, 1 + rand(2)) } }),
      () => ({ TransferObjects: { objects: rand(2) ? [coin] : [refOf(anyObject)], recipient: someone } }),
      () => ({ AddStake: { address: rand(3) ? pick(VALIDATOR_KEYS.slice(0, 3)).toSomaAddress() : someone, coinRef: coin, amount: rand(3) === 0 ? null : amount } }),
      () => ({ WithdrawStake: { stakedSoma: staked.length > 0 && rand(4) !== 0 ? refOf(pick(staked)) : coin } }),
      () => ({ CreateModel: { stakeAmount: amount, commissionRate: pick([0n, 10_000n, 10_001n]), architectureVersion: pick([1n, 2n]) } }),
      () => ({ CommitModel: { modelId, manifest: manifestOf(amount), weightsCommitment: new Uint8Array(32), embeddingCommitment: new Uint8Array(32), decryptionKeyCommitment: new Uint8Array(32) } }),
      () => ({ RevealModel: { modelId, decryptionKey: new Uint8Array(32), embedding: tensor() } }),
      () => ({ AddStakeToModel: { modelId, coinRef: coin, amount: rand(3) === 0 ? null : amount } }),
      () => ({ SetModelCommissionRate: { modelId, newRate: pick([0n, 10_001n]) } }),
      () => ({ DeactivateModel: { modelId } }),
      () => ({ ReportModel: { modelId } }),
      () => ({ UndoReportModel: { modelId } }),
      () => ({
        SubmitData: {
          targetId,
          dataManifest: { manifest: manifestOf(pick([0n, 1n, 1024n, 1_048_577n, 2n ** 63n])) },
          modelId: target !== undefined && rand(3) !== 0 ? target.target.modelIds[0]! : modelId,
          embedding: rand(2) ? { values: new Array(16).fill(0), shape: [16n] } : tensor(),
          distanceScore: rand(2) ? { values: [pick(floats)], shape: [1n] } : tensor(),
          lossScore: tensor(),
          bondCoin: rand(2) ? gas : coin,
        },
      }),
      () => ({ ClaimRewards: { targetId } }),
      () => ({ ReportSubmission: { targetId } }),
      () => ({ UndoReportSubmission: { targetId } }),
      () => ({ ReportValidator: { reportee: someone } }),
      () => ({ UndoReportValidator: { reportee: someone } }),
      () => ({ SetCommissionRate: { newRate: pick([0n, 500n, 10_001n]) } }),
      () => ({ RemoveValidator: { pubkeyBytes: new Uint8Array(rand(4)) } }),
      () => ({
        AddValidator: {
          pubkeyBytes: new Uint8Array(96),
          networkPubkeyBytes: new Uint8Array(32),
          workerPubkeyBytes: new Uint8Array(32),
          proofOfPossession: new Uint8Array(48),
          netAddress: new Uint8Array([3, 1, 2, 3]),
          p2pAddress: new Uint8Array(),
          primaryAddress: new Uint8Array(),
          proxyAddress: new Uint8Array(),
        },
      }),
      () => ({
        UpdateValidatorMetadata: {
          nextEpochNetworkAddress: rand(2) ? new Uint8Array([4, 47, 120, 47, 49]) : null,
          nextEpochP2pAddress: null,
          nextEpochPrimaryAddress: null,
          nextEpochProxyAddress: null,
          nextEpochProtocolPubkey: rand(2) ? new Uint8Array(96) : null,
          nextEpochWorkerPubkey: rand(2) ? new Uint8Array(32) : null,
          nextEpochNetworkPubkey: null,
          nextEpochProofOfPossession: null,
        },
      }),
    ]
    let signed: Uint8Array
    try {
      signed = sign(signer, pick(kinds)(), rand(6) === 0 ? [gas, coin] : [gas])
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
