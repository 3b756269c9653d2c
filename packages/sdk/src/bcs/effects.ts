/**
 * `TransactionEffects` (reference: `types/src/effects/mod.rs`, `effects/object_change.rs`,
 * `types/src/tx_fee.rs`). The last failure variant wraps the node's internal `SomaError`, whose
 * 91 variants are in `errors.ts`.
 */
import { bcs } from '@mysten/bcs'

import { SomaError } from './errors.js'
import { Address, Digest, ObjectId, SomaTensor, U64 } from './primitives.js'
import { ObjectType, Owner } from './objects.js'
import { vector } from './bounded.js'

export const TransactionFee = bcs.struct('TransactionFee', {
  baseFee: U64,
  operationFee: U64,
  valueFee: U64,
  totalFee: U64,
})
export type TransactionFee = typeof TransactionFee.$inferType

const epochPair = (name: string) => bcs.struct(name, { fillEpoch: U64, currentEpoch: U64 })

/** `ExecutionFailureStatus`, variants in declaration order (the BCS tag). */
export const ExecutionFailureStatus = bcs.enum('ExecutionFailureStatus', {
  InsufficientGas: null,
  InvalidOwnership: bcs.struct('InvalidOwnership', {
    objectId: ObjectId,
    expectedOwner: Address,
    actualOwner: bcs.option(Address),
  }),
  ObjectNotFound: bcs.struct('ObjectNotFound', { objectId: ObjectId }),
  InvalidObjectType: bcs.struct('InvalidObjectType', {
    objectId: ObjectId,
    expectedType: ObjectType,
    actualType: ObjectType,
  }),
  InvalidTransactionType: null,
  InvalidArguments: bcs.struct('InvalidArguments', { reason: bcs.string() }),
  DuplicateValidator: null,
  DuplicateValidatorMetadata: bcs.struct('DuplicateValidatorMetadata', { field: bcs.string() }),
  MissingProofOfPossession: null,
  InvalidProofOfPossession: bcs.struct('InvalidProofOfPossession', { reason: bcs.string() }),
  NotAValidator: null,
  ValidatorAlreadyRemoved: null,
  AdvancedToWrongEpoch: null,
  ModelNotFound: null,
  NotModelOwner: null,
  ModelNotActive: null,
  ModelNotPending: null,
  ModelNotCreated: null,
  ModelInvalidState: null,
  ModelAlreadyInactive: null,
  ModelRevealEpochMismatch: null,
  ModelEmbeddingCommitmentMismatch: null,
  ModelDecryptionKeyCommitmentMismatch: null,
  ModelNoPendingUpdate: null,
  ModelArchitectureVersionMismatch: null,
  ModelCommissionRateTooHigh: null,
  ModelMinStakeNotMet: null,
  NoActiveModels: null,
  TargetNotFound: null,
  TargetNotOpen: null,
  TargetExpired: bcs.struct('TargetExpired', { generationEpoch: U64, currentEpoch: U64 }),
  TargetNotFilled: null,
  AuditWindowOpen: epochPair('AuditWindowOpen'),
  TargetAlreadyClaimed: null,
  ModelNotInTarget: bcs.struct('ModelNotInTarget', { modelId: ObjectId, targetId: ObjectId }),
  EmbeddingDimensionMismatch: bcs.struct('EmbeddingDimensionMismatch', { expected: U64, actual: U64 }),
  DistanceExceedsThreshold: bcs.struct('DistanceExceedsThreshold', { score: SomaTensor, threshold: SomaTensor }),
  InsufficientBond: bcs.struct('InsufficientBond', { required: U64, provided: U64 }),
  DataExceedsMaxSize: bcs.struct('DataExceedsMaxSize', { size: U64, maxSize: U64 }),
  InsufficientEmissionBalance: null,
  AuditWindowClosed: epochPair('AuditWindowClosed'),
  InsufficientCoinBalance: null,
  CoinBalanceOverflow: null,
  ArithmeticOverflow: null,
  ValidatorNotFound: null,
  StakingPoolNotFound: null,
  CannotReportOneself: null,
  ReportRecordNotFound: null,
  InputObjectDeleted: null,
  CertificateDenied: null,
  ExecutionCancelledDueToSharedObjectCongestion: null,
  SomaError: SomaError,
})
export type ExecutionFailureStatus = typeof ExecutionFailureStatus.$inferType

/** `ExecutionStatus = enum { Success, Failure { error } }`. */
export const ExecutionStatus = bcs.enum('ExecutionStatus', {
  Success: null,
  Failure: bcs.struct('Failure', { error: ExecutionFailureStatus }),
})

/** `(Version, ObjectDigest)`. */
export const VersionDigest = bcs.struct('VersionDigest', { version: U64, digest: Digest })

export const ObjectIn = bcs.enum('ObjectIn', {
  NotExist: null,
  Exist: bcs.struct('Exist', { versionDigest: VersionDigest, owner: Owner }),
})

export const ObjectOut = bcs.enum('ObjectOut', {
  NotExist: null,
  ObjectWrite: bcs.struct('ObjectWrite', { digest: Digest, owner: Owner }),
})

export const IDOperation = bcs.enum('IDOperation', { None: null, Created: null, Deleted: null })

export const EffectsObjectChange = bcs.struct('EffectsObjectChange', {
  inputState: ObjectIn,
  outputState: ObjectOut,
  idOperation: IDOperation,
})

export const UnchangedSharedKind = bcs.enum('UnchangedSharedKind', {
  ReadOnlyRoot: VersionDigest,
  MutateDeleted: U64,
  ReadDeleted: U64,
  Cancelled: U64,
})

export const TransactionEffectsV1 = bcs.struct('TransactionEffectsV1', {
  status: ExecutionStatus,
  executedEpoch: U64,
  transactionFee: TransactionFee,
  transactionDigest: Digest,
  gasObjectIndex: bcs.option(bcs.u32()),
  dependencies: vector(Digest, { minElementBytes: 33 }),
  version: U64,
  changedObjects: vector(bcs.struct('ChangedObject', { objectId: ObjectId, change: EffectsObjectChange })),
  unchangedSharedObjects: vector(
    bcs.struct('UnchangedSharedObject', { objectId: ObjectId, kind: UnchangedSharedKind }),
  ),
})

/** `TransactionEffects = enum { V1(TransactionEffectsV1) }`. */
export const TransactionEffects = bcs.enum('TransactionEffects', { V1: TransactionEffectsV1 })
export type TransactionEffects = typeof TransactionEffects.$inferType
export type TransactionEffectsInput = typeof TransactionEffects.$inferInput
