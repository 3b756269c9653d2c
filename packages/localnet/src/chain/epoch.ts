/**
 * The epoch boundary: `ChangeEpochExecutor` and `SystemStateV1::advance_epoch`, in the reference's
 * order (protocol.md §6), and safe mode (§12).
 */
import type { bcsTypes } from '@soma-ts/sdk'

import { BPS_DENOMINATOR, REWARD_SLASHING_RATE_BPS, SYSTEM_STATE_OBJECT_ID, U64_MAX, VALIDATOR_LOW_STAKE_GRACE_PERIOD } from './constants.js'
import { ExecutionFailure } from './errors.js'
import { addressOwner, newObject, stakedSomaContents, withContents, type StakedSomaValue } from './objects.js'
import { deriveObjectId } from '@soma-ts/sdk'

import { activeModels, advanceEpochModels } from './models.js'
import { generateTarget, makeTargetSeed, newTargetObject, withinTargetBudget } from './targets.js'
import { advanceValidatorSet, decodeSystemStateContents, decodeSystemStateCopy, encodeSystemStateContents, type SystemStateValue } from './system-state.js'
import type { TemporaryStore } from './temporary-store.js'
import { effectuateStagedMetadata } from './validators.js'

type ChangeEpochArgs = typeof bcsTypes.ChangeEpoch.$inferType

const EMBEDDING_DISTANCE_STD = Math.fround(0.022)
const V5_MIN_Z_STEP = Math.fround(2.0)

function saturatingAdd(a: bigint, b: bigint): bigint {
  const sum = a + b
  return sum > U64_MAX ? U64_MAX : sum
}

export function executeChangeEpoch(store: TemporaryStore, args: ChangeEpochArgs): void {
  const object = store.readObject(SYSTEM_STATE_OBJECT_ID)
  if (object === undefined) throw new ExecutionFailure({ ObjectNotFound: { objectId: SYSTEM_STATE_OBJECT_ID } })
  const state = decodeSystemStateCopy(object.contents)
  let commissions: Map<string, StakedSomaValue>
  try {
    commissions = advanceEpoch(state, args)
  } catch (err) {
    if (!(err instanceof ExecutionFailure)) throw err
    // The executor's backup: safe mode starts again from the state before the failed advance.
    const restored = decodeSystemStateContents(object.contents)
    advanceEpochSafeMode(restored, args)
    store.mutateInputObject(withContents(object, encodeSystemStateContents(restored)))
    return
  }
  // (i) commission stakes become StakedSoma objects, in address order.
  for (const address of [...commissions.keys()].sort()) {
    store.createObject(newObject(store.nextObjectId(), 'StakedSoma', addressOwner(address), stakedSomaContents(commissions.get(address)!), store.txDigest))
  }
  // (ii) the new epoch's targets.
  issueEpochTargets(store, state)
  store.mutateInputObject(withContents(object, encodeSystemStateContents(state)))
}

/**
 * Up to `target_initial_targets_per_epoch` targets for the new epoch. The loop stops when the pool
 * cannot fund one, when the epoch budget is spent, or when generation fails (no usable model).
 */
function issueEpochTargets(store: TemporaryStore, state: SystemStateValue): void {
  if (activeModels(state).length === 0) return
  for (let i = 0n; i < state.parameters.targetInitialTargetsPerEpoch; i++) {
    const reward = state.targetState.rewardPerTarget
    if (state.emissionPool.balance < reward || !withinTargetBudget(state)) break
    const creationNum = store.nextCreationNum()
    let target
    try {
      target = generateTarget(state, makeTargetSeed(store.txDigest, creationNum), state.epoch)
    } catch (err) {
      if (err instanceof ExecutionFailure) break
      throw err
    }
    state.emissionPool.balance -= reward
    state.targetState.targetsGeneratedThisEpoch += 1n
    store.createObject(newTargetObject(deriveObjectId(store.txDigest, creationNum), target, store.txDigest))
  }
}

/** `advance_epoch`; returns the commission stakes per validator address. */
export function advanceEpoch(state: SystemStateValue, args: ChangeEpochArgs) {
  // 1.
  if (args.epoch !== state.epoch + 1n) throw new ExecutionFailure({ AdvancedToWrongEpoch: null })
  // 2.
  let extra = 0n
  if (state.safeMode) {
    extra = saturatingAdd(state.safeModeAccumulatedFees, state.safeModeAccumulatedEmissions)
    state.safeModeAccumulatedFees = 0n
    state.safeModeAccumulatedEmissions = 0n
    state.safeMode = false
  }
  // 3.
  const prevStart = state.epochStartTimestampMs
  state.epochStartTimestampMs = args.epochStartTimestampMs
  // 4–5. The protocol version never changes on this network (always V5), so parameters stay.
  if (args.protocolVersion !== state.protocolVersion) {
    throw new ExecutionFailure({ InvalidArguments: { reason: `protocol version ${args.protocolVersion} is not supported` } })
  }
  // 6.
  let totalRewards = saturatingAdd(args.fees, extra)
  if (args.epochStartTimestampMs >= prevStart + state.parameters.epochDurationMs) {
    const pool = state.emissionPool
    const emitted = pool.balance < pool.emissionPerEpoch ? pool.balance : pool.emissionPerEpoch
    pool.balance -= emitted
    totalRewards = saturatingAdd(totalRewards, emitted)
  }
  // 7.
  adjustValueFee(state, args.fees)
  // 8.
  state.epoch = args.epoch
  // 9.
  const allocation = (totalRewards * state.parameters.validatorRewardAllocationBps) / BPS_DENOMINATOR
  state.emissionPool.balance = saturatingAdd(state.emissionPool.balance, totalRewards - allocation)
  // 10. (the version is unchanged, see 4)
  // 11.
  advanceEpochTargets(state)
  // 12.
  const { remaining, commissions } = advanceValidatorSet(state, args.epoch, allocation, REWARD_SLASHING_RATE_BPS, VALIDATOR_LOW_STAKE_GRACE_PERIOD)
  // V8 (staged metadata) runs after V9 here; voting power does not read metadata, so the result is the same.
  effectuateStagedMetadata(state)
  // 13.
  advanceEpochModels(state, args.epoch)
  // 14.
  state.emissionPool.balance = saturatingAdd(state.emissionPool.balance, remaining)
  return commissions
}

/** `adjust_value_fee` (§4): integer steps toward the fee target, clamped. */
export function adjustValueFee(state: SystemStateValue, fees: bigint): void {
  const p = state.parameters
  const v = p.valueFeeBps
  const ratio = (fees * BPS_DENOMINATOR) / p.targetEpochFeeCollection
  const maxStep = (v * p.feeAdjustmentRateBps) / BPS_DENOMINATOR
  if (ratio > BPS_DENOMINATOR) {
    const up = (v * (ratio - BPS_DENOMINATOR)) / BPS_DENOMINATOR
    const next = v + (up < maxStep ? up : maxStep)
    p.valueFeeBps = next > p.maxValueFeeBps ? p.maxValueFeeBps : next
  } else {
    const down = (v * (BPS_DENOMINATOR - ratio)) / BPS_DENOMINATOR
    const step = down < maxStep ? down : maxStep
    const next = v > step ? v - step : 0n
    p.valueFeeBps = next < p.minValueFeeBps ? p.minValueFeeBps : next
  }
}

/** `advance_epoch_targets`: difficulty, counters, reward per target (V3+ formula). */
export function advanceEpochTargets(state: SystemStateValue): void {
  adjustDifficulty(state)
  const t = state.targetState
  t.targetsGeneratedThisEpoch = 0n
  t.hitsThisEpoch = 0n
  const p = state.parameters
  const budget = (p.targetRewardAllocationBps * state.emissionPool.emissionPerEpoch) / BPS_DENOMINATOR
  t.rewardPerTarget = budget / (p.targetHitsPerEpoch > 0n ? p.targetHitsPerEpoch : 1n)
}

/** `adjust_difficulty` for V5: f32 z-score steps of at least MIN_Z_STEP, clamped. */
export function adjustDifficulty(state: SystemStateValue): void {
  const t = state.targetState
  const p = state.parameters
  if (t.hitsEma === 0n) t.hitsEma = t.hitsThisEpoch
  else t.hitsEma = (p.targetHitsEmaDecayBps * t.hitsEma + (BPS_DENOMINATOR - p.targetHitsEmaDecayBps) * t.hitsThisEpoch) / BPS_DENOMINATOR
  if (t.hitsEma === 0n) return
  const f = Math.fround
  const threshold = f(t.distanceThreshold.values[0]!)
  let z = f(f(1 - threshold) / EMBEDDING_DISTANCE_STD)
  const rate = f(Number(p.targetDifficultyAdjustmentRateBps) / 10000)
  const raw = f(Math.abs(z) * rate)
  const step = raw > V5_MIN_Z_STEP ? raw : V5_MIN_Z_STEP
  if (t.hitsEma > p.targetHitsPerEpoch) z = f(z + step)
  else if (t.hitsEma < p.targetHitsPerEpoch) z = f(z - step)
  const zMin = f(f(1 - f(p.targetMaxDistanceThreshold.values[0]!)) / EMBEDDING_DISTANCE_STD)
  const zMax = f(f(1 - f(p.targetMinDistanceThreshold.values[0]!)) / EMBEDDING_DISTANCE_STD)
  if (z < zMin) z = zMin
  if (z > zMax) z = zMax
  t.distanceThreshold = { values: [f(1 - f(EMBEDDING_DISTANCE_STD * z))], shape: [1n] }
}

/** `advance_epoch_safe_mode` (§12): only the epoch, timestamp and accumulators move. */
export function advanceEpochSafeMode(state: SystemStateValue, args: ChangeEpochArgs): void {
  state.safeMode = true
  state.epoch = args.epoch
  state.epochStartTimestampMs = args.epochStartTimestampMs
  state.safeModeAccumulatedFees = saturatingAdd(state.safeModeAccumulatedFees, args.fees)
  const pool = state.emissionPool
  const emitted = pool.balance < pool.emissionPerEpoch ? pool.balance : pool.emissionPerEpoch
  pool.balance -= emitted
  state.safeModeAccumulatedEmissions = saturatingAdd(state.safeModeAccumulatedEmissions, emitted)
}

