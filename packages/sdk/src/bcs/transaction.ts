/**
 * `TransactionData` and its 26 kinds (reference: `types/src/transaction.rs`,
 * `types/src/consensus/mod.rs`). Variant order is the BCS tag: do not reorder.
 */
import { bcs } from '@mysten/bcs'

import { Address, Digest, Manifest, ObjectId, ObjectRef, SomaTensor, SubmissionManifest, U64 } from './primitives.js'
import { SomaObject } from './objects.js'
import { vector } from './bounded.js'

const Bytes = bcs.byteVector()
const OptionalBytes = bcs.option(bcs.byteVector())

export const GenesisTransaction = bcs.struct('GenesisTransaction', { objects: vector(SomaObject) })

export const ConsensusCommitPrologueV1 = bcs.struct('ConsensusCommitPrologueV1', {
  epoch: U64,
  round: U64,
  subDagIndex: bcs.option(U64),
  commitTimestampMs: U64,
  consensusCommitDigest: Digest,
  additionalStateDigest: Digest,
})

export const ChangeEpoch = bcs.struct('ChangeEpoch', {
  epoch: U64,
  epochStartTimestampMs: U64,
  protocolVersion: U64,
  fees: U64,
  epochRandomness: Bytes,
})

/** Note: `proofOfPossession` is 4th in BCS (the proto gives it tag 8). */
export const AddValidatorArgs = bcs.struct('AddValidatorArgs', {
  pubkeyBytes: Bytes,
  networkPubkeyBytes: Bytes,
  workerPubkeyBytes: Bytes,
  proofOfPossession: Bytes,
  netAddress: Bytes,
  p2pAddress: Bytes,
  primaryAddress: Bytes,
  proxyAddress: Bytes,
})

export const RemoveValidatorArgs = bcs.struct('RemoveValidatorArgs', { pubkeyBytes: Bytes })

export const UpdateValidatorMetadataArgs = bcs.struct('UpdateValidatorMetadataArgs', {
  nextEpochNetworkAddress: OptionalBytes,
  nextEpochP2pAddress: OptionalBytes,
  nextEpochPrimaryAddress: OptionalBytes,
  nextEpochProxyAddress: OptionalBytes,
  nextEpochProtocolPubkey: OptionalBytes,
  nextEpochWorkerPubkey: OptionalBytes,
  nextEpochNetworkPubkey: OptionalBytes,
  nextEpochProofOfPossession: OptionalBytes,
})

export const CreateModelArgs = bcs.struct('CreateModelArgs', {
  stakeAmount: U64,
  commissionRate: U64,
  architectureVersion: U64,
})

export const CommitModelArgs = bcs.struct('CommitModelArgs', {
  modelId: ObjectId,
  manifest: Manifest,
  weightsCommitment: Digest,
  embeddingCommitment: Digest,
  decryptionKeyCommitment: Digest,
})

export const RevealModelArgs = bcs.struct('RevealModelArgs', {
  modelId: ObjectId,
  decryptionKey: Digest,
  embedding: SomaTensor,
})

export const SubmitDataArgs = bcs.struct('SubmitDataArgs', {
  targetId: ObjectId,
  dataManifest: SubmissionManifest,
  modelId: ObjectId,
  embedding: SomaTensor,
  distanceScore: SomaTensor,
  lossScore: SomaTensor,
  bondCoin: ObjectRef,
})

export const ClaimRewardsArgs = bcs.struct('ClaimRewardsArgs', { targetId: ObjectId })

/** The 26 kinds; the key order here IS the BCS variant index (0..25). */
export const TransactionKind = bcs.enum('TransactionKind', {
  Genesis: GenesisTransaction,
  ConsensusCommitPrologueV1: ConsensusCommitPrologueV1,
  ChangeEpoch: ChangeEpoch,
  AddValidator: AddValidatorArgs,
  RemoveValidator: RemoveValidatorArgs,
  ReportValidator: bcs.struct('ReportValidator', { reportee: Address }),
  UndoReportValidator: bcs.struct('UndoReportValidator', { reportee: Address }),
  UpdateValidatorMetadata: UpdateValidatorMetadataArgs,
  SetCommissionRate: bcs.struct('SetCommissionRate', { newRate: U64 }),
  TransferCoin: bcs.struct('TransferCoin', { coin: ObjectRef, amount: bcs.option(U64), recipient: Address }),
  PayCoins: bcs.struct('PayCoins', {
    coins: vector(ObjectRef, { minElementBytes: 73 }),
    amounts: bcs.option(vector(U64, { minElementBytes: 8 })),
    recipients: vector(Address, { minElementBytes: 32 }),
  }),
  TransferObjects: bcs.struct('TransferObjects', { objects: vector(ObjectRef, { minElementBytes: 73 }), recipient: Address }),
  AddStake: bcs.struct('AddStake', { address: Address, coinRef: ObjectRef, amount: bcs.option(U64) }),
  WithdrawStake: bcs.struct('WithdrawStake', { stakedSoma: ObjectRef }),
  CreateModel: CreateModelArgs,
  CommitModel: CommitModelArgs,
  RevealModel: RevealModelArgs,
  AddStakeToModel: bcs.struct('AddStakeToModel', { modelId: ObjectId, coinRef: ObjectRef, amount: bcs.option(U64) }),
  SetModelCommissionRate: bcs.struct('SetModelCommissionRate', { modelId: ObjectId, newRate: U64 }),
  DeactivateModel: bcs.struct('DeactivateModel', { modelId: ObjectId }),
  ReportModel: bcs.struct('ReportModel', { modelId: ObjectId }),
  UndoReportModel: bcs.struct('UndoReportModel', { modelId: ObjectId }),
  SubmitData: SubmitDataArgs,
  ClaimRewards: ClaimRewardsArgs,
  ReportSubmission: bcs.struct('ReportSubmission', { targetId: ObjectId }),
  UndoReportSubmission: bcs.struct('UndoReportSubmission', { targetId: ObjectId }),
})
/** A decoded kind: `{ $kind: 'TransferCoin', TransferCoin: {...} }`. */
export type TransactionKind = typeof TransactionKind.$inferType
/** A kind to encode: `{ TransferCoin: {...} }` (a decoded value is accepted too). */
export type TransactionKindInput = typeof TransactionKind.$inferInput
/** The names of the 26 kinds, in BCS order. */
export type TransactionKindName = TransactionKind['$kind']
export const TRANSACTION_KIND_NAMES = [
  'Genesis',
  'ConsensusCommitPrologueV1',
  'ChangeEpoch',
  'AddValidator',
  'RemoveValidator',
  'ReportValidator',
  'UndoReportValidator',
  'UpdateValidatorMetadata',
  'SetCommissionRate',
  'TransferCoin',
  'PayCoins',
  'TransferObjects',
  'AddStake',
  'WithdrawStake',
  'CreateModel',
  'CommitModel',
  'RevealModel',
  'AddStakeToModel',
  'SetModelCommissionRate',
  'DeactivateModel',
  'ReportModel',
  'UndoReportModel',
  'SubmitData',
  'ClaimRewards',
  'ReportSubmission',
  'UndoReportSubmission',
] as const satisfies readonly TransactionKindName[]

/** `TransactionDataV1 { kind, sender, gas_payment }`. */
export const TransactionDataV1 = bcs.struct('TransactionDataV1', {
  kind: TransactionKind,
  sender: Address,
  gasPayment: vector(ObjectRef, { minElementBytes: 73 }),
})

/** `TransactionData = enum { V1(TransactionDataV1) }`: the bytes that are signed and digested. */
export const TransactionData = bcs.enum('TransactionData', { V1: TransactionDataV1 })
export type TransactionData = typeof TransactionData.$inferType
export type TransactionDataInput = typeof TransactionData.$inferInput

/** `Intent { scope, version, app_id }`: `[0, 0, 1]` for a SOMA user transaction. */
export const Intent = bcs.struct('Intent', { scope: bcs.u8(), version: bcs.u8(), appId: bcs.u8() })

/** `IntentMessage<TransactionData>`. */
export const IntentMessage = bcs.struct('IntentMessage', { intent: Intent, value: TransactionData })

/**
 * `SenderSignedData`: a one-element sequence of `SenderSignedTransaction { intent_message,
 * tx_signatures }`, each signature a byte vector of its `GenericSignature` bytes (97 for Ed25519).
 * This is also the BCS of a signed `Transaction` (the envelope adds no bytes).
 */
export const SenderSignedTransaction = bcs.struct('SenderSignedTransaction', {
  intentMessage: IntentMessage,
  txSignatures: vector(bcs.byteVector()),
})
export const SenderSignedData = vector(SenderSignedTransaction).transform({
  name: 'SenderSignedData',
  input: (tx: typeof SenderSignedTransaction.$inferInput) => [tx],
  output: (list) => {
    if (list.length !== 1) throw new TypeError(`SenderSignedData must hold exactly one transaction, found ${list.length}`)
    return list[0]!
  },
})
export type SenderSignedTransaction = typeof SenderSignedTransaction.$inferType
