/**
 * The supply-conservation invariant (reference: `check_soma_conservation`, protocol.md §13): coins,
 * targets' reward pools and bonds, the emission pool, the safe-mode accumulators and every staking
 * pool (validators active, pending and inactive, and models) add up to the total supply. The driver
 * runs it after every epoch boundary, and a persistent store runs it after every restart.
 */
import { TOTAL_SUPPLY_SHANNONS, SYSTEM_STATE_OBJECT_ID } from './constants.js'
import { ChainInvariantError } from './errors.js'
import { coinBalance, targetOf } from './objects.js'
import type { ObjectReader } from './store.js'
import { decodeSystemStateContents } from './system-state.js'

export interface SupplyBreakdown {
  readonly coins: bigint
  readonly targets: bigint
  readonly emissionPool: bigint
  readonly safeMode: bigint
  readonly stakingPools: bigint
  readonly total: bigint
}

export function supplyBreakdown(state: ObjectReader): SupplyBreakdown {
  let coins = 0n
  let targets = 0n
  for (const object of state.liveObjects()) {
    if (object.type === 'Coin') coins += coinBalance(object)!
    else if (object.type === 'Target') {
      const target = targetOf(object)
      targets += target.rewardPool + target.bondAmount
    }
  }
  const systemObject = state.getObject(SYSTEM_STATE_OBJECT_ID)
  if (systemObject === undefined) throw new ChainInvariantError('the SystemState object is missing')
  const system = decodeSystemStateContents(systemObject.contents)
  let stakingPools = 0n
  const pools = [
    ...system.validators.validators,
    ...system.validators.pendingValidators,
    ...system.validators.inactiveValidators.values(),
  ].map((v) => v.stakingPool)
  for (const model of system.modelRegistry.models.values()) {
    const inner = model.V1!
    pools.push((inner.Created ?? inner.Pending ?? inner.Active ?? inner.Inactive)!.stakingPool)
  }
  // A withdrawal is paid out at once but leaves the pool at the next boundary (where the reference
  // runs this check and the pending amount is 0), so it is subtracted to make the check hold between boundaries too.
  for (const pool of pools) stakingPools += pool.somaBalance + pool.pendingStake - pool.pendingTotalSomaWithdraw
  const emissionPool = system.emissionPool.balance
  const safeMode = system.safeModeAccumulatedFees + system.safeModeAccumulatedEmissions
  return { coins, targets, emissionPool, safeMode, stakingPools, total: coins + targets + emissionPool + safeMode + stakingPools }
}

export class SupplyConservationError extends ChainInvariantError {
  override readonly name = 'SupplyConservationError'
  constructor(readonly breakdown: SupplyBreakdown) {
    super(`supply is ${breakdown.total} shannons, not ${TOTAL_SUPPLY_SHANNONS} (${JSON.stringify(breakdown, (_, v) => (typeof v === 'bigint' ? v.toString() : v))})`)
  }
}

/**
 * Throws `SupplyConservationError` unless the supply adds up. `unreturnedFees` are the fees burned
 * since the last epoch boundary, which come back through the next ChangeEpoch.
 */
export function assertSupplyConserved(state: ObjectReader, unreturnedFees = 0n): SupplyBreakdown {
  const breakdown = supplyBreakdown(state)
  if (breakdown.total + unreturnedFees !== TOTAL_SUPPLY_SHANNONS) throw new SupplyConservationError(breakdown)
  return breakdown
}
