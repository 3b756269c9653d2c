/**
 * Target generation and model assignment (reference: `types/src/target.rs`,
 * `types/src/model_selection.rs`, protocol.md §7.1–7.2). The embedding comes from the reference RNG
 * through `@soma-ts/core`; model scores are computed in f32 as burn's NdArray backend does.
 */
import { targetEmbedding, targetSeed } from '@soma-ts/core'
import { digestToBytes } from '@soma-ts/sdk'

import { OBJECT_START_VERSION } from './constants.js'
import { ExecutionFailure } from './errors.js'
import { activeModels } from './models.js'
import { newObject, sharedOwner, targetContents, type ChainObject, type TargetValue } from './objects.js'
import type { SystemStateValue } from './system-state.js'

type TensorValue = TargetValue['embedding']

/** `make_target_seed(tx_digest, n)`: the first 8 bytes of Blake2b256(digest ‖ n LE) as u64 LE. */
export function makeTargetSeed(txDigest: string, creationNum: bigint): bigint {
  return targetSeed(digestToBytes(txDigest), creationNum)
}

const COSINE_EPSILON = Math.fround(1e-8)
const SCORE_EPSILON = Math.fround(1e-10)

function f32Norm(values: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum = Math.fround(sum + Math.fround(values[i]! * values[i]!))
  return Math.fround(Math.sqrt(sum))
}

/** burn's `cosine_similarity`: each norm clamped at 1e-8 separately, all in f32. */
export function cosineDistance(target: ArrayLike<number>, embedding: ArrayLike<number>): number {
  let dot = 0
  for (let i = 0; i < target.length; i++) dot = Math.fround(dot + Math.fround(target[i]! * embedding[i]!))
  const denom = Math.fround(Math.max(f32Norm(target), COSINE_EPSILON) * Math.max(f32Norm(embedding), COSINE_EPSILON))
  return Math.fround(1 - Math.fround(dot / denom))
}

/**
 * `select_models_weighted_knn`: score = cosine distance / (sqrt-stake weight + 1e-10), the k lowest,
 * best first. Equal scores keep ascending ModelId order (burn's argsort is documented as unstable;
 * this is the tie rule protocol.md §7.2 asks for). Models whose embedding has another dimension than
 * the target are left out: the reference asserts and panics on them (§17.6).
 */
export function selectModels(state: SystemStateValue, target: ArrayLike<number>, count: bigint): string[] {
  const candidates = activeModels(state).filter(({ model }) => model.embedding.values.length === target.length && model.embedding.shape.length === 1)
  if (candidates.length === 0) throw new ExecutionFailure({ NoActiveModels: null })
  const k = Number(count < BigInt(candidates.length) ? count : BigInt(candidates.length))
  const roots = candidates.map(({ model }) => Math.sqrt(Number(model.stakingPool.somaBalance)))
  const totalRoot = roots.reduce((a, b) => a + b, 0)
  const weights = roots.map((r) => (totalRoot === 0 ? Math.fround(1 / candidates.length) : Math.fround(r / totalRoot)))
  const scored = candidates.map(({ id, model }, i) => ({
    id,
    index: i,
    score: Math.fround(cosineDistance(target, model.embedding.values) / Math.fround(weights[i]! + SCORE_EPSILON)),
  }))
  scored.sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.index - b.index))
  return scored.slice(0, k).map((s) => s.id)
}

/** `generate_target`: a standard-normal embedding of the target dimension, its models, the current threshold and reward. */
export function generateTarget(state: SystemStateValue, seed: bigint, epoch: bigint): TargetValue {
  if (activeModels(state).length === 0) throw new ExecutionFailure({ NoActiveModels: null })
  const dim = Number(state.parameters.targetEmbeddingDim)
  const values = targetEmbedding(seed, dim)
  const embedding: TensorValue = { values: Array.from(values), shape: [BigInt(dim)] }
  return {
    embedding,
    modelIds: selectModels(state, values, state.parameters.targetModelsPerTarget),
    distanceThreshold: state.targetState.distanceThreshold,
    rewardPool: state.targetState.rewardPerTarget,
    generationEpoch: epoch,
    status: { $kind: 'Open', Open: true },
    submitter: null,
    winningModelId: null,
    winningModelOwner: null,
    bondAmount: 0n,
    winningDataManifest: null,
    winningEmbedding: null,
    winningDistanceScore: null,
    winningLossScore: null,
    submissionReports: [],
  }
}

/** A new Target object: shared with `initial_shared_version` 1 (`TARGET_OBJECT_SHARED_VERSION`). */
export function newTargetObject(id: string, target: TargetValue, txDigest: string): ChainObject {
  return newObject(id, 'Target', sharedOwner(OBJECT_START_VERSION), targetContents(target), txDigest)
}

/** The V3+ per-epoch budget check of spawn-on-fill and the boundary loop. */
export function withinTargetBudget(state: SystemStateValue): boolean {
  const reward = state.targetState.rewardPerTarget
  const budget = (state.emissionPool.emissionPerEpoch * state.parameters.targetRewardAllocationBps) / 10_000n
  const spent = state.targetState.targetsGeneratedThisEpoch * reward
  return spent + reward <= budget
}
