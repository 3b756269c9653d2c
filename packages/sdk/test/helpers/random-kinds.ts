// Seeded random transactions for differential tests: every user and validator kind, with edge
// values (u64 max, zero, None/Some(0), empty vectors, -0, subnormal and huge f32, tricky URLs).
import { base58 } from '@scure/base'

import type { TransactionDataInput, TransactionKindInput } from '../../src/bcs/index.js'

/** mulberry32: small, fast, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** URLs on which a WHATWG parser and rust-url must agree (or the rebuild would change the bytes). */
export const TRICKY_URLS = [
  'https://example.com/weights.bin',
  'HTTPS://Example.COM',
  'https://example.com:443/a',
  'http://example.com:80/',
  'https://example.com/./a/../b',
  'https://example.com/a b?q=c d#e f',
  'https://example.com/%7Euser/ü',
  'https://bücher.example/x',
  'https://user:pw@example.com/',
  'https://[::1]:8080/p',
  'https://0x7f.1/',
  'http://127.0.0.1:9000/data/0x01',
  's3://bucket/key/with spaces',
  'https://example.com/a\\b',
  'https://example.com?',
  'https://example.com/#',
]

export function randomTransaction(next: () => number, sender: string): TransactionDataInput {
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256))
  const u64 = () => pick([0n, 1n, 0xffff_ffff_ffff_ffffn, BigInt(int(2 ** 31)) * BigInt(int(2 ** 31)) + BigInt(int(1000))])
  const opt = <T>(v: () => T): T | null => (next() < 0.5 ? null : v())
  const addr = () => `0x${Buffer.from(bytes(32)).toString('hex')}`
  const digest = () => base58.encode(bytes(32))
  const ref = () => ({ objectId: addr(), version: u64(), digest: digest() })
  const f32 = () =>
    pick([0, -0, 1, -1, 0.1, 1e-45, 3.4e38, -2.5e-39, Math.fround(next() * 1000 - 500), Math.fround(next())]) as number
  const vec = (n: number) => Array.from({ length: n }, f32)
  const tensor1 = (n: number) => ({ values: vec(n).map((v) => Math.fround(v)), shape: [BigInt(n)] })
  const manifest = () => ({ V1: { url: pick(TRICKY_URLS), metadata: { V1: { checksum: digest(), size: u64() } } } })
  const kinds: Array<() => TransactionKindInput> = [
    () => ({ TransferCoin: { coin: ref(), amount: opt(u64), recipient: addr() } }),
    () => {
      const n = int(4)
      return { PayCoins: { coins: Array.from({ length: 1 + int(3) }, ref), amounts: Array.from({ length: n }, u64), recipients: Array.from({ length: n }, addr) } }
    },
    () => ({ TransferObjects: { objects: Array.from({ length: int(4) }, ref), recipient: addr() } }),
    () => ({ AddStake: { address: addr(), coinRef: ref(), amount: opt(u64) } }),
    () => ({ WithdrawStake: { stakedSoma: ref() } }),
    () => ({ CreateModel: { stakeAmount: u64(), commissionRate: u64(), architectureVersion: u64() } }),
    () => ({ CommitModel: { modelId: addr(), manifest: manifest(), weightsCommitment: digest(), embeddingCommitment: digest(), decryptionKeyCommitment: digest() } }),
    () => ({ RevealModel: { modelId: addr(), decryptionKey: digest(), embedding: tensor1(int(20)) } }),
    () => ({ AddStakeToModel: { modelId: addr(), coinRef: ref(), amount: opt(u64) } }),
    () => ({ SetModelCommissionRate: { modelId: addr(), newRate: u64() } }),
    () => ({ DeactivateModel: { modelId: addr() } }),
    () => ({ ReportModel: { modelId: addr() } }),
    () => ({ UndoReportModel: { modelId: addr() } }),
    () => ({
      SubmitData: {
        targetId: addr(),
        dataManifest: { manifest: manifest() },
        modelId: addr(),
        embedding: tensor1(int(20)),
        distanceScore: { values: [Math.fround(f32())], shape: [1n] },
        lossScore: tensor1(int(4)),
        bondCoin: ref(),
      },
    }),
    () => ({ ClaimRewards: { targetId: addr() } }),
    () => ({ ReportSubmission: { targetId: addr() } }),
    () => ({ UndoReportSubmission: { targetId: addr() } }),
    () => ({ SetCommissionRate: { newRate: u64() } }),
    () => ({ ReportValidator: { reportee: addr() } }),
    () => ({ UndoReportValidator: { reportee: addr() } }),
    () => ({ RemoveValidator: { pubkeyBytes: bytes(int(100)) } }),
    () => ({
      AddValidator: {
        pubkeyBytes: bytes(96),
        networkPubkeyBytes: bytes(32),
        workerPubkeyBytes: bytes(32),
        proofOfPossession: bytes(48),
        netAddress: bytes(int(40)),
        p2pAddress: bytes(int(40)),
        primaryAddress: bytes(int(40)),
        proxyAddress: bytes(int(40)),
      },
    }),
    () => ({
      UpdateValidatorMetadata: {
        nextEpochNetworkAddress: opt(() => bytes(int(30))),
        nextEpochP2pAddress: opt(() => bytes(int(30))),
        nextEpochPrimaryAddress: opt(() => bytes(int(30))),
        nextEpochProxyAddress: opt(() => bytes(int(30))),
        nextEpochProtocolPubkey: opt(() => bytes(96)),
        nextEpochWorkerPubkey: opt(() => bytes(32)),
        nextEpochNetworkPubkey: opt(() => bytes(32)),
        nextEpochProofOfPossession: opt(() => bytes(48)),
      },
    }),
    () => ({
      ChangeEpoch: { epoch: u64(), epochStartTimestampMs: u64(), protocolVersion: u64(), fees: u64(), epochRandomness: bytes(int(64)) },
    }),
    () => ({
      ConsensusCommitPrologueV1: {
        epoch: u64(),
        round: u64(),
        subDagIndex: opt(u64),
        commitTimestampMs: u64(),
        consensusCommitDigest: digest(),
        additionalStateDigest: digest(),
      },
    }),
  ]
  const kind = pick(kinds)()
  return { V1: { kind, sender, gasPayment: Array.from({ length: int(3) }, ref) } }
}
