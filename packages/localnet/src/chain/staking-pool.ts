/**
 * Staking pool math (reference: `types/src/system_state/staking.rs`), on the SDK's decoded
 * `StakingPool` value, mutated in place. u64 arithmetic in bigint; u128 intermediates are exact.
 */
import type { bcsTypes } from '@soma-ts/sdk'

import { ExecutionFailure } from './errors.js'
import type { StakedSomaValue } from './objects.js'

export type StakingPool = typeof bcsTypes.StakingPool.$inferType
interface ExchangeRate {
  somaAmount: bigint
  poolTokenAmount: bigint
}

export function newStakingPool(id: string): StakingPool {
  return {
    id,
    activationEpoch: null,
    deactivationEpoch: null,
    somaBalance: 0n,
    rewardsPool: 0n,
    poolTokenBalance: 0n,
    exchangeRates: new Map(),
    pendingStake: 0n,
    pendingTotalSomaWithdraw: 0n,
    pendingPoolTokenWithdraw: 0n,
  }
}

export const isPreactive = (pool: StakingPool): boolean => pool.activationEpoch === null
export const isInactive = (pool: StakingPool): boolean => pool.deactivationEpoch !== null

export function activatePool(pool: StakingPool, epoch: bigint): void {
  pool.activationEpoch = epoch
  pool.exchangeRates.set(epoch, { somaAmount: pool.somaBalance, poolTokenAmount: pool.poolTokenBalance })
}

export function deactivatePool(pool: StakingPool, epoch: bigint): void {
  pool.deactivationEpoch = epoch
}

/**
 * `request_add_stake`. The reference asserts (panics) on a zero amount or an inactive pool; every
 * caller checks both first, and the assert becomes a typed failure here in case one does not.
 */
export function requestAddStake(pool: StakingPool, stake: bigint, activationEpoch: bigint): StakedSomaValue {
  if (stake <= 0n) throw new ExecutionFailure({ InvalidArguments: { reason: 'Stake amount cannot be 0!' } })
  if (isInactive(pool)) throw new ExecutionFailure({ InvalidArguments: { reason: 'Staking pool is inactive' } })
  pool.pendingStake += stake
  return { poolId: pool.id, stakeActivationEpoch: activationEpoch, principal: stake }
}

export function processPendingStake(pool: StakingPool): void {
  const rate = { somaAmount: pool.somaBalance, poolTokenAmount: pool.poolTokenBalance }
  pool.somaBalance += pool.pendingStake
  if (pool.somaBalance === pool.pendingStake && pool.poolTokenBalance === 0n) {
    pool.poolTokenBalance = pool.pendingStake
  } else {
    pool.poolTokenBalance = tokenAmount(rate, pool.somaBalance)
  }
  pool.pendingStake = 0n
}

export function processPendingWithdraw(pool: StakingPool): void {
  pool.somaBalance = saturatingSub(pool.somaBalance, pool.pendingTotalSomaWithdraw)
  pool.poolTokenBalance = saturatingSub(pool.poolTokenBalance, pool.pendingPoolTokenWithdraw)
  pool.pendingTotalSomaWithdraw = 0n
  pool.pendingPoolTokenWithdraw = 0n
}

export function processPendingStakesAndWithdraws(pool: StakingPool, epoch: bigint): void {
  processPendingWithdraw(pool)
  processPendingStake(pool)
  pool.exchangeRates.set(epoch, { somaAmount: pool.somaBalance, poolTokenAmount: pool.poolTokenBalance })
}

export function depositRewards(pool: StakingPool, amount: bigint): void {
  pool.somaBalance += amount
  pool.rewardsPool += amount
}

export function tokenAmount(rate: ExchangeRate, soma: bigint): bigint {
  if (rate.somaAmount === 0n || rate.poolTokenAmount === 0n) return soma
  return (rate.poolTokenAmount * soma) / rate.somaAmount
}

export function somaAmount(rate: ExchangeRate, tokens: bigint): bigint {
  if (rate.somaAmount === 0n || rate.poolTokenAmount === 0n) return tokens
  return (rate.somaAmount * tokens) / rate.poolTokenAmount
}

export function exchangeRateAt(pool: StakingPool, epoch: bigint): ExchangeRate {
  const zero = { somaAmount: 0n, poolTokenAmount: 0n }
  if (pool.activationEpoch === null || epoch < pool.activationEpoch) return zero
  let e = pool.deactivationEpoch !== null && pool.deactivationEpoch < epoch ? pool.deactivationEpoch : epoch
  for (; e >= pool.activationEpoch; e--) {
    const rate = pool.exchangeRates.get(e)
    if (rate !== undefined) return rate
    if (e === 0n) break
  }
  return zero
}

/**
 * `request_withdraw_stake`. Two reference defects are fixed here (docs/deviations.md):
 * - stake not yet active in a *preactive* pool was already processed into the balance, so
 *   `pending_stake -= principal` underflows (§17.5); it is taken back out of the balance instead;
 * - the pool-id assert panics on a StakedSoma routed to another pool (§17.16); that is a typed failure;
 * - a slashed pool would pay out more than it holds (§17.3); the payout is capped at what is left.
 */
export function requestWithdrawStake(pool: StakingPool, staked: StakedSomaValue, currentEpoch: bigint): bigint {
  if (staked.poolId !== pool.id) throw new ExecutionFailure({ StakingPoolNotFound: null })
  if (staked.stakeActivationEpoch > currentEpoch) {
    if (pool.pendingStake >= staked.principal) {
      pool.pendingStake -= staked.principal
    } else {
      const tokens = tokenAmount({ somaAmount: pool.somaBalance, poolTokenAmount: pool.poolTokenBalance }, staked.principal)
      pool.somaBalance = saturatingSub(pool.somaBalance, staked.principal)
      pool.poolTokenBalance = saturatingSub(pool.poolTokenBalance, tokens)
    }
    return staked.principal
  }
  const tokens = tokenAmount(exchangeRateAt(pool, staked.stakeActivationEpoch), staked.principal)
  const value = somaAmount(exchangeRateAt(pool, currentEpoch), tokens)
  let reward = saturatingSub(value, staked.principal)
  if (reward > pool.rewardsPool) reward = pool.rewardsPool
  pool.rewardsPool -= reward
  // A slashed pool holds less than its stakers' principal (§17.3); the reference pays the principal
  // anyway and the pool balance underflows. Here a withdrawal never takes more than the pool has left.
  let total = staked.principal + reward
  const left = saturatingSub(pool.somaBalance, pool.pendingTotalSomaWithdraw)
  if (total > left) total = left
  pool.pendingTotalSomaWithdraw += total
  pool.pendingPoolTokenWithdraw += tokens
  if (isInactive(pool)) processPendingWithdraw(pool)
  return total
}

export function saturatingSub(a: bigint, b: bigint): bigint {
  return a > b ? a - b : 0n
}
