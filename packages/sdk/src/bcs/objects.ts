/**
 * Objects and the state a client reads (reference: `types/src/object.rs`, `target.rs`,
 * `model.rs`, `system_state/*.rs`, `protocol-config/src/lib.rs`). Field order is the Rust
 * declaration order, which is the BCS order.
 */
import { bcs } from '@mysten/bcs'

import {
  Address,
  AddressSet,
  Digest,
  F32,
  Manifest,
  ObjectId,
  SomaTensor,
  SubmissionManifest,
  U64,
  addressMap,
  exactStruct,
  u64Map,
} from './primitives.js'
import { vector } from './bounded.js'

/** `ObjectType = enum { SystemState, Coin, StakedSoma, Target }`. */
export const ObjectType = bcs.enum('ObjectType', {
  SystemState: null,
  Coin: null,
  StakedSoma: null,
  Target: null,
})
export type ObjectType = typeof ObjectType.$inferType

/** `Owner = enum { AddressOwner(SomaAddress), Shared { initial_shared_version }, Immutable }`. */
export const Owner = bcs.enum('Owner', {
  AddressOwner: Address,
  Shared: bcs.struct('Shared', { initialSharedVersion: U64 }),
  Immutable: null,
})
export type Owner = typeof Owner.$inferType
export type OwnerInput = typeof Owner.$inferInput

/** `ObjectData { object_type, version, contents }`; `contents` = object id (32 bytes) ‖ BCS(payload). */
export const ObjectData = bcs.struct('ObjectData', {
  objectType: ObjectType,
  version: U64,
  contents: bcs.byteVector(),
})

/** `ObjectInner` (serde name "Object"): what `Object::` digests hash and Genesis carries. */
export const SomaObject = bcs.struct('Object', {
  data: ObjectData,
  owner: Owner,
  previousTransaction: Digest,
})
export type SomaObject = typeof SomaObject.$inferType
export type SomaObjectInput = typeof SomaObject.$inferInput

/** Coin payload: the balance in shannons. */
export const Coin = bcs.struct('Coin', { balance: U64 })
export type Coin = typeof Coin.$inferType

/** `StakedSomaV1 { pool_id, stake_activation_epoch, principal }` (no version wrapper). */
export const StakedSoma = bcs.struct('StakedSoma', {
  poolId: ObjectId,
  stakeActivationEpoch: U64,
  principal: U64,
})
export type StakedSoma = typeof StakedSoma.$inferType

/** `TargetStatus = enum { Open, Filled { fill_epoch }, Claimed }`. */
export const TargetStatus = bcs.enum('TargetStatus', {
  Open: null,
  Filled: bcs.struct('Filled', { fillEpoch: U64 }),
  Claimed: null,
})

/** `TargetV1` (shared object, no version wrapper). */
export const Target = bcs.struct('Target', {
  embedding: SomaTensor,
  modelIds: vector(ObjectId, { minElementBytes: 32 }),
  distanceThreshold: SomaTensor,
  rewardPool: U64,
  generationEpoch: U64,
  status: TargetStatus,
  submitter: bcs.option(Address),
  winningModelId: bcs.option(ObjectId),
  winningModelOwner: bcs.option(Address),
  bondAmount: U64,
  winningDataManifest: bcs.option(SubmissionManifest),
  winningEmbedding: bcs.option(SomaTensor),
  winningDistanceScore: bcs.option(SomaTensor),
  winningLossScore: bcs.option(SomaTensor),
  submissionReports: AddressSet,
})
export type Target = typeof Target.$inferType
export type TargetInput = typeof Target.$inferInput

/** `PoolTokenExchangeRate { soma_amount, pool_token_amount }`. */
export const PoolTokenExchangeRate = exactStruct('PoolTokenExchangeRate', { somaAmount: U64, poolTokenAmount: U64 }, (reader) => ({
  somaAmount: U64.read(reader),
  poolTokenAmount: U64.read(reader),
}))

/** `StakingPool` (validators' and models' pools). */
export const StakingPool = bcs.struct('StakingPool', {
  id: ObjectId,
  activationEpoch: bcs.option(U64),
  deactivationEpoch: bcs.option(U64),
  somaBalance: U64,
  rewardsPool: U64,
  poolTokenBalance: U64,
  exchangeRates: u64Map(PoolTokenExchangeRate, 'BTreeMap<u64, PoolTokenExchangeRate>'),
  pendingStake: U64,
  pendingTotalSomaWithdraw: U64,
  pendingPoolTokenWithdraw: U64,
})
export type StakingPool = typeof StakingPool.$inferType

/** A multiaddr, serialized by the reference as its text form. */
export const Multiaddr = bcs.string({ name: 'Multiaddr' })
/** fastcrypto keys and signatures are fixed-size byte arrays in BCS (no length prefix). */
export const Bls12381PublicKey = bcs.bytes(96)
const Bls12381Signature = bcs.bytes(48)
export const Ed25519PublicKey = bcs.bytes(32)

export const ValidatorMetadata = bcs.struct('ValidatorMetadata', {
  somaAddress: Address,
  protocolPubkey: Bls12381PublicKey,
  networkPubkey: Ed25519PublicKey,
  workerPubkey: Ed25519PublicKey,
  netAddress: Multiaddr,
  p2pAddress: Multiaddr,
  primaryAddress: Multiaddr,
  proxyAddress: Multiaddr,
  proofOfPossession: Bls12381Signature,
  nextEpochProtocolPubkey: bcs.option(Bls12381PublicKey),
  nextEpochNetworkPubkey: bcs.option(Ed25519PublicKey),
  nextEpochNetAddress: bcs.option(Multiaddr),
  nextEpochP2pAddress: bcs.option(Multiaddr),
  nextEpochPrimaryAddress: bcs.option(Multiaddr),
  nextEpochWorkerPubkey: bcs.option(Ed25519PublicKey),
  nextEpochProofOfPossession: bcs.option(Bls12381Signature),
  nextEpochProxyAddress: bcs.option(Multiaddr),
})

export const Validator = bcs.struct('Validator', {
  metadata: ValidatorMetadata,
  votingPower: U64,
  stakingPool: StakingPool,
  commissionRate: U64,
  nextEpochStake: U64,
  nextEpochCommissionRate: U64,
})
export type Validator = typeof Validator.$inferType

export const ValidatorSet = bcs.struct('ValidatorSet', {
  totalStake: U64,
  validators: vector(Validator),
  pendingValidators: vector(Validator),
  pendingRemovals: vector(U64, { minElementBytes: 8 }),
  stakingPoolMappings: addressMap(Address, 'BTreeMap<ObjectID, SomaAddress>'),
  inactiveValidators: addressMap(Validator, 'BTreeMap<ObjectID, Validator>'),
  atRiskValidators: addressMap(U64, 'BTreeMap<SomaAddress, u64>'),
})
export type ValidatorSet = typeof ValidatorSet.$inferType

/** `SystemParameters` (protocol-config), in declaration order. */
export const SystemParameters = bcs.struct('SystemParameters', {
  epochDurationMs: U64,
  validatorRewardAllocationBps: U64,
  modelMinStake: U64,
  modelArchitectureVersion: U64,
  modelRevealSlashRateBps: U64,
  modelTallySlashRateBps: U64,
  targetEpochFeeCollection: U64,
  baseFee: U64,
  writeObjectFee: U64,
  valueFeeBps: U64,
  minValueFeeBps: U64,
  maxValueFeeBps: U64,
  feeAdjustmentRateBps: U64,
  targetModelsPerTarget: U64,
  targetEmbeddingDim: U64,
  targetInitialDistanceThreshold: SomaTensor,
  targetRewardAllocationBps: U64,
  targetHitsPerEpoch: U64,
  targetHitsEmaDecayBps: U64,
  targetDifficultyAdjustmentRateBps: U64,
  targetMaxDistanceThreshold: SomaTensor,
  targetMinDistanceThreshold: SomaTensor,
  targetInitialTargetsPerEpoch: U64,
  targetSubmitterRewardShareBps: U64,
  targetModelRewardShareBps: U64,
  targetClaimerIncentiveBps: U64,
  submissionBondPerByte: U64,
  maxSubmissionDataSize: U64,
})
export type SystemParameters = typeof SystemParameters.$inferType

/** `PendingModelUpdate` (a commit on an Active model, revealed next epoch). */
export const PendingModelUpdate = bcs.struct('PendingModelUpdate', {
  manifest: Manifest,
  weightsCommitment: Digest,
  embeddingCommitment: Digest,
  decryptionKeyCommitment: Digest,
  commitEpoch: U64,
})

const modelHead = {
  owner: Address,
  architectureVersion: U64,
  stakingPool: StakingPool,
  commissionRate: U64,
  nextEpochCommissionRate: U64,
}
const committed = {
  manifest: Manifest,
  weightsCommitment: Digest,
  embeddingCommitment: Digest,
  decryptionKeyCommitment: Digest,
}

export const CreatedModel = bcs.struct('CreatedModel', { ...modelHead, createEpoch: U64 })
export const PendingModel = bcs.struct('PendingModel', { ...modelHead, ...committed, commitEpoch: U64 })
export const ActiveModel = bcs.struct('ActiveModel', {
  ...modelHead,
  ...committed,
  decryptionKey: Digest,
  embedding: SomaTensor,
  pendingUpdate: bcs.option(PendingModelUpdate),
})
export const InactiveModel = bcs.struct('InactiveModel', {
  ...modelHead,
  ...committed,
  decryptionKey: Digest,
  embedding: SomaTensor,
})

/** `ModelStateV1 = enum { Created, Pending, Active, Inactive }`. */
export const ModelStateV1 = bcs.enum('ModelStateV1', {
  Created: CreatedModel,
  Pending: PendingModel,
  Active: ActiveModel,
  Inactive: InactiveModel,
})

/** `Model = enum { V1(ModelStateV1) }`. */
export const Model = bcs.enum('Model', { V1: ModelStateV1 })
export type Model = typeof Model.$inferType

export const ModelRegistry = bcs.struct('ModelRegistry', {
  models: addressMap(Model, 'BTreeMap<ModelId, Model>'),
  stakingPoolMappings: addressMap(ObjectId, 'BTreeMap<ObjectID, ModelId>'),
  totalModelStake: U64,
  modelReportRecords: addressMap(AddressSet, 'BTreeMap<ModelId, BTreeSet<SomaAddress>>'),
})
export type ModelRegistry = typeof ModelRegistry.$inferType

export const EmissionPool = bcs.struct('EmissionPool', { balance: U64, emissionPerEpoch: U64 })

export const TargetState = bcs.struct('TargetState', {
  distanceThreshold: SomaTensor,
  targetsGeneratedThisEpoch: U64,
  hitsThisEpoch: U64,
  hitsEma: U64,
  rewardPerTarget: U64,
})

export const SystemStateV1 = bcs.struct('SystemStateV1', {
  epoch: U64,
  protocolVersion: U64,
  validators: ValidatorSet,
  parameters: SystemParameters,
  epochStartTimestampMs: U64,
  validatorReportRecords: addressMap(AddressSet, 'BTreeMap<SomaAddress, BTreeSet<SomaAddress>>'),
  modelRegistry: ModelRegistry,
  emissionPool: EmissionPool,
  targetState: TargetState,
  safeMode: bcs.bool(),
  safeModeAccumulatedFees: U64,
  safeModeAccumulatedEmissions: U64,
})
export type SystemStateV1 = typeof SystemStateV1.$inferType

/** `SystemState = enum { V1(SystemStateV1) }`, the contents of object `0x5`. */
export const SystemState = bcs.enum('SystemState', { V1: SystemStateV1 })
export type SystemState = typeof SystemState.$inferType

/** Kept for reading f32 parameters stored as `BcsF32` elsewhere. */
export { F32 }
