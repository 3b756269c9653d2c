/**
 * The SystemState object's contents as the SDK decodes them (`SystemStateV1`), and the validator-set
 * rules that act on it (reference: `types/src/system_state/{mod,validator}.rs`). Values are mutated
 * in place on a private decoded copy; the executor re-encodes it into the object.
 */
import { bcsTypes, decodeBcs, encodeBcs } from '@soma-ts/sdk'

import {
  MAX_VOTING_POWER,
  QUORUM_THRESHOLD,
  TOTAL_VOTING_POWER,
  VALIDATOR_CONSENSUS_LOW_POWER,
  VALIDATOR_CONSENSUS_MIN_POWER,
  VALIDATOR_CONSENSUS_VERY_LOW_POWER,
} from './constants.js'
import { ExecutionFailure } from './errors.js'
import type { StakedSomaValue } from './objects.js'
import {
  activatePool,
  deactivatePool,
  depositRewards,
  isPreactive,
  processPendingStake,
  processPendingWithdraw,
  requestAddStake,
  requestWithdrawStake,
  saturatingSub,
} from './staking-pool.js'

export type SystemStateValue = typeof bcsTypes.SystemStateV1.$inferType
export type ValidatorValue = typeof bcsTypes.Validator.$inferType
export type ValidatorSetValue = typeof bcsTypes.ValidatorSet.$inferType

export function decodeSystemStateContents(contents: Uint8Array): SystemStateValue {
  return decodeBcs(bcsTypes.SystemState, contents).V1!
}

/**
 * The last SystemState decoded, keyed by its exact bytes: decoding it is most of the cost of a
 * simple transaction, and consecutive transactions mostly see the same bytes.
 */
let lastDecoded: { contents: Uint8Array; value: SystemStateValue } | undefined

/** A shared, read-only decode of the contents (never mutate it; use `decodeSystemStateCopy`). */
export function decodeSystemStateShared(contents: Uint8Array): SystemStateValue {
  const last = lastDecoded
  if (last !== undefined && equalBytes(last.contents, contents)) return last.value
  const value = decodeSystemStateContents(contents)
  lastDecoded = { contents: contents.slice(), value }
  return value
}

/** A private decode of the contents that the caller may mutate (a deep copy of the shared one). */
export function decodeSystemStateCopy(contents: Uint8Array): SystemStateValue {
  return structuredClone(decodeSystemStateShared(contents))
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function encodeSystemStateContents(state: SystemStateValue): Uint8Array {
  return encodeBcs(bcsTypes.SystemState, { V1: state })
}

/** Active first, then pending (`find_validator_with_pending_mut`). */
export function findValidatorWithPending(set: ValidatorSetValue, address: string): ValidatorValue | undefined {
  return set.validators.find((v) => v.metadata.somaAddress === address) ?? set.pendingValidators.find((v) => v.metadata.somaAddress === address)
}

export function findActiveValidator(set: ValidatorSetValue, address: string): ValidatorValue | undefined {
  return set.validators.find((v) => v.metadata.somaAddress === address)
}

/** `Validator::request_add_stake`: activates next epoch; a preactive (pending validator) pool processes at once. */
export function validatorRequestAddStake(validator: ValidatorValue, stake: bigint, currentEpoch: bigint): StakedSomaValue {
  const staked = requestAddStake(validator.stakingPool, stake, currentEpoch + 1n)
  if (isPreactive(validator.stakingPool)) processPendingStake(validator.stakingPool)
  validator.nextEpochStake += stake
  return staked
}

/** `SystemStateV1::request_add_stake` (AddStake). */
export function requestAddStakeToValidator(state: SystemStateValue, address: string, amount: bigint): StakedSomaValue {
  const validator = findValidatorWithPending(state.validators, address)
  if (validator === undefined) throw new ExecutionFailure({ ValidatorNotFound: null })
  if (amount === 0n) throw new ExecutionFailure({ InvalidArguments: { reason: 'Stake amount cannot be 0!' } })
  const staked = validatorRequestAddStake(validator, amount, state.epoch)
  state.validators.stakingPoolMappings.set(staked.poolId, address)
  return staked
}

/** `SystemStateV1::request_withdraw_stake`: validator pools (active, pending, inactive), then model pools. */
export function requestWithdrawStakeFromState(state: SystemStateValue, staked: StakedSomaValue): bigint {
  const address = state.validators.stakingPoolMappings.get(staked.poolId)
  if (address !== undefined) {
    const validator = findValidatorWithPending(state.validators, address)
    // Routed by address, as the reference does; a re-registered address owns a different pool, and
    // the reference's assert would panic there (§17.16): fall through to the inactive pool instead.
    if (validator !== undefined && validator.stakingPool.id === staked.poolId) {
      const amount = requestWithdrawStake(validator.stakingPool, staked, state.epoch)
      validator.nextEpochStake = saturatingSub(validator.nextEpochStake, amount)
      return amount
    }
    const inactive = state.validators.inactiveValidators.get(staked.poolId)
    if (inactive !== undefined) {
      const amount = requestWithdrawStake(inactive.stakingPool, staked, state.epoch)
      inactive.nextEpochStake = saturatingSub(inactive.nextEpochStake, amount)
      return amount
    }
  }
  const modelId = state.modelRegistry.stakingPoolMappings.get(staked.poolId)
  if (modelId !== undefined) {
    const model = state.modelRegistry.models.get(modelId)
    if (model !== undefined) {
      const inner = model.V1!
      const body = (inner.Created ?? inner.Pending ?? inner.Active ?? inner.Inactive)!
      const amount = requestWithdrawStake(body.stakingPool, staked, state.epoch)
      if (inner.Active !== undefined) {
        state.modelRegistry.totalModelStake = saturatingSub(state.modelRegistry.totalModelStake, amount)
      }
      return amount
    }
  }
  throw new ExecutionFailure({ StakingPoolNotFound: null })
}

// ---- voting power -----------------------------------------------------------------------------

export function totalActiveStake(set: ValidatorSetValue): bigint {
  return set.validators.reduce((sum, v) => sum + v.stakingPool.somaBalance, 0n)
}

function compareAddresses(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** `set_voting_power`: stake-proportional, capped, the remainder spread in stake order. */
export function setVotingPower(set: ValidatorSetValue): void {
  const total = totalActiveStake(set)
  set.totalStake = total
  if (total === 0n) return
  const n = BigInt(set.validators.length)
  const ceil = (TOTAL_VOTING_POWER + n - 1n) / n
  const threshold = ceil < MAX_VOTING_POWER ? MAX_VOTING_POWER : ceil > TOTAL_VOTING_POWER ? TOTAL_VOTING_POWER : ceil
  const sorted = [...set.validators].sort((a, b) => {
    const byStake = b.stakingPool.somaBalance - a.stakingPool.somaBalance
    if (byStake !== 0n) return byStake > 0n ? 1 : -1
    return compareAddresses(a.metadata.somaAddress, b.metadata.somaAddress)
  })
  let assigned = 0n
  for (const v of sorted) {
    const fraction = (v.stakingPool.somaBalance * TOTAL_VOTING_POWER) / total
    v.votingPower = fraction < threshold ? fraction : threshold
    assigned += v.votingPower
  }
  const remaining = saturatingSub(TOTAL_VOTING_POWER, assigned)
  if (remaining > 0n) {
    const each = remaining / n
    const leftover = remaining % n
    sorted.forEach((v, i) => {
      v.votingPower += each + (BigInt(i) < leftover ? 1n : 0n)
    })
  }
}

export function votingPowerOf(set: ValidatorSetValue, addresses: Iterable<string>): bigint {
  let sum = 0n
  for (const address of addresses) {
    const v = findActiveValidator(set, address)
    if (v !== undefined) sum += v.votingPower
  }
  return sum
}

function rawVotingPower(stake: bigint, total: bigint): bigint {
  return total === 0n ? 0n : (stake * TOTAL_VOTING_POWER) / total
}

// ---- the validator half of advance_epoch ------------------------------------------------------

/**
 * `ValidatorSet::advance_epoch` (steps V1–V9 of §6). `allocation` is what validators may receive;
 * the return holds what is left of it and the commission stakes to mint as StakedSoma objects.
 */
export function advanceValidatorSet(
  state: SystemStateValue,
  newEpoch: bigint,
  allocation: bigint,
  rewardSlashingRateBps: bigint,
  gracePeriod: bigint,
): { remaining: bigint; commissions: Map<string, StakedSomaValue> } {
  const set = state.validators
  const records = state.validatorReportRecords
  const commissions = new Map<string, StakedSomaValue>()
  let remaining = allocation

  // V1 rewards.
  const totalPower = set.validators.reduce((sum, v) => sum + v.votingPower, 0n)
  if (totalPower > 0n) {
    const unadjusted = set.validators.map((v) => (v.votingPower * allocation) / totalPower)
    const slashed = new Set<string>()
    for (const [reportee, reporters] of records) {
      if (findActiveValidator(set, reportee) !== undefined && votingPowerOf(set, reporters) >= QUORUM_THRESHOLD) slashed.add(reportee)
    }
    const slashedPower = votingPowerOf(set, slashed)
    const adjustments = new Map<number, bigint>()
    let totalAdjustment = 0n
    set.validators.forEach((v, i) => {
      if (!slashed.has(v.metadata.somaAddress)) return
      const adj = (unadjusted[i]! * rewardSlashingRateBps) / 10_000n
      adjustments.set(i, adj)
      totalAdjustment += adj
    })
    const unslashedPower = totalPower - slashedPower
    let distributed = 0n
    set.validators.forEach((v, i) => {
      const adj = adjustments.get(i)
      const reward =
        adj !== undefined
          ? saturatingSub(unadjusted[i]!, adj)
          : unadjusted[i]! + (unslashedPower === 0n ? 0n : (totalAdjustment * v.votingPower) / unslashedPower)
      const commission = (reward * v.commissionRate) / 10_000n
      if (commission > 0n) commissions.set(v.metadata.somaAddress, validatorRequestAddStake(v, commission, newEpoch - 1n))
      const stakerReward = reward - commission
      if (stakerReward > 0n) {
        v.nextEpochStake += stakerReward
        depositRewards(v.stakingPool, stakerReward)
      }
      distributed += reward
    })
    remaining = saturatingSub(remaining, distributed)
  }

  // V2 commission rates.
  for (const v of set.validators) v.commissionRate = v.nextEpochCommissionRate

  // V3 active pools, V4 pending-validator pools.
  for (const v of set.validators) {
    processPendingWithdraw(v.stakingPool)
    processPendingStake(v.stakingPool)
    v.stakingPool.exchangeRates.set(newEpoch, { somaAmount: v.stakingPool.somaBalance, poolTokenAmount: v.stakingPool.poolTokenBalance })
  }
  for (const v of set.pendingValidators) {
    processPendingWithdraw(v.stakingPool)
    processPendingStake(v.stakingPool)
  }

  // V5 pending removals, highest index first.
  const removals = [...new Set(set.pendingRemovals)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (const index of removals.reverse()) {
    if (index < BigInt(set.validators.length)) {
      const [removed] = set.validators.splice(Number(index), 1)
      departValidator(state, removed!, newEpoch)
    }
  }
  set.pendingRemovals = []

  // V6 transitions: low stake out (from the last index down, swap_remove), pending validators in.
  const base = totalActiveStake(set) + set.pendingValidators.reduce((s, v) => s + v.stakingPool.somaBalance, 0n)
  for (let i = set.validators.length - 1; i >= 0; i--) {
    const v = set.validators[i]!
    const address = v.metadata.somaAddress
    const power = rawVotingPower(v.stakingPool.somaBalance, base)
    if (power >= VALIDATOR_CONSENSUS_LOW_POWER) {
      set.atRiskValidators.delete(address)
    } else if (power >= VALIDATOR_CONSENSUS_VERY_LOW_POWER) {
      const period = (set.atRiskValidators.get(address) ?? 0n) + 1n
      set.atRiskValidators.set(address, period)
      if (period > gracePeriod) departValidator(state, swapRemove(set.validators, i), newEpoch)
    } else {
      departValidator(state, swapRemove(set.validators, i), newEpoch)
    }
  }
  for (let i = 0; i < set.pendingValidators.length; ) {
    const v = set.pendingValidators[i]!
    if (rawVotingPower(v.stakingPool.somaBalance, base) >= VALIDATOR_CONSENSUS_MIN_POWER) {
      activatePool(v.stakingPool, newEpoch)
      set.pendingValidators.splice(i, 1)
      set.validators.push(v)
    } else {
      i++
    }
  }

  // V7 total stake; V9 voting power (V8, staged metadata, is applied by the caller: epoch.ts).
  set.totalStake = totalActiveStake(set)
  setVotingPower(set)
  return { remaining, commissions }
}

function swapRemove<T>(list: T[], index: number): T {
  const item = list[index]!
  const last = list.pop()!
  if (index < list.length) list[index] = last
  return item
}

/** `process_validator_departure`: the pool stays withdrawable under `inactive_validators`. */
function departValidator(state: SystemStateValue, validator: ValidatorValue, newEpoch: bigint): void {
  const address = validator.metadata.somaAddress
  state.validators.atRiskValidators.delete(address)
  state.validatorReportRecords.delete(address)
  for (const [reportee, reporters] of [...state.validatorReportRecords]) {
    const kept = reporters.filter((r) => r !== address)
    if (kept.length === 0) state.validatorReportRecords.delete(reportee)
    else state.validatorReportRecords.set(reportee, kept)
  }
  deactivatePool(validator.stakingPool, newEpoch)
  state.validators.inactiveValidators.set(validator.stakingPool.id, validator)
}
