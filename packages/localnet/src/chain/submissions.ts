/**
 * SubmitData, ClaimRewards and (Undo)ReportSubmission (reference:
 * `authority/src/execution/submission.rs`, protocol.md §5.5, §9).
 */
import type { bcsTypes } from '@soma-ts/sdk'

import { QUORUM_THRESHOLD, SYSTEM_STATE_OBJECT_ID } from './constants.js'
import { ExecutionFailure } from './errors.js'
import { activeModels } from './models.js'
import { addressOwner, coinBalance, coinContents, newObject, targetContents, targetOf, withContents, type ChainObject, type TargetValue } from './objects.js'
import { decodeSystemStateCopy, encodeSystemStateContents, findActiveValidator, type SystemStateValue } from './system-state.js'
import { generateTarget, makeTargetSeed, newTargetObject, withinTargetBudget } from './targets.js'
import type { TemporaryStore } from './temporary-store.js'

type Kind = typeof bcsTypes.TransactionKind.$inferType
type SubmitDataArgs = typeof bcsTypes.SubmitDataArgs.$inferType

function bpsMul(amount: bigint, bps: bigint): bigint {
  return (amount * bps) / 10_000n
}

function load(store: TemporaryStore, targetId: string): { systemObject: ChainObject; state: SystemStateValue; targetObject: ChainObject; target: TargetValue } {
  const systemObject = store.readObject(SYSTEM_STATE_OBJECT_ID)
  if (systemObject === undefined) throw new ExecutionFailure({ ObjectNotFound: { objectId: SYSTEM_STATE_OBJECT_ID } })
  const targetObject = store.readObject(targetId)
  if (targetObject === undefined || targetObject.type !== 'Target') throw new ExecutionFailure({ TargetNotFound: null })
  return { systemObject, state: decodeSystemStateCopy(systemObject.contents), targetObject, target: targetOf(targetObject) }
}

function createCoin(store: TemporaryStore, amount: bigint, owner: string): void {
  store.createObject(newObject(store.nextObjectId(), 'Coin', addressOwner(owner), coinContents(amount), store.txDigest))
}

export function submissionValueFee(store: TemporaryStore, kind: Kind): bigint {
  if (kind.$kind !== 'ClaimRewards') return 0n
  const object = store.readObjectForFee(kind.ClaimRewards.targetId)
  if (object === undefined || object.type !== 'Target') return 0n
  let reward: bigint
  try {
    reward = targetOf(object).rewardPool
  } catch {
    return 0n
  }
  return reward === 0n ? 0n : bpsMul(reward, store.fees.valueFeeBps / 2n)
}

export function executeSubmission(store: TemporaryStore, signer: string, kind: Kind): void {
  switch (kind.$kind) {
    case 'SubmitData':
      return submitData(store, signer, kind.SubmitData)
    case 'ClaimRewards':
      return claimRewards(store, signer, kind.ClaimRewards.targetId)
    case 'ReportSubmission':
      return reportSubmission(store, signer, kind.ReportSubmission.targetId, true)
    case 'UndoReportSubmission':
      return reportSubmission(store, signer, kind.UndoReportSubmission.targetId, false)
    default:
      throw new ExecutionFailure({ InvalidTransactionType: null })
  }
}

function submitData(store: TemporaryStore, signer: string, args: SubmitDataArgs): void {
  const { systemObject, state, targetObject, target } = load(store, args.targetId)
  const epoch = state.epoch
  if (target.status.Open === undefined) throw new ExecutionFailure({ TargetNotOpen: null })
  if (epoch > target.generationEpoch) throw new ExecutionFailure({ TargetExpired: { generationEpoch: target.generationEpoch, currentEpoch: epoch } })
  if (!target.modelIds.includes(args.modelId)) throw new ExecutionFailure({ ModelNotInTarget: { modelId: args.modelId, targetId: args.targetId } })
  const expected = BigInt(target.embedding.values.length)
  const actual = BigInt(args.embedding.values.length)
  if (actual !== expected) throw new ExecutionFailure({ EmbeddingDimensionMismatch: { expected, actual } })
  // `as_scalar` panics on a shape other than [1] (§17.7); here that is InvalidArguments. A NaN
  // distance passes the `>` comparison, as in the reference.
  const score = args.distanceScore
  if (score.shape.length !== 1 || score.shape[0] !== 1n) {
    throw new ExecutionFailure({ InvalidArguments: { reason: 'distance_score must be a scalar (shape [1])' } })
  }
  if (Math.fround(score.values[0]!) > Math.fround(target.distanceThreshold.values[0]!)) {
    throw new ExecutionFailure({ DistanceExceedsThreshold: { score, threshold: target.distanceThreshold } })
  }
  const size = args.dataManifest.manifest.V1.metadata.V1.size
  const maxSize = state.parameters.maxSubmissionDataSize
  if (size > maxSize) throw new ExecutionFailure({ DataExceedsMaxSize: { size, maxSize } })
  const bond = size * state.parameters.submissionBondPerByte
  if (bond > 0xffff_ffff_ffff_ffffn) throw new ExecutionFailure({ ArithmeticOverflow: null })
  const bondCoin = store.readObject(args.bondCoin.objectId)
  if (bondCoin === undefined || store.isDeleted(args.bondCoin.objectId)) throw new ExecutionFailure({ ObjectNotFound: { objectId: args.bondCoin.objectId } })
  if (bondCoin.owner.kind !== 'Address' || bondCoin.owner.address !== signer) {
    throw new ExecutionFailure({
      InvalidOwnership: { objectId: bondCoin.id, expectedOwner: signer, actualOwner: bondCoin.owner.kind === 'Address' ? bondCoin.owner.address : null },
    })
  }
  const balance = coinBalance(bondCoin)
  if (balance === undefined) {
    throw new ExecutionFailure({ InvalidObjectType: { objectId: bondCoin.id, expectedType: { Coin: null }, actualType: { [bondCoin.type]: null } as { Coin: null } } })
  }
  if (balance < bond) throw new ExecutionFailure({ InsufficientBond: { required: bond, provided: balance } })
  if (balance === bond && store.gasObjectId !== bondCoin.id) store.deleteInputObject(bondCoin.id)
  else store.mutateInputObject(withContents(bondCoin, coinContents(balance - bond)))

  target.status = { $kind: 'Filled', Filled: { fillEpoch: epoch } }
  target.submitter = signer
  target.winningModelId = args.modelId
  const model = state.modelRegistry.models.get(args.modelId)?.V1.Active
  if (model === undefined) throw new ExecutionFailure({ ModelNotActive: null })
  target.winningModelOwner = model.owner
  target.bondAmount = bond
  target.winningDataManifest = args.dataManifest
  target.winningEmbedding = args.embedding
  target.winningDistanceScore = args.distanceScore
  target.winningLossScore = args.lossScore
  state.targetState.hitsThisEpoch += 1n
  store.nextCreationNum() // creation number 0 is consumed on purpose, as in the reference

  // Spawn-on-fill.
  const reward = state.targetState.rewardPerTarget
  if (activeModels(state).length > 0 && state.emissionPool.balance >= reward && withinTargetBudget(state)) {
    state.emissionPool.balance -= reward
    const seed = makeTargetSeed(store.txDigest, store.nextCreationNum())
    const spawned = generateTarget(state, seed, epoch)
    state.targetState.targetsGeneratedThisEpoch += 1n
    store.createObject(newTargetObject(store.nextObjectId(), spawned, store.txDigest))
  }
  store.mutateInputObject(withContents(targetObject, targetContents(target)))
  store.mutateInputObject(withContents(systemObject, encodeSystemStateContents(state)))
}

function claimRewards(store: TemporaryStore, signer: string, targetId: string): void {
  const { systemObject, state, target } = load(store, targetId)
  const epoch = state.epoch
  const p = state.parameters
  if (target.status.Claimed !== undefined) throw new ExecutionFailure({ TargetAlreadyClaimed: null })
  const reward = target.rewardPool
  if (target.status.Filled !== undefined) {
    const fillEpoch = target.status.Filled.fillEpoch
    if (epoch <= fillEpoch + 1n) throw new ExecutionFailure({ AuditWindowOpen: { fillEpoch, currentEpoch: epoch } })
    const bond = target.bondAmount
    const submitter = target.submitter
    if (submitter === null) throw new ExecutionFailure({ TargetNotFilled: null })
    let power = 0n
    const reporters: string[] = []
    for (const reporter of target.submissionReports) {
      const v = findActiveValidator(state.validators, reporter)
      if (v !== undefined) {
        power += v.votingPower
        reporters.push(reporter)
      }
    }
    if (target.submissionReports.length > 0 && power >= QUORUM_THRESHOLD) {
      if (reporters.length > 0 && bond > 0n) {
        const each = bond / BigInt(reporters.length)
        const rest = bond % BigInt(reporters.length)
        reporters.forEach((r, i) => {
          const amount = i === 0 ? each + rest : each
          if (amount > 0n) createCoin(store, amount, r)
        })
      }
      // §17.2: the reference returns the whole reward to the pool AND mints the claimer's 0.5%,
      // creating SOMA. Here the claimer's share comes out of the reward; the rest returns.
      const claimer = bpsMul(reward, p.targetClaimerIncentiveBps)
      state.emissionPool.balance += reward - claimer
      if (claimer > 0n) createCoin(store, claimer, signer)
    } else {
      if (reward > 0n) {
        const submitterShare = bpsMul(reward, p.targetSubmitterRewardShareBps)
        const modelShare = bpsMul(reward, p.targetModelRewardShareBps)
        const claimerShare = bpsMul(reward, p.targetClaimerIncentiveBps)
        const remainder = reward - submitterShare - modelShare - claimerShare
        if (remainder < 0n) throw new ExecutionFailure({ ArithmeticOverflow: null })
        const submitterTotal = submitterShare + remainder
        if (submitterTotal > 0n) createCoin(store, submitterTotal, submitter)
        if (modelShare > 0n) {
          // With no owner recorded the model's share has nowhere to go; it returns to the pool
          // instead of vanishing (the reference drops it).
          if (target.winningModelOwner !== null) createCoin(store, modelShare, target.winningModelOwner)
          else state.emissionPool.balance += modelShare
        }
        if (claimerShare > 0n) createCoin(store, claimerShare, signer)
      }
      if (bond > 0n) createCoin(store, bond, submitter)
    }
  } else {
    if (epoch <= target.generationEpoch) throw new ExecutionFailure({ TargetNotFilled: null })
    if (reward > 0n) {
      const claimer = bpsMul(reward, p.targetClaimerIncentiveBps)
      state.emissionPool.balance += reward - claimer
      if (claimer > 0n) createCoin(store, claimer, signer)
    }
  }
  store.deleteInputObject(targetId)
  store.mutateInputObject(withContents(systemObject, encodeSystemStateContents(state)))
}

/** Only the Target is written; the SystemState is read, and written later without a charge. */
function reportSubmission(store: TemporaryStore, signer: string, targetId: string, report: boolean): void {
  const { state, targetObject, target } = load(store, targetId)
  if (findActiveValidator(state.validators, signer) === undefined) throw new ExecutionFailure({ NotAValidator: null })
  if (target.status.Open !== undefined) throw new ExecutionFailure({ TargetNotFilled: null })
  if (target.status.Claimed !== undefined) throw new ExecutionFailure({ TargetAlreadyClaimed: null })
  const fillEpoch = target.status.Filled!.fillEpoch
  if (state.epoch !== fillEpoch + 1n) throw new ExecutionFailure({ AuditWindowClosed: { fillEpoch, currentEpoch: state.epoch } })
  const reports = new Set(target.submissionReports)
  if (report) reports.add(signer)
  else if (!reports.delete(signer)) throw new ExecutionFailure({ ReportRecordNotFound: null })
  target.submissionReports = [...reports].sort()
  store.mutateInputObject(withContents(targetObject, targetContents(target)))
}
