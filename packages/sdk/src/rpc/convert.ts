/**
 * TransactionData ⇄ protobuf `soma.rpc.Transaction`.
 *
 * `transactionDataFromProto` is the node's rebuild (reference: `rpc/src/proto/soma/transaction.rs`
 * then `rpc/src/utils/types_conversions.rs`): the node never receives BCS, it rebuilds
 * TransactionData from the protobuf and checks signatures over *that* BCS. The local network uses
 * this function server-side; clients use it (through `buildTransaction`) to sign exactly what the
 * node will rebuild. `transactionDataToProto` is the inverse, and refuses values the protobuf
 * cannot carry rather than letting the rebuild silently change them.
 */
import { create } from '@bufbuild/protobuf'
import { bytes32FromBase58 } from '@soma-ts/core/bytes'
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt'

import { decodeBcs, encodeBcs } from '../bcs/codec.js'
import type { ManifestInput, SomaTensorInput } from '../bcs/index.js'
import type { SomaObjectInput } from '../bcs/objects.js'
import { TransactionData, type TransactionDataInput, type TransactionKindInput } from '../bcs/transaction.js'
import { BaseError, InvalidArgumentError, truncate, type BaseErrorParameters } from '../errors/index.js'
import { ObjectSchema, OwnerSchema, Owner_OwnerKind, type Object$, type ObjectReference } from '../generated/soma/rpc/object_pb.js'
import {
  ManifestSchema,
  SubmissionManifestSchema,
  TransactionKindSchema,
  TransactionSchema,
  type Manifest as ProtoManifest,
  type Transaction,
  type TransactionKind as ProtoTransactionKind,
} from '../generated/soma/rpc/transaction_pb.js'
import { fromBase58, fromHex, toBase58, toHex } from '../utils/encoding.js'
import { normalizeUrl } from '../utils/url.js'

/** A decoded (canonical) TransactionData value, as `decodeBcs(TransactionData, …)` returns it. */
export type TransactionDataValue = typeof TransactionData.$inferType
type KindValue = TransactionDataValue['V1']['kind']
type KindName = KindValue['$kind']
type KindBody<N extends KindName> = Extract<KindValue, { $kind: N }>[N]

/** Why the protobuf could not be rebuilt: the `google.rpc.BadRequest` reason the node reports. */
export type FieldViolationReason = 'FIELD_MISSING' | 'FIELD_INVALID'

/**
 * A protobuf transaction that the node's rebuild rejects. The server half answers it with
 * INVALID_ARGUMENT and a `google.rpc.BadRequest` field violation for `field`.
 */
export class ProtoConversionError extends BaseError {
  override name = 'ProtoConversionError'
  /** Dotted protobuf path of the offending field, from the Transaction message (e.g. `kind.transfer_coin.coin.digest`). */
  readonly field: string
  readonly reason: FieldViolationReason
  /** The parser's complaint, empty for a missing field. */
  readonly description: string

  constructor({
    field,
    reason,
    description = '',
    ...rest
  }: { field: string; reason: FieldViolationReason; description?: string } & BaseErrorParameters) {
    super(
      reason === 'FIELD_MISSING'
        ? `The transaction's protobuf is missing the required field "${field}".`
        : `The transaction's protobuf field "${field}" is invalid.`,
      { details: description || undefined, ...rest, code: 'SOMA_PROTO_CONVERSION' },
    )
    this.field = field
    this.reason = reason
    this.description = description
  }
}

const missing = (field: string) => new ProtoConversionError({ field, reason: 'FIELD_MISSING' })
const invalid = (field: string, description: string) => new ProtoConversionError({ field, reason: 'FIELD_INVALID', description })

function need<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw missing(field)
  return value
}

// ---------------------------------------------------------------------------------------------
// Parsers with the node's rules
// ---------------------------------------------------------------------------------------------

const HEX_DIGITS = /^[0-9a-fA-F]*$/

/**
 * The rpc crate's address parser (`rpc/src/types/address.rs`): non-empty, an optional lowercase
 * `0x`, then at most 64 hex digits, left-padded with zeros. Returns `0x` + 64 lowercase hex.
 */
export function parseRpcAddress(text: string, field: string): string {
  if (text.length === 0) throw invalid(field, 'empty address')
  const digits = text.startsWith('0x') ? text.slice(2) : text
  if (digits.length > 64) throw invalid(field, `address has ${digits.length} hex digits, at most 64 allowed`)
  if (!HEX_DIGITS.test(digits)) throw invalid(field, `"${truncate(text, 80)}" is not hex`)
  return `0x${digits.toLowerCase().padStart(64, '0')}`
}

/**
 * A Base58 digest of exactly 32 bytes. (The node decodes into a 32-byte buffer; we refuse short
 * decodings instead of padding them, since no valid digest is shorter.)
 */
function parseDigest(text: string, field: string): string {
  return toBase58(bytes32FromBase58(text, (reason) => invalid(field, `"${truncate(text, 80)}" ${reason}`)))
}

function bytes32(bytes: Uint8Array | undefined, field: string): string {
  const raw = need(bytes, field)
  return toBase58(bytes32FromBase58(raw, (reason) => invalid(field, `${field.split('.').pop()} ${reason}`)))
}

function parseObjectRef(ref: ObjectReference | undefined, field: string) {
  const r = need(ref, field)
  return {
    objectId: parseRpcAddress(need(r.objectId, `${field}.object_id`), `${field}.object_id`),
    version: need(r.version, `${field}.version`),
    digest: parseDigest(need(r.digest, `${field}.digest`), `${field}.digest`),
  }
}


const U64_MAX = 0xffff_ffff_ffff_ffffn

/** `proto_to_timestamp_ms`: seconds and nanos must be non-negative; the sum in whole ms must fit a u64. */
function timestampToMs(ts: Timestamp | undefined, field: string): bigint {
  const t = need(ts, field)
  if (t.seconds < 0n) throw invalid(`${field}.seconds`, 'negative seconds')
  if (t.nanos < 0) throw invalid(`${field}.nanos`, 'negative nanos')
  const ms = t.seconds * 1000n + BigInt(Math.floor(t.nanos / 1_000_000))
  if (ms > U64_MAX) throw invalid(`${field}`, 'timestamp does not fit u64 milliseconds')
  return ms
}

function msToTimestamp(ms: bigint): Timestamp {
  return create(TimestampSchema, { seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 })
}

function manifestFromProto(m: ProtoManifest | undefined, field: string): ManifestInput {
  const manifest = need(m, field)
  if (manifest.version.case !== 'v1') throw missing(`${field}.version`)
  const v1 = manifest.version.value
  const url = normalizeUrl(need(v1.url, `${field}.v1.url`), (reason) => invalid(`${field}.v1.url`, reason))
  const metadata = need(v1.metadata, `${field}.v1.metadata`)
  if (metadata.version.case !== 'v1') throw missing(`${field}.v1.metadata.version`)
  const meta = metadata.version.value
  const checksum = bytes32(meta.checksum, `${field}.v1.metadata.v1.checksum`)
  const size = need(meta.size, `${field}.v1.metadata.v1.size`)
  return { V1: { url, metadata: { V1: { checksum, size } } } }
}

/** The node rebuilds every float list as a 1-D tensor of shape `[len]` (an empty list gives `[0]`). */
function vectorTensor(values: readonly number[]): SomaTensorInput {
  return { values: values.map((v) => Math.fround(v)), shape: [BigInt(values.length)] }
}

function genesisObjectFromProto(o: Object$, field: string): SomaObjectInput {
  const objectId = parseRpcAddress(need(o.objectId, `${field}.object_id`), `${field}.object_id`)
  const version = need(o.version, `${field}.version`)
  const typeName = need(o.objectType, `${field}.object_type`)
  if (!OBJECT_TYPES.includes(typeName as ObjectTypeName)) throw invalid(`${field}.object_type`, `Unknown object type: ${truncate(typeName, 40)}`)
  const owner = need(o.owner, `${field}.owner`)
  let ownerValue: SomaObjectInput['owner']
  switch (owner.kind ?? Owner_OwnerKind.OWNER_KIND_UNKNOWN) {
    case Owner_OwnerKind.ADDRESS:
      // The node reads an unset address as the empty string, which its parser rejects.
      ownerValue = { AddressOwner: parseRpcAddress(owner.address ?? '', `${field}.owner.address`) }
      break
    case Owner_OwnerKind.SHARED:
      ownerValue = { Shared: { initialSharedVersion: owner.version ?? 0n } }
      break
    case Owner_OwnerKind.IMMUTABLE:
      ownerValue = { Immutable: true }
      break
    default:
      throw invalid(`${field}.owner.kind`, 'unknown OwnerKind')
  }
  const previousTransaction = parseDigest(need(o.previousTransaction, `${field}.previous_transaction`), `${field}.previous_transaction`)
  const payload = need(o.contents, `${field}.contents`)
  // The chain stores the id in front of the payload; the protobuf carries the payload alone.
  const contents = new Uint8Array(32 + payload.length)
  contents.set(fromHex(objectId.slice(2)), 0)
  contents.set(payload, 32)
  return {
    data: { objectType: { [typeName]: true } as SomaObjectInput['data']['objectType'], version, contents },
    owner: ownerValue,
    previousTransaction,
  }
}

const OBJECT_TYPES = ['SystemState', 'Coin', 'StakedSoma', 'Target'] as const
type ObjectTypeName = (typeof OBJECT_TYPES)[number]

// ---------------------------------------------------------------------------------------------
// protobuf → TransactionData (the node's rebuild)
// ---------------------------------------------------------------------------------------------

function kindFromProto(k: ProtoTransactionKind | undefined): TransactionKindInput {
  const kind = need(k, 'kind')
  const { case: name, value } = kind.kind
  const at = (f: string) => `kind.${snake(name ?? '')}.${f}`
  const addr = (text: string | undefined, f: string) => parseRpcAddress(need(text, at(f)), at(f))
  switch (name) {
    case undefined:
      throw missing('kind.kind')
    case 'genesis':
      return { Genesis: { objects: value.objects.map((o, i) => genesisObjectFromProto(o, at(`objects[${i}]`))) } }
    case 'consensusCommitPrologue':
      return {
        ConsensusCommitPrologueV1: {
          epoch: need(value.epoch, at('epoch')),
          round: need(value.round, at('round')),
          subDagIndex: value.subDagIndex ?? null,
          commitTimestampMs: timestampToMs(value.commitTimestamp, at('commit_timestamp')),
          consensusCommitDigest: parseDigest(need(value.consensusCommitDigest, at('consensus_commit_digest')), at('consensus_commit_digest')),
          additionalStateDigest: parseDigest(need(value.additionalStateDigest, at('additional_state_digest')), at('additional_state_digest')),
        },
      }
    case 'changeEpoch':
      return {
        ChangeEpoch: {
          epoch: need(value.epoch, at('epoch')),
          epochStartTimestampMs: timestampToMs(value.epochStartTimestamp, at('epoch_start_timestamp')),
          protocolVersion: need(value.protocolVersion, at('protocol_version')),
          fees: need(value.fees, at('fees')),
          epochRandomness: need(value.epochRandomness, at('epoch_randomness')),
        },
      }
    case 'addValidator':
      return {
        AddValidator: {
          pubkeyBytes: need(value.pubkeyBytes, at('pubkey_bytes')),
          networkPubkeyBytes: need(value.networkPubkeyBytes, at('network_pubkey_bytes')),
          workerPubkeyBytes: need(value.workerPubkeyBytes, at('worker_pubkey_bytes')),
          proofOfPossession: need(value.proofOfPossession, at('proof_of_possession')),
          netAddress: need(value.netAddress, at('net_address')),
          p2pAddress: need(value.p2pAddress, at('p2p_address')),
          primaryAddress: need(value.primaryAddress, at('primary_address')),
          proxyAddress: need(value.proxyAddress, at('proxy_address')),
        },
      }
    case 'removeValidator':
      return { RemoveValidator: { pubkeyBytes: need(value.pubkeyBytes, at('pubkey_bytes')) } }
    case 'reportValidator':
      return { ReportValidator: { reportee: addr(value.reportee, 'reportee') } }
    case 'undoReportValidator':
      return { UndoReportValidator: { reportee: addr(value.reportee, 'reportee') } }
    case 'updateValidatorMetadata':
      return {
        UpdateValidatorMetadata: {
          nextEpochNetworkAddress: value.nextEpochNetworkAddress ?? null,
          nextEpochP2pAddress: value.nextEpochP2pAddress ?? null,
          nextEpochPrimaryAddress: value.nextEpochPrimaryAddress ?? null,
          nextEpochProxyAddress: value.nextEpochProxyAddress ?? null,
          nextEpochProtocolPubkey: value.nextEpochProtocolPubkey ?? null,
          nextEpochWorkerPubkey: value.nextEpochWorkerPubkey ?? null,
          nextEpochNetworkPubkey: value.nextEpochNetworkPubkey ?? null,
          nextEpochProofOfPossession: value.nextEpochProofOfPossession ?? null,
        },
      }
    case 'setCommissionRate':
      return { SetCommissionRate: { newRate: need(value.newRate, at('new_rate')) } }
    case 'transferCoin':
      return {
        TransferCoin: {
          coin: parseObjectRef(value.coin, at('coin')),
          amount: value.amount ?? null,
          recipient: addr(value.recipient, 'recipient'),
        },
      }
    case 'payCoins':
      return {
        PayCoins: {
          coins: value.coins.map((c, i) => parseObjectRef(c, at(`coins[${i}]`))),
          // Always Some: a repeated field has no absence.
          amounts: [...value.amounts],
          recipients: value.recipients.map((r, i) => parseRpcAddress(r, at(`recipients[${i}]`))),
        },
      }
    case 'transferObjects':
      return {
        TransferObjects: {
          objects: value.objects.map((o, i) => parseObjectRef(o, at(`objects[${i}]`))),
          recipient: addr(value.recipient, 'recipient'),
        },
      }
    case 'addStake':
      return {
        AddStake: {
          address: addr(value.address, 'address'),
          coinRef: parseObjectRef(value.coinRef, at('coin_ref')),
          amount: value.amount ?? null,
        },
      }
    case 'withdrawStake':
      return { WithdrawStake: { stakedSoma: parseObjectRef(value.stakedSoma, at('staked_soma')) } }
    case 'createModel':
      return {
        CreateModel: {
          stakeAmount: need(value.stakeAmount, at('stake_amount')),
          commissionRate: need(value.commissionRate, at('commission_rate')),
          architectureVersion: need(value.architectureVersion, at('architecture_version')),
        },
      }
    case 'commitModel':
      return {
        CommitModel: {
          modelId: addr(value.modelId, 'model_id'),
          manifest: manifestFromProto(value.manifest, at('manifest')),
          weightsCommitment: bytes32(value.weightsCommitment, at('weights_commitment')),
          embeddingCommitment: bytes32(value.embeddingCommitment, at('embedding_commitment')),
          decryptionKeyCommitment: bytes32(value.decryptionKeyCommitment, at('decryption_key_commitment')),
        },
      }
    case 'revealModel':
      return {
        RevealModel: {
          modelId: addr(value.modelId, 'model_id'),
          decryptionKey: bytes32(value.decryptionKey, at('decryption_key')),
          embedding: vectorTensor(value.embedding),
        },
      }
    case 'addStakeToModel':
      return {
        AddStakeToModel: {
          modelId: addr(value.modelId, 'model_id'),
          coinRef: parseObjectRef(value.coinRef, at('coin_ref')),
          amount: value.amount ?? null,
        },
      }
    case 'setModelCommissionRate':
      return { SetModelCommissionRate: { modelId: addr(value.modelId, 'model_id'), newRate: need(value.newRate, at('new_rate')) } }
    case 'deactivateModel':
      return { DeactivateModel: { modelId: addr(value.modelId, 'model_id') } }
    case 'reportModel':
      return { ReportModel: { modelId: addr(value.modelId, 'model_id') } }
    case 'undoReportModel':
      return { UndoReportModel: { modelId: addr(value.modelId, 'model_id') } }
    case 'submitData': {
      const dataManifest = need(value.dataManifest, at('data_manifest'))
      return {
        SubmitData: {
          targetId: addr(value.targetId, 'target_id'),
          dataManifest: { manifest: manifestFromProto(dataManifest.manifest, at('data_manifest.manifest')) },
          modelId: addr(value.modelId, 'model_id'),
          embedding: vectorTensor(value.embedding),
          distanceScore: { values: [Math.fround(need(value.distanceScore, at('distance_score')))], shape: [1n] },
          lossScore: vectorTensor(value.lossScore),
          bondCoin: parseObjectRef(value.bondCoin, at('bond_coin')),
        },
      }
    }
    case 'claimRewards':
      return { ClaimRewards: { targetId: addr(value.targetId, 'target_id') } }
    case 'reportSubmission':
      // `challenger` has no place in the chain's transaction and is dropped, as the node does.
      return { ReportSubmission: { targetId: addr(value.targetId, 'target_id') } }
    case 'undoReportSubmission':
      return { UndoReportSubmission: { targetId: addr(value.targetId, 'target_id') } }
    case 'initiateChallenge':
    case 'reportChallenge':
    case 'undoReportChallenge':
    case 'claimChallengeBond':
      throw invalid('kind', 'challenge transactions are no longer supported')
    default: {
      const unknown: never = name
      throw invalid('kind', `unknown transaction kind ${String(unknown)}`)
    }
  }
}

/**
 * Rebuilds the TransactionData value from a protobuf Transaction exactly as the node does, with
 * the node's normalizations (PayCoins amounts always `Some`, float lists as `[len]` tensors,
 * `distance_score` as a `[1]` tensor, URLs re-serialized, f32 rounding). `digest` is ignored.
 * Throws `ProtoConversionError` naming the field.
 */
export function transactionDataFromProto(tx: Transaction): { data: TransactionDataValue; bcs: Uint8Array } {
  const kind = kindFromProto(tx.kind)
  const sender = parseRpcAddress(need(tx.sender, 'sender'), 'sender')
  const gasPayment = tx.gasPayment.map((g, i) => parseObjectRef(g, `gas_payment[${i}]`))
  const input: TransactionDataInput = { V1: { kind, sender, gasPayment } }
  let bcs: Uint8Array
  try {
    bcs = encodeBcs(TransactionData, input)
  } catch (err) {
    throw invalid('transaction', err instanceof BaseError ? err.shortMessage : String(err))
  }
  return { data: decodeBcs(TransactionData, bcs), bcs }
}

// ---------------------------------------------------------------------------------------------
// TransactionData → protobuf
// ---------------------------------------------------------------------------------------------

function refToProto(ref: { objectId: string; version: bigint; digest: string }) {
  return { objectId: ref.objectId, version: ref.version, digest: ref.digest }
}

function cannot(kind: string, what: string, hint: string): InvalidArgumentError {
  return new InvalidArgumentError(`This ${kind} cannot be sent over gRPC: ${what}.`, { hint })
}

function manifestToProto(manifest: KindBody<'CommitModel'>['manifest']): ProtoManifest {
  const v1 = manifest.V1
  const meta = v1.metadata.V1
  return create(ManifestSchema, {
    version: {
      case: 'v1',
      value: {
        url: normalizeUrl(v1.url),
        metadata: { version: { case: 'v1', value: { checksum: fromBase58(meta.checksum), size: meta.size } } },
      },
    },
  })
}

/** A tensor the node will rebuild from a float list: shape must be `[len]`. */
function vectorToProto(kind: string, field: string, t: { values: number[]; shape: bigint[] }): number[] {
  if (t.shape.length !== 1 || t.shape[0] !== BigInt(t.values.length)) {
    throw cannot(kind, `${field} has shape [${t.shape.join(', ')}], but the node rebuilds it as [${t.values.length}]`, `Pass ${field} as a flat 1-D tensor.`)
  }
  return t.values.map((v) => Math.fround(v))
}

function kindToProto(kind: KindValue): ProtoTransactionKind {
  const k = (init: ProtoKindInit) => create(TransactionKindSchema, { kind: init })
  switch (kind.$kind) {
    case 'Genesis':
      return k({
        case: 'genesis',
        value: { objects: kind.Genesis.objects.map((o) => genesisObjectToProto(o)) },
      })
    case 'ConsensusCommitPrologueV1': {
      const v = kind.ConsensusCommitPrologueV1
      return k({
        case: 'consensusCommitPrologue',
        value: {
          epoch: v.epoch,
          round: v.round,
          subDagIndex: v.subDagIndex ?? undefined,
          commitTimestamp: msToTimestamp(v.commitTimestampMs),
          consensusCommitDigest: v.consensusCommitDigest,
          additionalStateDigest: v.additionalStateDigest,
        },
      })
    }
    case 'ChangeEpoch': {
      const v = kind.ChangeEpoch
      return k({
        case: 'changeEpoch',
        value: {
          epoch: v.epoch,
          epochStartTimestamp: msToTimestamp(v.epochStartTimestampMs),
          protocolVersion: v.protocolVersion,
          fees: v.fees,
          epochRandomness: v.epochRandomness,
        },
      })
    }
    case 'AddValidator':
      return k({ case: 'addValidator', value: { ...kind.AddValidator } })
    case 'RemoveValidator':
      return k({ case: 'removeValidator', value: { pubkeyBytes: kind.RemoveValidator.pubkeyBytes } })
    case 'ReportValidator':
      return k({ case: 'reportValidator', value: { reportee: kind.ReportValidator.reportee } })
    case 'UndoReportValidator':
      return k({ case: 'undoReportValidator', value: { reportee: kind.UndoReportValidator.reportee } })
    case 'UpdateValidatorMetadata': {
      const v = kind.UpdateValidatorMetadata
      return k({
        case: 'updateValidatorMetadata',
        value: {
          nextEpochNetworkAddress: v.nextEpochNetworkAddress ?? undefined,
          nextEpochP2pAddress: v.nextEpochP2pAddress ?? undefined,
          nextEpochPrimaryAddress: v.nextEpochPrimaryAddress ?? undefined,
          nextEpochProxyAddress: v.nextEpochProxyAddress ?? undefined,
          nextEpochProtocolPubkey: v.nextEpochProtocolPubkey ?? undefined,
          nextEpochWorkerPubkey: v.nextEpochWorkerPubkey ?? undefined,
          nextEpochNetworkPubkey: v.nextEpochNetworkPubkey ?? undefined,
          nextEpochProofOfPossession: v.nextEpochProofOfPossession ?? undefined,
        },
      })
    }
    case 'SetCommissionRate':
      return k({ case: 'setCommissionRate', value: { newRate: kind.SetCommissionRate.newRate } })
    case 'TransferCoin': {
      const v = kind.TransferCoin
      return k({ case: 'transferCoin', value: { coin: refToProto(v.coin), amount: v.amount ?? undefined, recipient: v.recipient } })
    }
    case 'PayCoins': {
      const v = kind.PayCoins
      if (v.amounts === null) {
        throw cannot('PayCoins', 'amounts = None (pay everything) has no protobuf form; the node rebuilds Some([])', 'Give one explicit amount per recipient.')
      }
      return k({ case: 'payCoins', value: { coins: v.coins.map(refToProto), amounts: v.amounts, recipients: v.recipients } })
    }
    case 'TransferObjects': {
      const v = kind.TransferObjects
      return k({ case: 'transferObjects', value: { objects: v.objects.map(refToProto), recipient: v.recipient } })
    }
    case 'AddStake': {
      const v = kind.AddStake
      return k({ case: 'addStake', value: { address: v.address, coinRef: refToProto(v.coinRef), amount: v.amount ?? undefined } })
    }
    case 'WithdrawStake':
      return k({ case: 'withdrawStake', value: { stakedSoma: refToProto(kind.WithdrawStake.stakedSoma) } })
    case 'CreateModel':
      return k({ case: 'createModel', value: { ...kind.CreateModel } })
    case 'CommitModel': {
      const v = kind.CommitModel
      return k({
        case: 'commitModel',
        value: {
          modelId: v.modelId,
          manifest: manifestToProto(v.manifest),
          weightsCommitment: fromBase58(v.weightsCommitment),
          embeddingCommitment: fromBase58(v.embeddingCommitment),
          decryptionKeyCommitment: fromBase58(v.decryptionKeyCommitment),
        },
      })
    }
    case 'RevealModel': {
      const v = kind.RevealModel
      return k({
        case: 'revealModel',
        value: {
          modelId: v.modelId,
          decryptionKey: fromBase58(v.decryptionKey),
          embedding: vectorToProto('RevealModel', 'embedding', v.embedding),
        },
      })
    }
    case 'AddStakeToModel': {
      const v = kind.AddStakeToModel
      return k({ case: 'addStakeToModel', value: { modelId: v.modelId, coinRef: refToProto(v.coinRef), amount: v.amount ?? undefined } })
    }
    case 'SetModelCommissionRate':
      return k({ case: 'setModelCommissionRate', value: { ...kind.SetModelCommissionRate } })
    case 'DeactivateModel':
      return k({ case: 'deactivateModel', value: { modelId: kind.DeactivateModel.modelId } })
    case 'ReportModel':
      return k({ case: 'reportModel', value: { modelId: kind.ReportModel.modelId } })
    case 'UndoReportModel':
      return k({ case: 'undoReportModel', value: { modelId: kind.UndoReportModel.modelId } })
    case 'SubmitData': {
      const v = kind.SubmitData
      const d = v.distanceScore
      if (d.values.length !== 1 || d.shape.length !== 1 || d.shape[0] !== 1n) {
        throw cannot('SubmitData', `distance_score has shape [${d.shape.join(', ')}], but the node rebuilds it as the scalar shape [1]`, 'Pass the distance as a single number.')
      }
      return k({
        case: 'submitData',
        value: {
          targetId: v.targetId,
          dataManifest: create(SubmissionManifestSchema, { manifest: manifestToProto(v.dataManifest.manifest) }),
          modelId: v.modelId,
          embedding: vectorToProto('SubmitData', 'embedding', v.embedding),
          distanceScore: Math.fround(d.values[0]!),
          lossScore: vectorToProto('SubmitData', 'loss_score', v.lossScore),
          bondCoin: refToProto(v.bondCoin),
        },
      })
    }
    case 'ClaimRewards':
      return k({ case: 'claimRewards', value: { targetId: kind.ClaimRewards.targetId } })
    case 'ReportSubmission':
      return k({ case: 'reportSubmission', value: { targetId: kind.ReportSubmission.targetId } })
    case 'UndoReportSubmission':
      return k({ case: 'undoReportSubmission', value: { targetId: kind.UndoReportSubmission.targetId } })
    default: {
      const unknown: never = kind
      throw new InvalidArgumentError(`Unknown transaction kind ${String((unknown as { $kind?: string }).$kind)}.`)
    }
  }
}

type ProtoKindInit = NonNullable<Parameters<typeof create<typeof TransactionKindSchema>>[1]>['kind']

function genesisObjectToProto(o: KindBody<'Genesis'>['objects'][number]): Object$ {
  const contents = o.data.contents
  if (contents.length < 32) {
    throw new InvalidArgumentError('A genesis object must start with its 32-byte id.', { details: `contents has ${contents.length} bytes` })
  }
  const owner = o.owner
  const ownerInit =
    owner.$kind === 'AddressOwner'
      ? { kind: Owner_OwnerKind.ADDRESS, address: owner.AddressOwner }
      : owner.$kind === 'Shared'
        ? { kind: Owner_OwnerKind.SHARED, version: owner.Shared.initialSharedVersion }
        : { kind: Owner_OwnerKind.IMMUTABLE }
  return create(ObjectSchema, {
    objectId: `0x${toHex(contents.subarray(0, 32))}`,
    version: o.data.version,
    objectType: o.data.objectType.$kind,
    owner: create(OwnerSchema, ownerInit),
    contents: contents.slice(32),
    previousTransaction: o.previousTransaction,
  })
}

/**
 * The protobuf `Transaction` for a TransactionData value. Addresses go out as `0x` + 64 hex,
 * URLs normalized, floats rounded to f32. Throws `InvalidArgumentError` for what the protobuf
 * cannot carry: PayCoins without amounts, tensors whose shape the node would not rebuild.
 * `digest`, when given, is put in the (input-ignored) digest field as the reference SDK does.
 */
export function transactionDataToProto(data: TransactionDataValue, digest?: string): Transaction {
  const v1 = data.V1
  return create(TransactionSchema, {
    digest,
    kind: kindToProto(v1.kind),
    sender: v1.sender,
    gasPayment: v1.gasPayment.map(refToProto),
  })
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}
