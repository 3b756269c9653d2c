/**
 * The model registry rules (reference: `types/src/system_state/mod.rs` model functions and
 * `advance_epoch_models`, protocol.md §5.4, §6 step 13, §8), on the decoded SystemState.
 */
import { bcsTypes, blake2b256Js, digestToBytes, encodeBcs } from '@soma-ts/sdk'

import { BPS_DENOMINATOR, QUORUM_THRESHOLD } from './constants.js'
import { ExecutionFailure } from './errors.js'
import type { StakedSomaValue } from './objects.js'
import {
  isPreactive,
  newStakingPool,
  processPendingStake,
  processPendingStakesAndWithdraws,
  processPendingWithdraw,
  requestAddStake,
  saturatingSub,
  type StakingPool,
} from './staking-pool.js'
import { findActiveValidator, votingPowerOf, type SystemStateValue } from './system-state.js'

export type ModelValue = typeof bcsTypes.Model.$inferType
type ModelState = ModelValue['V1']
export type ActiveModelValue = typeof bcsTypes.ActiveModel.$inferType
type ManifestValue = typeof bcsTypes.Manifest.$inferType
type TensorValue = typeof bcsTypes.SomaTensor.$inferType

export type ModelStateName = 'Created' | 'Pending' | 'Active' | 'Inactive'

export function modelStateName(model: ModelValue): ModelStateName {
  return model.V1.$kind
}

/** The common head of every model state (owner, pool, commission). */
export function modelBody(model: ModelValue) {
  const s = model.V1
  return (s.Created ?? s.Pending ?? s.Active ?? s.Inactive)!
}

function wrap(kind: ModelStateName, body: object): ModelValue {
  return { $kind: 'V1', V1: { $kind: kind, [kind]: body } as unknown as ModelState }
}

function getModel(state: SystemStateValue, modelId: string): ModelValue {
  const model = state.modelRegistry.models.get(modelId)
  if (model === undefined) throw new ExecutionFailure({ ModelNotFound: null })
  return model
}

/** `request_create_model`: a preactive pool with the stake processed at once, the model Created. */
export function requestCreateModel(
  state: SystemStateValue,
  owner: string,
  modelId: string,
  architectureVersion: bigint,
  stake: bigint,
  commissionRate: bigint,
  poolId: string,
): StakedSomaValue {
  if (commissionRate > BPS_DENOMINATOR) throw new ExecutionFailure({ ModelCommissionRateTooHigh: null })
  const pool = newStakingPool(poolId)
  const staked = requestAddStake(pool, stake, state.epoch + 1n)
  processPendingStake(pool)
  state.modelRegistry.models.set(
    modelId,
    wrap('Created', { owner, architectureVersion, stakingPool: pool, commissionRate, nextEpochCommissionRate: commissionRate, createEpoch: state.epoch }),
  )
  state.modelRegistry.stakingPoolMappings.set(poolId, modelId)
  return staked
}

export function requestCommitModel(
  state: SystemStateValue,
  signer: string,
  modelId: string,
  manifest: ManifestValue,
  weightsCommitment: string,
  embeddingCommitment: string,
  decryptionKeyCommitment: string,
): void {
  const model = getModel(state, modelId)
  const s = model.V1
  if (s.Created !== undefined) {
    if (s.Created.owner !== signer) throw new ExecutionFailure({ NotModelOwner: null })
    const c = s.Created
    state.modelRegistry.models.set(
      modelId,
      wrap('Pending', {
        owner: c.owner,
        architectureVersion: c.architectureVersion,
        stakingPool: c.stakingPool,
        commissionRate: c.commissionRate,
        nextEpochCommissionRate: c.nextEpochCommissionRate,
        manifest,
        weightsCommitment,
        embeddingCommitment,
        decryptionKeyCommitment,
        commitEpoch: state.epoch,
      }),
    )
    return
  }
  if (s.Active !== undefined) {
    if (s.Active.owner !== signer) throw new ExecutionFailure({ NotModelOwner: null })
    s.Active.pendingUpdate = { manifest, weightsCommitment, embeddingCommitment, decryptionKeyCommitment, commitEpoch: state.epoch }
    return
  }
  throw new ExecutionFailure({ ModelInvalidState: null })
}

/** Blake2b256(bcs(embedding)) and Blake2b256(key bytes), the two reveal checks. */
export function embeddingCommitmentOf(embedding: TensorValue): Uint8Array {
  return blake2b256Js(encodeBcs(bcsTypes.SomaTensor, embedding))
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function verifyReveal(decryptionKey: string, embedding: TensorValue, keyCommitment: string, embeddingCommitment: string): void {
  if (!bytesEqual(blake2b256Js(digestToBytes(decryptionKey)), digestToBytes(keyCommitment))) {
    throw new ExecutionFailure({ ModelDecryptionKeyCommitmentMismatch: null })
  }
  if (!bytesEqual(embeddingCommitmentOf(embedding), digestToBytes(embeddingCommitment))) {
    throw new ExecutionFailure({ ModelEmbeddingCommitmentMismatch: null })
  }
}

export function requestRevealModel(state: SystemStateValue, signer: string, modelId: string, decryptionKey: string, embedding: TensorValue): void {
  const model = getModel(state, modelId)
  const s = model.V1
  if (s.Pending !== undefined) {
    const p = s.Pending
    if (p.owner !== signer) throw new ExecutionFailure({ NotModelOwner: null })
    if (state.epoch !== p.commitEpoch + 1n) throw new ExecutionFailure({ ModelRevealEpochMismatch: null })
    verifyReveal(decryptionKey, embedding, p.decryptionKeyCommitment, p.embeddingCommitment)
    const pool = p.stakingPool
    pool.activationEpoch = state.epoch
    pool.exchangeRates.set(state.epoch, { somaAmount: pool.somaBalance, poolTokenAmount: pool.poolTokenBalance })
    state.modelRegistry.models.set(
      modelId,
      wrap('Active', {
        owner: p.owner,
        architectureVersion: p.architectureVersion,
        stakingPool: pool,
        commissionRate: p.commissionRate,
        nextEpochCommissionRate: p.nextEpochCommissionRate,
        manifest: p.manifest,
        weightsCommitment: p.weightsCommitment,
        embeddingCommitment: p.embeddingCommitment,
        decryptionKeyCommitment: p.decryptionKeyCommitment,
        decryptionKey,
        embedding,
        pendingUpdate: null,
      }),
    )
    state.modelRegistry.totalModelStake += pool.somaBalance
    return
  }
  if (s.Active !== undefined) {
    const a = s.Active
    if (a.owner !== signer) throw new ExecutionFailure({ NotModelOwner: null })
    const pending = a.pendingUpdate
    if (pending === null) throw new ExecutionFailure({ ModelNoPendingUpdate: null })
    if (state.epoch !== pending.commitEpoch + 1n) throw new ExecutionFailure({ ModelRevealEpochMismatch: null })
    verifyReveal(decryptionKey, embedding, pending.decryptionKeyCommitment, pending.embeddingCommitment)
    a.manifest = pending.manifest
    a.weightsCommitment = pending.weightsCommitment
    a.embeddingCommitment = pending.embeddingCommitment
    a.decryptionKeyCommitment = pending.decryptionKeyCommitment
    a.embedding = embedding
    a.decryptionKey = decryptionKey
    a.pendingUpdate = null
    return
  }
  throw new ExecutionFailure({ ModelInvalidState: null })
}

/**
 * `request_add_stake_to_model`. On a timed-out Created model (pool deactivated) the reference's
 * pool assert panics (§17.4, §17.15); here that is `ModelAlreadyInactive`.
 */
export function requestAddStakeToModel(state: SystemStateValue, modelId: string, amount: bigint): StakedSomaValue {
  if (amount === 0n) throw new ExecutionFailure({ InvalidArguments: { reason: 'Stake amount cannot be 0!' } })
  const model = getModel(state, modelId)
  if (model.V1.Inactive !== undefined) throw new ExecutionFailure({ ModelAlreadyInactive: null })
  const pool = modelBody(model).stakingPool
  if (pool.deactivationEpoch !== null) throw new ExecutionFailure({ ModelAlreadyInactive: null })
  const staked = requestAddStake(pool, amount, state.epoch + 1n)
  if (isPreactive(pool)) processPendingStake(pool)
  if (model.V1.Active !== undefined) state.modelRegistry.totalModelStake += amount
  state.modelRegistry.stakingPoolMappings.set(staked.poolId, modelId)
  return staked
}

export function requestSetModelCommissionRate(state: SystemStateValue, signer: string, modelId: string, newRate: bigint): void {
  if (newRate > BPS_DENOMINATOR) throw new ExecutionFailure({ ModelCommissionRateTooHigh: null })
  const active = getModel(state, modelId).V1.Active
  if (active === undefined) throw new ExecutionFailure({ ModelNotActive: null })
  if (active.owner !== signer) throw new ExecutionFailure({ NotModelOwner: null })
  active.nextEpochCommissionRate = newRate
}

function toInactive(a: ActiveModelValue): ModelValue {
  return wrap('Inactive', {
    owner: a.owner,
    architectureVersion: a.architectureVersion,
    stakingPool: a.stakingPool,
    commissionRate: a.commissionRate,
    nextEpochCommissionRate: a.nextEpochCommissionRate,
    manifest: a.manifest,
    weightsCommitment: a.weightsCommitment,
    embeddingCommitment: a.embeddingCommitment,
    decryptionKeyCommitment: a.decryptionKeyCommitment,
    decryptionKey: a.decryptionKey,
    embedding: a.embedding,
  })
}

export function requestDeactivateModel(state: SystemStateValue, signer: string, modelId: string): void {
  const active = getModel(state, modelId).V1.Active
  if (active === undefined) throw new ExecutionFailure({ ModelNotActive: null })
  if (active.owner !== signer) throw new ExecutionFailure({ NotModelOwner: null })
  state.modelRegistry.totalModelStake = saturatingSub(state.modelRegistry.totalModelStake, active.stakingPool.somaBalance)
  active.stakingPool.deactivationEpoch = state.epoch
  state.modelRegistry.models.set(modelId, toInactive(active))
  state.modelRegistry.modelReportRecords.delete(modelId)
}

function isActiveModel(state: SystemStateValue, modelId: string): boolean {
  return state.modelRegistry.models.get(modelId)?.V1.Active !== undefined
}

export function reportModel(state: SystemStateValue, reporter: string, modelId: string): void {
  if (findActiveValidator(state.validators, reporter) === undefined) throw new ExecutionFailure({ NotAValidator: null })
  if (!isActiveModel(state, modelId)) throw new ExecutionFailure({ ModelNotActive: null })
  const reporters = new Set(state.modelRegistry.modelReportRecords.get(modelId) ?? [])
  reporters.add(reporter)
  state.modelRegistry.modelReportRecords.set(modelId, [...reporters].sort())
}

export function undoReportModel(state: SystemStateValue, reporter: string, modelId: string): void {
  if (findActiveValidator(state.validators, reporter) === undefined) throw new ExecutionFailure({ NotAValidator: null })
  if (!isActiveModel(state, modelId)) throw new ExecutionFailure({ ModelNotActive: null })
  const reporters = state.modelRegistry.modelReportRecords.get(modelId)
  if (reporters === undefined || !reporters.includes(reporter)) throw new ExecutionFailure({ ReportRecordNotFound: null })
  const kept = reporters.filter((r) => r !== reporter)
  if (kept.length === 0) state.modelRegistry.modelReportRecords.delete(modelId)
  else state.modelRegistry.modelReportRecords.set(modelId, kept)
}

/**
 * A slash. The reference lowers `soma_balance` and sends the amount nowhere, so supply shrinks
 * (§17.3). Here the slashed amount returns to the emission pool. (Withdrawals still pay the full
 * principal as the reference does, but never more than the pool holds: `requestWithdrawStake`.)
 */
function slash(state: SystemStateValue, pool: StakingPool, rateBps: bigint, newEpoch: bigint): void {
  // Stake already withdrawn this epoch (paid out, leaving at M6) is not slashed again: the reference
  // slashes the whole balance and the withdrawal then underflows it, minting the difference.
  const held = saturatingSub(pool.somaBalance, pool.pendingTotalSomaWithdraw)
  const amount = (held * rateBps) / BPS_DENOMINATOR
  pool.somaBalance = saturatingSub(pool.somaBalance, amount)
  pool.deactivationEpoch = newEpoch
  state.emissionPool.balance += amount
}

/** `advance_epoch_models` (M1–M7). */
export function advanceEpochModels(state: SystemStateValue, newEpoch: bigint): void {
  const registry = state.modelRegistry
  const prev = newEpoch - 1n
  const p = state.parameters
  // M1 tally.
  for (const [modelId, reporters] of registry.modelReportRecords) {
    const active = registry.models.get(modelId)?.V1.Active
    if (active === undefined || votingPowerOf(state.validators, reporters) < QUORUM_THRESHOLD) continue
    const original = active.stakingPool.somaBalance
    slash(state, active.stakingPool, p.modelTallySlashRateBps, newEpoch)
    registry.totalModelStake = saturatingSub(registry.totalModelStake, original)
    registry.models.set(modelId, toInactive(active))
  }
  registry.modelReportRecords = new Map()
  // M2 Created timeout: stays Created with a deactivated pool (and is slashed again at every later boundary, as in the reference).
  for (const model of registry.models.values()) {
    const c = model.V1.Created
    if (c !== undefined && c.createEpoch + 1n < newEpoch) slash(state, c.stakingPool, p.modelRevealSlashRateBps, newEpoch)
  }
  // M3 Pending reveal timeout.
  for (const [modelId, model] of registry.models) {
    const pending = model.V1.Pending
    if (pending === undefined || pending.commitEpoch >= prev) continue
    slash(state, pending.stakingPool, p.modelRevealSlashRateBps, newEpoch)
    registry.models.set(
      modelId,
      wrap('Inactive', {
        owner: pending.owner,
        architectureVersion: pending.architectureVersion,
        stakingPool: pending.stakingPool,
        commissionRate: pending.commissionRate,
        nextEpochCommissionRate: pending.nextEpochCommissionRate,
        manifest: pending.manifest,
        weightsCommitment: pending.weightsCommitment,
        embeddingCommitment: pending.embeddingCommitment,
        decryptionKeyCommitment: pending.decryptionKeyCommitment,
        decryptionKey: new Uint8Array(32),
        embedding: { values: [], shape: [0n] },
      }),
    )
  }
  // M4 stale pending updates, M5 commission, M6 pools, M7 total.
  for (const model of registry.models.values()) {
    const a = model.V1.Active
    if (a !== undefined && a.pendingUpdate !== null && a.pendingUpdate.commitEpoch < prev) a.pendingUpdate = null
  }
  for (const model of registry.models.values()) {
    const a = model.V1.Active
    if (a !== undefined) a.commissionRate = a.nextEpochCommissionRate
  }
  let total = 0n
  for (const model of registry.models.values()) {
    const s = model.V1
    if (s.Active !== undefined) {
      processPendingStakesAndWithdraws(s.Active.stakingPool, newEpoch)
      total += s.Active.stakingPool.somaBalance
    } else if (s.Pending !== undefined || s.Created !== undefined) {
      const pool = (s.Pending ?? s.Created)!.stakingPool
      processPendingWithdraw(pool)
      processPendingStake(pool)
    }
  }
  registry.totalModelStake = total
}

/** Active models in ascending id order, with their embeddings and stakes (the k-NN candidates). */
export function activeModels(state: SystemStateValue): { id: string; model: ActiveModelValue }[] {
  return [...state.modelRegistry.models.entries()]
    .filter(([, m]) => m.V1.Active !== undefined)
    .map(([id, m]) => ({ id, model: m.V1.Active! }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

