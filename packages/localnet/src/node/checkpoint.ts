/**
 * Checkpoints of the local network: a summary (sequence, epoch, previous digest, the digest of its
 * contents, the transaction count, the timestamp), its digest, and the committee's aggregate
 * BLS12-381 min-sig signature over it (signatures in G1, keys in G2, as the chain's validators).
 * The summary is this package's own BCS struct (documented in docs/node.md): it carries what the
 * reference summary carries for a single-process network, not the reference's exact byte layout.
 */
import { bcs } from '@mysten/bcs'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { blsMinSigSignAggregate, toBase58 } from '@soma-ts/core'
import { bcsTypes, decodeBcs, encodeBcs } from '@soma-ts/sdk'

import { blake2b256Of } from '../chain/digests.js'
import type { CommitteeMemberRow } from './database.js'

/** fastcrypto's `min_sig::DST_G1`, the same DST the validators' proofs of possession use. */
export const BLS_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'
/** Intent scope `CheckpointSummary` (2), version V0, app id Soma (0). */
const CHECKPOINT_INTENT = new Uint8Array([2, 0, 0])
const CONTENTS_SALT = new TextEncoder().encode('CheckpointContents::')
const SUMMARY_SALT = new TextEncoder().encode('CheckpointSummary::')

export const CheckpointSummaryBcs = bcs.struct('CheckpointSummary', {
  epoch: bcsTypes.U64,
  sequenceNumber: bcsTypes.U64,
  networkTotalTransactions: bcsTypes.U64,
  contentDigest: bcsTypes.Digest,
  previousDigest: bcs.option(bcsTypes.Digest),
  timestampMs: bcsTypes.U64,
})

export type CheckpointSummary = typeof CheckpointSummaryBcs.$inferType

const ExecutionDigestsBcs = bcs.vector(bcs.struct('ExecutionDigests', { transaction: bcsTypes.Digest, effects: bcsTypes.Digest }))

/** Blake2b256 over the checkpoint's (transaction digest, effects digest) pairs, in order. */
export function checkpointContentDigest(entries: readonly { transaction: string; effects: string }[]): string {
  return toBase58(blake2b256Of(CONTENTS_SALT, encodeBcs(ExecutionDigestsBcs, entries)))
}

export function encodeCheckpointSummary(summary: typeof CheckpointSummaryBcs.$inferInput): Uint8Array {
  return encodeBcs(CheckpointSummaryBcs, summary)
}

export function decodeCheckpointSummary(bytes: Uint8Array): CheckpointSummary {
  return decodeBcs(CheckpointSummaryBcs, bytes)
}

export function checkpointDigest(summaryBytes: Uint8Array): string {
  return toBase58(blake2b256Of(SUMMARY_SALT, summaryBytes))
}

/** What each committee member signs: intent ‖ BCS(summary) ‖ epoch (u64 LE), as an epoch-bound intent message. */
export function signedMessage(summaryBytes: Uint8Array, epoch: bigint): Uint8Array {
  const out = new Uint8Array(CHECKPOINT_INTENT.length + summaryBytes.length + 8)
  out.set(CHECKPOINT_INTENT, 0)
  out.set(summaryBytes, CHECKPOINT_INTENT.length)
  new DataView(out.buffer).setBigUint64(CHECKPOINT_INTENT.length + summaryBytes.length, epoch, true)
  return out
}

export interface CommitteeSignature {
  /** 48-byte compressed G1 aggregate. */
  readonly signature: Uint8Array
  /** Bitmap of the signing committee positions. */
  readonly signers: Uint8Array
}

/**
 * Every committee member signs; the signatures are aggregated into one. Native (blst): noble's hash
 * to G1 and one multiplication per member took 1.2 ms a checkpoint, most of the node's CPU at
 * 500 tx/s. The bytes are noble's (`packages/core/test/bls.test.ts`).
 */
export function signCheckpoint(summaryBytes: Uint8Array, epoch: bigint, committee: readonly CommitteeMemberRow[]): CommitteeSignature {
  const signature = blsMinSigSignAggregate(
    signedMessage(summaryBytes, epoch),
    BLS_DST,
    committee.map((m) => m.blsSecretKey),
  )
  return { signature, signers: allSigners(committee.length) }
}

/** The signer bitmap when every one of `size` committee members signs. */
export function allSigners(size: number): Uint8Array {
  const signers = new Uint8Array(Math.ceil(size / 8))
  for (let i = 0; i < size; i++) signers[i >> 3]! |= 1 << (i & 7)
  return signers
}

/**
 * Verifies an aggregate signature against the public keys of the positions the bitmap names. Stays on
 * noble, so a checkpoint signed natively is checked by an independent implementation.
 */
export function verifyCheckpointSignature(
  summaryBytes: Uint8Array,
  epoch: bigint,
  signature: CommitteeSignature,
  committeePublicKeys: readonly Uint8Array[],
): boolean {
  const sigs = bls12_381.shortSignatures
  const keys = committeePublicKeys.filter((_, i) => ((signature.signers[i >> 3] ?? 0) >> (i & 7)) & 1)
  if (keys.length === 0) return false
  try {
    const aggregateKey = sigs.aggregatePublicKeys([...keys])
    return sigs.verify(sigs.Signature.fromBytes(signature.signature), sigs.hash(signedMessage(summaryBytes, epoch), BLS_DST), aggregateKey)
  } catch {
    return false
  }
}
