/**
 * Random transaction kinds with valid refs and hostile arguments (zero, huge and overflowing
 * amounts, foreign ids, NaN / wrong-shape / empty tensors, oversized manifests, duplicate and
 * foreign coins), shared by the execute fuzzers (chain-fuzz.test.ts, execute-fuzz.test.ts).
 */
import type { bcsTypes } from '@soma-ts/sdk'

import { manifestOf, VALIDATOR_KEYS, type Ref } from './chain-helpers.js'

/** A small deterministic PRNG (xorshift32) so a failure replays: `rand(n)` is in [0, n). */
export function prng(seed: number): (n: number) => number {
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

export interface KindContext {
  readonly rand: (n: number) => number
  readonly me: string
  readonly gas: Ref
  readonly coin: Ref
  /** Any live object (a foreign or wrong-typed argument). */
  readonly anyObject: Ref
  readonly staked: readonly Ref[]
  /** A live target and its first model, when there is one. */
  readonly target: { readonly id: string; readonly modelId: string } | undefined
  readonly modelIds: readonly string[]
  readonly someone: string
}

const AMOUNTS = [0n, 1n, 999n, 1000n, 1_000_000n, 10n ** 9n, 10n ** 15n, 2n ** 63n, 2n ** 64n - 1n]
const FLOATS = [0, 0.5, -1, 1e30, Number.NaN, Number.POSITIVE_INFINITY]

export function randomKind(c: KindContext): typeof bcsTypes.TransactionKind.$inferInput {
  const { rand, me, gas, coin, anyObject, staked, target, someone } = c
  const pick = <T,>(list: readonly T[]): T => list[rand(list.length)]!
  const tensor = () => {
    const n = pick([0, 1, 2, 16, 17])
    const shape = rand(4) === 0 ? [BigInt(n), 1n] : [BigInt(n)]
    return { values: Array.from({ length: n }, () => pick(FLOATS)), shape: rand(8) === 0 ? [] : shape }
  }
  const amount = pick(AMOUNTS)
  const modelId = c.modelIds.length > 0 && rand(5) !== 0 ? pick(c.modelIds) : anyObject.objectId
  const targetId = target !== undefined && rand(5) !== 0 ? target.id : anyObject.objectId
  const validators = VALIDATOR_KEYS.slice(0, 3)
  const kinds = [
    () => ({ TransferCoin: { coin, amount: rand(3) === 0 ? null : amount, recipient: someone } }),
    () => ({ PayCoins: { coins: rand(2) ? [gas, coin] : [coin], amounts: rand(4) === 0 ? null : [amount, pick(AMOUNTS)].slice(0, 1 + rand(2)), recipients: [someone, me].slice(0, 1 + rand(2)) } }),
    () => ({ TransferObjects: { objects: rand(2) ? [coin] : [anyObject], recipient: someone } }),
    () => ({ AddStake: { address: rand(3) ? pick(validators).toSomaAddress() : someone, coinRef: coin, amount: rand(3) === 0 ? null : amount } }),
    () => ({ WithdrawStake: { stakedSoma: staked.length > 0 && rand(4) !== 0 ? pick(staked) : coin } }),
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
        modelId: target !== undefined && rand(3) !== 0 ? target.modelId : modelId,
        embedding: rand(2) ? { values: new Array(16).fill(0), shape: [16n] } : tensor(),
        distanceScore: rand(2) ? { values: [pick(FLOATS)], shape: [1n] } : tensor(),
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
  return pick(kinds)()
}
