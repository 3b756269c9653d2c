/**
 * Checkpoints are hashed and signed by the native core: the digests are the SDK's pure-JS Blake2b-256,
 * and the signature is noble's aggregate, byte for byte, and verifies with noble.
 */
import { bcs } from '@mysten/bcs'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { toBase58 } from '@soma-ts/core'
import { bcsTypes, blake2b256Js, encodeBcs } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import {
  checkpointContentDigest,
  checkpointDigest,
  decodeCheckpointSummary,
  encodeCheckpointSummary,
  signCheckpoint,
  verifyCheckpointSignature,
} from '../src/node/checkpoint.js'
import type { CommitteeMemberRow } from '../src/node/database.js'
import { prng } from './fuzz-kinds.js'

const utf8 = new TextEncoder()
const sigs = bls12_381.shortSignatures
/** The contents layout checkpoint.ts hashes, written out again. */
const ExecutionDigests = bcs.vector(bcs.struct('ExecutionDigests', { transaction: bcsTypes.Digest, effects: bcsTypes.Digest }))

function member(i: number): CommitteeMemberRow {
  const blsSecretKey = bls12_381.utils.randomSecretKey()
  return { address: `0x${i.toString(16).padStart(64, '0')}`, blsSecretKey, blsPublicKey: sigs.getPublicKey(blsSecretKey).toBytes(true) }
}

function summary(sequence: bigint, epoch: bigint, transactions: number): Uint8Array {
  const digest = toBase58(blake2b256Js(utf8.encode(`digest ${sequence}`)))
  return encodeCheckpointSummary({
    epoch,
    sequenceNumber: sequence,
    networkTotalTransactions: BigInt(transactions),
    contentDigest: digest,
    previousDigest: sequence === 0n ? null : digest,
    timestampMs: 1_700_000_000_000n + sequence,
  })
}

/** The signing message as checkpoint.ts builds it: intent (2, 0, 0) ‖ summary ‖ epoch u64 LE. */
function signedMessage(summaryBytes: Uint8Array, epoch: bigint): Uint8Array {
  const out = new Uint8Array(3 + summaryBytes.length + 8)
  out.set([2, 0, 0], 0)
  out.set(summaryBytes, 3)
  new DataView(out.buffer).setBigUint64(3 + summaryBytes.length, epoch, true)
  return out
}

describe('native checkpoint digests', () => {
  it('equal the SDK Blake2b-256 of the salted bytes', () => {
    const rand = prng(11)
    const digest = () => toBase58(Uint8Array.from({ length: 32 }, () => rand(256)))
    for (const count of [0, 1, 2, 17, 300]) {
      const entries = Array.from({ length: count }, () => ({ transaction: digest(), effects: digest() }))
      const contents = encodeBcs(ExecutionDigests, entries)
      expect(checkpointContentDigest(entries)).toBe(toBase58(blake2b256Js(utf8.encode('CheckpointContents::'), contents)))
    }
    for (const [sequence, epoch] of [
      [0n, 0n],
      [1n, 0n],
      [12_345n, 7n],
    ] as const) {
      const bytes = summary(sequence, epoch, 3)
      expect(checkpointDigest(bytes)).toBe(toBase58(blake2b256Js(utf8.encode('CheckpointSummary::'), bytes)))
    }
  })
})

describe('native checkpoint signatures', () => {
  it('are noble aggregates that verify with noble, committees of 1 to 4', () => {
    for (let size = 1; size <= 4; size++) {
      const committee = Array.from({ length: size }, (_, i) => member(i))
      const keys = committee.map((m) => m.blsPublicKey)
      for (const [sequence, epoch] of [
        [0n, 0n],
        [BigInt(size), 3n],
      ] as const) {
        const bytes = summary(sequence, epoch, size * 10)
        expect(decodeCheckpointSummary(bytes).sequenceNumber).toBe(sequence)
        const signed = signCheckpoint(bytes, epoch, committee)
        expect(signed.signature.length).toBe(48)
        expect(signed.signers).toEqual(new Uint8Array([(1 << size) - 1]))

        const point = sigs.hash(signedMessage(bytes, epoch), 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_')
        const noble = sigs.aggregateSignatures(committee.map((m) => sigs.sign(point, m.blsSecretKey))).toBytes(true)
        expect(signed.signature).toEqual(noble)

        expect(verifyCheckpointSignature(bytes, epoch, signed, keys)).toBe(true)
        expect(verifyCheckpointSignature(bytes, epoch + 1n, signed, keys)).toBe(false)
        const tampered = bytes.slice()
        tampered[0]! ^= 1
        expect(verifyCheckpointSignature(tampered, epoch, signed, keys)).toBe(false)
      }
    }
  })
})
