// One representative value of every TransactionKind, shared by the rebuild test and the
// reference-SDK peer test.
import { base58 } from '@scure/base'

import type { TRANSACTION_KIND_NAMES, TransactionDataInput, TransactionKindInput } from '../../src/bcs/index.js'

export const rep = (byte: string, n = 32) => byte.repeat(n)
export const id = (byte: string) => `0x${rep(byte)}`
export const b58 = (byte: number) => base58.encode(new Uint8Array(32).fill(byte))
export const bytes = (byte: number, n: number) => new Uint8Array(n).fill(byte)
export const SENDER = '0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133'
export const COIN = { objectId: id('11'), version: 7n, digest: b58(0x22) }
export const COIN2 = { objectId: id('12'), version: 9n, digest: b58(0x23) }
export const MANIFEST = { V1: { url: 'https://example.com/weights.bin', metadata: { V1: { checksum: b58(0xbd), size: 25n } } } }

export function tx(kind: TransactionKindInput, gasPayment = [COIN]): TransactionDataInput {
  return { V1: { kind, sender: SENDER, gasPayment } }
}

export const COMMIT_MODEL = { modelId: id('44'), manifest: MANIFEST, weightsCommitment: b58(0xbd), embeddingCommitment: b58(0xe5), decryptionKeyCommitment: b58(0x8c) }
export const SUBMIT_DATA = {
  targetId: id('66'),
  dataManifest: { manifest: { V1: { url: 'https://example.com/data', metadata: { V1: { checksum: b58(0xd1), size: 10n } } } } },
  modelId: id('44'),
  embedding: { values: [0.25, 0.5, 0.75, 1], shape: [4n] },
  distanceScore: { values: [0.5], shape: [1n] },
  lossScore: { values: [1, 2], shape: [2n] },
  bondCoin: COIN,
}

// One representative value per kind, already in the form the node rebuilds (normalized URLs,
// f32-exact floats, [len] tensors), so BCS(value) must survive the protobuf round trip unchanged.
const coinContents = new Uint8Array([...bytes(0x11, 32), 0x00, 0xf2, 0x05, 0x2a, 0x01, 0, 0, 0])
export const EVERY_KIND: Record<(typeof TRANSACTION_KIND_NAMES)[number], TransactionKindInput> = {
  Genesis: {
    Genesis: {
      objects: [
        { data: { objectType: { Coin: true }, version: 1n, contents: coinContents }, owner: { AddressOwner: SENDER }, previousTransaction: b58(0x55) },
        { data: { objectType: { SystemState: true }, version: 1n, contents: bytes(0x05, 40) }, owner: { Shared: { initialSharedVersion: 1n } }, previousTransaction: b58(0x55) },
        { data: { objectType: { Target: true }, version: 3n, contents: bytes(0x07, 33) }, owner: { Immutable: true }, previousTransaction: b58(0x56) },
      ],
    },
  },
  ConsensusCommitPrologueV1: {
    ConsensusCommitPrologueV1: {
      epoch: 3n,
      round: 1234n,
      subDagIndex: 2n,
      commitTimestampMs: 1_700_000_000_123n,
      consensusCommitDigest: b58(0x61),
      additionalStateDigest: b58(0x62),
    },
  },
  ChangeEpoch: {
    ChangeEpoch: { epoch: 4n, epochStartTimestampMs: 1_700_000_999_007n, protocolVersion: 5n, fees: 987_654n, epochRandomness: bytes(0x99, 48) },
  },
  AddValidator: {
    AddValidator: {
      pubkeyBytes: bytes(1, 96),
      networkPubkeyBytes: bytes(2, 32),
      workerPubkeyBytes: bytes(3, 32),
      proofOfPossession: bytes(4, 48),
      netAddress: bytes(5, 20),
      p2pAddress: bytes(6, 21),
      primaryAddress: bytes(7, 22),
      proxyAddress: bytes(8, 23),
    },
  },
  RemoveValidator: { RemoveValidator: { pubkeyBytes: bytes(9, 96) } },
  ReportValidator: { ReportValidator: { reportee: id('aa') } },
  UndoReportValidator: { UndoReportValidator: { reportee: id('ab') } },
  UpdateValidatorMetadata: {
    UpdateValidatorMetadata: {
      nextEpochNetworkAddress: bytes(1, 10),
      nextEpochP2pAddress: null,
      nextEpochPrimaryAddress: new Uint8Array(0),
      nextEpochProxyAddress: null,
      nextEpochProtocolPubkey: bytes(2, 96),
      nextEpochWorkerPubkey: null,
      nextEpochNetworkPubkey: bytes(3, 32),
      nextEpochProofOfPossession: null,
    },
  },
  SetCommissionRate: { SetCommissionRate: { newRate: 250n } },
  TransferCoin: { TransferCoin: { coin: COIN, amount: 1_000_000_000n, recipient: id('33') } },
  PayCoins: { PayCoins: { coins: [COIN, COIN2], amounts: [1n, 2n], recipients: [id('33'), id('77')] } },
  TransferObjects: { TransferObjects: { objects: [COIN, COIN2], recipient: id('34') } },
  AddStake: { AddStake: { address: id('35'), coinRef: COIN2, amount: null } },
  WithdrawStake: { WithdrawStake: { stakedSoma: COIN2 } },
  CreateModel: { CreateModel: { stakeAmount: 1_000_000_000n, commissionRate: 1000n, architectureVersion: 1n } },
  CommitModel: { CommitModel: COMMIT_MODEL },
  RevealModel: { RevealModel: { modelId: id('44'), decryptionKey: b58(0x2a), embedding: { values: [0.5, -1.25, 3], shape: [3n] } } },
  AddStakeToModel: { AddStakeToModel: { modelId: id('45'), coinRef: COIN2, amount: 0n } },
  SetModelCommissionRate: { SetModelCommissionRate: { modelId: id('45'), newRate: 10_000n } },
  DeactivateModel: { DeactivateModel: { modelId: id('46') } },
  ReportModel: { ReportModel: { modelId: id('47') } },
  UndoReportModel: { UndoReportModel: { modelId: id('48') } },
  SubmitData: { SubmitData: SUBMIT_DATA },
  ClaimRewards: { ClaimRewards: { targetId: id('67') } },
  ReportSubmission: { ReportSubmission: { targetId: id('68') } },
  UndoReportSubmission: { UndoReportSubmission: { targetId: id('69') } },
}

