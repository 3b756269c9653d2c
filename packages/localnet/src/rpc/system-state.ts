/**
 * The chain's `SystemStateV1` as `soma.rpc.SystemState`, filled field by field as the reference's
 * `TryFrom<types::system_state::SystemState> for SystemState` does (`rpc/src/utils/rpc_proto_conversions.rs`).
 * Clients rebuild the Rust value from it with the inverse conversion, which requires nearly every
 * field, so nothing may be left out. Text follows the Rust `Display` of each type: a `SomaAddress`
 * is 64 hex digits without `0x` (validator and model owners, reporters, address map keys), an
 * `ObjectID` is `0x` + 64 hex (pool ids, model ids); tensors that hold one number become a float.
 */
import { create } from '@bufbuild/protobuf'
import { digestToBytes, type bcsTypes } from '@soma-ts/sdk'
import {
  EmissionPoolSchema,
  ModelRegistrySchema,
  ModelSchema,
  PoolTokenExchangeRateSchema,
  ReporterSetSchema,
  StakingPoolSchema,
  SystemParametersSchema,
  SystemStateSchema,
  TargetStateSchema,
  ValidatorSchema,
  ValidatorSetSchema,
  type Model,
  type ReporterSet,
  type StakingPool,
  type SystemState,
  type Validator,
} from '@soma-ts/sdk/generated/soma/rpc/system_state_pb'
import { ManifestSchema, PendingModelUpdateSchema, type Manifest } from '@soma-ts/sdk/generated/soma/rpc/transaction_pb'

import type { SystemStateValue, ValidatorValue } from '../chain/system-state.js'

type StakingPoolValue = typeof bcsTypes.StakingPool.$inferType
type ModelValue = typeof bcsTypes.Model.$inferType
type ManifestValue = typeof bcsTypes.Manifest.$inferType
type TensorValue = { values: number[] }

/**
 * `SomaAddress`'s Display: 64 hex digits, no `0x` (the chain keeps `0x` + 64). Also `ObjectID::to_hex`,
 * which is the same text. The reference node writes addresses and object ids so where it converts
 * straight from its types (wire.md §8.3); `ObjectID` Display keeps the `0x`.
 */
export function addressText(address: string): string {
  return address.slice(2)
}

/** `SomaTensor::as_scalar`: the first value. */
function scalar(tensor: TensorValue): number {
  return tensor.values[0] ?? 0
}

function reporterSets(records: Map<string, readonly string[]>, keyText: (key: string) => string): { [key: string]: ReporterSet } {
  const out: { [key: string]: ReporterSet } = {}
  for (const [key, reporters] of records) out[keyText(key)] = create(ReporterSetSchema, { reporters: reporters.map(addressText) })
  return out
}

function stakingPoolToProto(pool: StakingPoolValue): StakingPool {
  const exchangeRates: StakingPool['exchangeRates'] = {}
  for (const [epoch, rate] of pool.exchangeRates) {
    exchangeRates[epoch.toString()] = create(PoolTokenExchangeRateSchema, { somaAmount: rate.somaAmount, poolTokenAmount: rate.poolTokenAmount })
  }
  return create(StakingPoolSchema, {
    id: pool.id,
    ...(pool.activationEpoch !== null ? { activationEpoch: pool.activationEpoch } : {}),
    ...(pool.deactivationEpoch !== null ? { deactivationEpoch: pool.deactivationEpoch } : {}),
    somaBalance: pool.somaBalance,
    rewardsPool: pool.rewardsPool,
    poolTokenBalance: pool.poolTokenBalance,
    exchangeRates,
    pendingStake: pool.pendingStake,
    pendingTotalSomaWithdraw: pool.pendingTotalSomaWithdraw,
    pendingPoolTokenWithdraw: pool.pendingPoolTokenWithdraw,
  })
}

function validatorToProto(validator: ValidatorValue): Validator {
  const m = validator.metadata
  const optional = <K extends string, V>(key: K, value: V | null) => (value !== null ? ({ [key]: value } as Record<K, V>) : {})
  return create(ValidatorSchema, {
    somaAddress: addressText(m.somaAddress),
    protocolPubkey: m.protocolPubkey,
    networkPubkey: m.networkPubkey,
    workerPubkey: m.workerPubkey,
    netAddress: m.netAddress,
    p2pAddress: m.p2pAddress,
    primaryAddress: m.primaryAddress,
    // An empty multiaddr is sent as no proxy address.
    ...(m.proxyAddress !== '' ? { proxyAddress: m.proxyAddress } : {}),
    votingPower: validator.votingPower,
    commissionRate: validator.commissionRate,
    nextEpochStake: validator.nextEpochStake,
    nextEpochCommissionRate: validator.nextEpochCommissionRate,
    stakingPool: stakingPoolToProto(validator.stakingPool),
    ...optional('nextEpochProtocolPubkey', m.nextEpochProtocolPubkey),
    ...optional('nextEpochNetworkPubkey', m.nextEpochNetworkPubkey),
    ...optional('nextEpochWorkerPubkey', m.nextEpochWorkerPubkey),
    ...optional('nextEpochNetAddress', m.nextEpochNetAddress),
    ...optional('nextEpochP2pAddress', m.nextEpochP2pAddress),
    ...optional('nextEpochPrimaryAddress', m.nextEpochPrimaryAddress),
    ...optional('nextEpochProxyAddress', m.nextEpochProxyAddress),
    proofOfPossession: m.proofOfPossession,
    ...optional('nextEpochProofOfPossession', m.nextEpochProofOfPossession),
  })
}

/** `From<types::metadata::Manifest> for Manifest`: the URL text, the checksum's 32 bytes and the size. */
function manifestToProto(manifest: ManifestValue): Manifest {
  const v1 = manifest.V1!
  const meta = v1.metadata.V1!
  return create(ManifestSchema, {
    version: { case: 'v1', value: { url: v1.url, metadata: { version: { case: 'v1', value: { checksum: digestToBytes(meta.checksum), size: meta.size } } } } },
  })
}

/** `TryFrom<types::model::Model> for Model`: the fields each state has, and its state name. */
function modelToProto(model: ModelValue): Model {
  const inner = model.V1!
  const body = (inner.Created ?? inner.Pending ?? inner.Active ?? inner.Inactive)!
  const head = {
    owner: addressText(body.owner),
    architectureVersion: body.architectureVersion,
    stakingPool: stakingPoolToProto(body.stakingPool),
    commissionRate: body.commissionRate,
    nextEpochCommissionRate: body.nextEpochCommissionRate,
  }
  if (inner.Created !== undefined) return create(ModelSchema, { state: 'created', ...head, createEpoch: inner.Created.createEpoch })
  const committed = inner.Pending ?? inner.Active ?? inner.Inactive!
  const commitments = {
    manifest: manifestToProto(committed.manifest),
    weightsCommitment: digestToBytes(committed.weightsCommitment),
    embeddingCommitment: digestToBytes(committed.embeddingCommitment),
    decryptionKeyCommitment: digestToBytes(committed.decryptionKeyCommitment),
  }
  if (inner.Pending !== undefined) return create(ModelSchema, { state: 'pending', ...head, ...commitments, commitEpoch: inner.Pending.commitEpoch })
  const revealed = inner.Active ?? inner.Inactive!
  const reveal = { decryptionKey: digestToBytes(revealed.decryptionKey), embedding: revealed.embedding.values }
  if (inner.Active === undefined) return create(ModelSchema, { state: 'inactive', ...head, ...commitments, ...reveal })
  const update = inner.Active.pendingUpdate
  return create(ModelSchema, {
    state: 'active',
    ...head,
    ...commitments,
    ...reveal,
    ...(update !== null
      ? {
          pendingUpdate: create(PendingModelUpdateSchema, {
            manifest: manifestToProto(update.manifest),
            weightsCommitment: digestToBytes(update.weightsCommitment),
            embeddingCommitment: digestToBytes(update.embeddingCommitment),
            decryptionKeyCommitment: digestToBytes(update.decryptionKeyCommitment),
            commitEpoch: update.commitEpoch,
          }),
        }
      : {}),
  })
}

/** The whole SystemState message of `state` (the reference serves it whole whenever a mask names `system_state`). */
export function systemStateToProto(state: SystemStateValue): SystemState {
  const set = state.validators
  const stakingPoolMappings: { [key: string]: string } = {}
  for (const [pool, address] of set.stakingPoolMappings) stakingPoolMappings[pool] = addressText(address)
  const inactiveValidators: { [key: string]: Validator } = {}
  for (const [pool, validator] of set.inactiveValidators) inactiveValidators[pool] = validatorToProto(validator)
  const atRiskValidators: { [key: string]: bigint } = {}
  for (const [address, epochs] of set.atRiskValidators) atRiskValidators[addressText(address)] = epochs

  const registry = state.modelRegistry
  const models: { [key: string]: Model } = {}
  for (const [id, model] of registry.models) models[id] = modelToProto(model)
  const modelPools: { [key: string]: string } = {}
  for (const [pool, model] of registry.stakingPoolMappings) modelPools[pool] = model

  const p = state.parameters
  return create(SystemStateSchema, {
    epoch: state.epoch,
    protocolVersion: state.protocolVersion,
    epochStartTimestampMs: state.epochStartTimestampMs,
    parameters: create(SystemParametersSchema, {
      epochDurationMs: p.epochDurationMs,
      validatorRewardAllocationBps: p.validatorRewardAllocationBps,
      modelMinStake: p.modelMinStake,
      modelArchitectureVersion: p.modelArchitectureVersion,
      modelRevealSlashRateBps: p.modelRevealSlashRateBps,
      modelTallySlashRateBps: p.modelTallySlashRateBps,
      targetEpochFeeCollection: p.targetEpochFeeCollection,
      baseFee: p.baseFee,
      writeObjectFee: p.writeObjectFee,
      valueFeeBps: p.valueFeeBps,
      minValueFeeBps: p.minValueFeeBps,
      maxValueFeeBps: p.maxValueFeeBps,
      feeAdjustmentRateBps: p.feeAdjustmentRateBps,
      targetModelsPerTarget: p.targetModelsPerTarget,
      targetEmbeddingDim: p.targetEmbeddingDim,
      targetInitialDistanceThreshold: scalar(p.targetInitialDistanceThreshold),
      targetRewardAllocationBps: p.targetRewardAllocationBps,
      targetHitsPerEpoch: p.targetHitsPerEpoch,
      targetHitsEmaDecayBps: p.targetHitsEmaDecayBps,
      targetDifficultyAdjustmentRateBps: p.targetDifficultyAdjustmentRateBps,
      targetMaxDistanceThreshold: scalar(p.targetMaxDistanceThreshold),
      targetMinDistanceThreshold: scalar(p.targetMinDistanceThreshold),
      targetInitialTargetsPerEpoch: p.targetInitialTargetsPerEpoch,
      targetSubmitterRewardShareBps: p.targetSubmitterRewardShareBps,
      targetModelRewardShareBps: p.targetModelRewardShareBps,
      targetClaimerIncentiveBps: p.targetClaimerIncentiveBps,
      submissionBondPerByte: p.submissionBondPerByte,
      maxSubmissionDataSize: p.maxSubmissionDataSize,
      // challenger_bond_per_byte stays unset: the challenge system is gone.
    }),
    validators: create(ValidatorSetSchema, {
      totalStake: set.totalStake,
      validators: set.validators.map(validatorToProto),
      pendingValidators: set.pendingValidators.map(validatorToProto),
      pendingRemovals: set.pendingRemovals.map(Number),
      stakingPoolMappings,
      inactiveValidators,
      atRiskValidators,
    }),
    validatorReportRecords: reporterSets(state.validatorReportRecords, addressText),
    emissionPool: create(EmissionPoolSchema, { balance: state.emissionPool.balance, emissionPerEpoch: state.emissionPool.emissionPerEpoch }),
    targetState: create(TargetStateSchema, {
      distanceThreshold: scalar(state.targetState.distanceThreshold),
      targetsGeneratedThisEpoch: state.targetState.targetsGeneratedThisEpoch,
      hitsThisEpoch: state.targetState.hitsThisEpoch,
      hitsEma: state.targetState.hitsEma,
      rewardPerTarget: state.targetState.rewardPerTarget,
    }),
    modelRegistry: create(ModelRegistrySchema, {
      models,
      stakingPoolMappings: modelPools,
      totalModelStake: registry.totalModelStake,
      modelReportRecords: reporterSets(registry.modelReportRecords, (id) => id),
    }),
    // Submission reports now live on each Target; the map stays empty, as in the reference.
    submissionReportRecords: {},
    safeMode: state.safeMode,
    safeModeAccumulatedFees: state.safeModeAccumulatedFees,
    safeModeAccumulatedEmissions: state.safeModeAccumulatedEmissions,
  })
}
