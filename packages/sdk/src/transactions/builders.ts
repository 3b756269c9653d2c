/**
 * Plain-value builders for every user transaction kind: each returns a `TransactionKindInput`
 * that both the BCS encoder and the protobuf converter (`rpc/build.ts`) take, so the bytes that
 * are signed and the message that is sent come from one value. They apply the node's rebuild
 * rules up front (wire.md §8.4): PayCoins always carries `Some(amounts)`, URLs are WHATWG-normalized,
 * embeddings are f32 tensors of shape `[len]`, the distance score a scalar of shape `[1]`.
 */
import { encodeBcs } from '../bcs/codec.js'
import { SomaTensor, scalarTensor, tensor, type ObjectRefInput } from '../bcs/primitives.js'
import type { TransactionDataInput, TransactionKindInput } from '../bcs/transaction.js'
import { InvalidArgumentError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import { digestToBytes, normalizeAddress, toBase58 } from '../utils/encoding.js'
import { normalizeUrl } from '../utils/url.js'

type Address = string | Uint8Array
type Amount = bigint | number
/** A 32-byte value as Base58 text or raw bytes (digests, commitments, checksums, the AES key). */
type Bytes32 = string | Uint8Array

function u64(value: Amount, what: string): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`${what} must be a whole number of shannons (use bigint above 2^53).`)
  }
  const v = BigInt(value)
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new InvalidArgumentError(`${what} must fit in a u64.`)
  return v
}
const opt = (value: Amount | null | undefined, what: string) => (value === undefined || value === null ? null : u64(value, what))
const b58 = (value: Bytes32, what: string) => toBase58(digestToBytes(value, what))


/** `Manifest::V1 { url, metadata: V1 { checksum, size } }`. */
export function manifest(p: { url: string; checksum: Bytes32; size: Amount }) {
  return { V1: { url: normalizeUrl(p.url), metadata: { V1: { checksum: b58(p.checksum, 'checksum'), size: u64(p.size, 'size') } } } }
}

/** Blake2b-256 of BCS(SomaTensor(values, [len])), Base58: the model's embedding commitment. */
export function embeddingCommitment(embedding: ArrayLike<number>): string {
  return toBase58(blake2b256(encodeBcs(SomaTensor, tensor(embedding))))
}

export function transferCoin(p: { coin: ObjectRefInput; amount?: Amount | null; recipient: Address }): TransactionKindInput {
  return { TransferCoin: { coin: p.coin, amount: opt(p.amount, 'amount'), recipient: normalizeAddress(p.recipient) } }
}

/** PayCoins with `Some(amounts)` (pay-all cannot be expressed over gRPC). One amount per recipient. */
export function payCoins(p: { coins: ObjectRefInput[]; amounts: Amount[]; recipients: Address[] }): TransactionKindInput {
  if (p.amounts.length !== p.recipients.length) {
    throw new InvalidArgumentError(`PayCoins needs one amount per recipient (${p.amounts.length} amounts, ${p.recipients.length} recipients).`)
  }
  if (p.coins.length === 0) throw new InvalidArgumentError('PayCoins needs at least one coin.')
  return {
    PayCoins: {
      coins: p.coins,
      amounts: p.amounts.map((a) => u64(a, 'amount')),
      recipients: p.recipients.map((r) => normalizeAddress(r)),
    },
  }
}

export function transferObjects(p: { objects: ObjectRefInput[]; recipient: Address }): TransactionKindInput {
  return { TransferObjects: { objects: p.objects, recipient: normalizeAddress(p.recipient) } }
}

/** Stake with a validator (`address` = the validator's address); no amount stakes the whole coin. */
export function addStake(p: { validator: Address; coin: ObjectRefInput; amount?: Amount | null }): TransactionKindInput {
  return { AddStake: { address: normalizeAddress(p.validator), coinRef: p.coin, amount: opt(p.amount, 'amount') } }
}

export function withdrawStake(p: { stakedSoma: ObjectRefInput }): TransactionKindInput {
  return { WithdrawStake: { stakedSoma: p.stakedSoma } }
}

/** The stake comes from the gas coin; the model id is `deriveObjectId(digest, 0)`. */
export function createModel(p: { stakeAmount: Amount; commissionRate: Amount; architectureVersion: Amount }): TransactionKindInput {
  const rate = u64(p.commissionRate, 'commissionRate')
  if (rate > 10_000n) {
    throw new InvalidArgumentError('The commission rate is in basis points and at most 10000.', { hint: 'Use 500 for 5%.' })
  }
  return {
    CreateModel: {
      stakeAmount: u64(p.stakeAmount, 'stakeAmount'),
      commissionRate: rate,
      architectureVersion: u64(p.architectureVersion, 'architectureVersion'),
    },
  }
}

export function commitModel(p: {
  modelId: Address
  url: string
  /** Blake2b-256 of the encrypted weights. */
  checksum: Bytes32
  /** Encrypted size in bytes. */
  size: Amount
  /** Defaults to the checksum (the reference SDK and CLI use the same value). */
  weightsCommitment?: Bytes32
  embeddingCommitment: Bytes32
  decryptionKeyCommitment: Bytes32
}): TransactionKindInput {
  return {
    CommitModel: {
      modelId: normalizeAddress(p.modelId),
      manifest: manifest(p),
      weightsCommitment: b58(p.weightsCommitment ?? p.checksum, 'weights commitment'),
      embeddingCommitment: b58(p.embeddingCommitment, 'embedding commitment'),
      decryptionKeyCommitment: b58(p.decryptionKeyCommitment, 'decryption key commitment'),
    },
  }
}

export function revealModel(p: { modelId: Address; decryptionKey: Bytes32; embedding: ArrayLike<number> }): TransactionKindInput {
  return {
    RevealModel: { modelId: normalizeAddress(p.modelId), decryptionKey: b58(p.decryptionKey, 'decryption key'), embedding: tensor(p.embedding) },
  }
}

export function addStakeToModel(p: { modelId: Address; coin: ObjectRefInput; amount?: Amount | null }): TransactionKindInput {
  return { AddStakeToModel: { modelId: normalizeAddress(p.modelId), coinRef: p.coin, amount: opt(p.amount, 'amount') } }
}

export function setModelCommissionRate(p: { modelId: Address; newRate: Amount }): TransactionKindInput {
  return { SetModelCommissionRate: { modelId: normalizeAddress(p.modelId), newRate: u64(p.newRate, 'newRate') } }
}

export function deactivateModel(p: { modelId: Address }): TransactionKindInput {
  return { DeactivateModel: { modelId: normalizeAddress(p.modelId) } }
}

export function reportModel(p: { modelId: Address }): TransactionKindInput {
  return { ReportModel: { modelId: normalizeAddress(p.modelId) } }
}

export function undoReportModel(p: { modelId: Address }): TransactionKindInput {
  return { UndoReportModel: { modelId: normalizeAddress(p.modelId) } }
}

export function submitData(p: {
  targetId: Address
  url: string
  /** Blake2b-256 of the raw data. */
  checksum: Bytes32
  size: Amount
  modelId: Address
  embedding: ArrayLike<number>
  distanceScore: number
  lossScore: ArrayLike<number>
  bondCoin: ObjectRefInput
}): TransactionKindInput {
  return {
    SubmitData: {
      targetId: normalizeAddress(p.targetId),
      dataManifest: { manifest: manifest(p) },
      modelId: normalizeAddress(p.modelId),
      embedding: tensor(p.embedding),
      distanceScore: scalarTensor(p.distanceScore),
      lossScore: tensor(p.lossScore),
      bondCoin: p.bondCoin,
    },
  }
}

export function claimRewards(p: { targetId: Address }): TransactionKindInput {
  return { ClaimRewards: { targetId: normalizeAddress(p.targetId) } }
}

export function reportSubmission(p: { targetId: Address }): TransactionKindInput {
  return { ReportSubmission: { targetId: normalizeAddress(p.targetId) } }
}

export function undoReportSubmission(p: { targetId: Address }): TransactionKindInput {
  return { UndoReportSubmission: { targetId: normalizeAddress(p.targetId) } }
}

export function setCommissionRate(p: { newRate: Amount }): TransactionKindInput {
  return { SetCommissionRate: { newRate: u64(p.newRate, 'newRate') } }
}

export function reportValidator(p: { reportee: Address }): TransactionKindInput {
  return { ReportValidator: { reportee: normalizeAddress(p.reportee) } }
}

export function undoReportValidator(p: { reportee: Address }): TransactionKindInput {
  return { UndoReportValidator: { reportee: normalizeAddress(p.reportee) } }
}

/** `TransactionData::V1 { kind, sender, gas_payment }`; `gasPayment[0]` is the primary gas coin. */
export function transactionData(p: { kind: TransactionKindInput; sender: Address; gasPayment: ObjectRefInput[] }): TransactionDataInput {
  if (p.gasPayment.length === 0) throw new InvalidArgumentError('A user transaction needs at least one gas coin.')
  return { V1: { kind: p.kind, sender: normalizeAddress(p.sender), gasPayment: p.gasPayment } }
}
