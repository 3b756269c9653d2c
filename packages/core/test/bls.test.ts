import { randomBytes } from 'node:crypto'

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { describe, expect, it } from 'vitest'

import { blsMinSigSignAggregate, InvalidArgumentError, InvalidKeyError } from '../src/index.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

/** The DST the local network signs checkpoints with (fastcrypto's `min_sig::DST_G1`). */
const CHECKPOINT_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'
const GROUP_ORDER = unhex('73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001')

const sigs = bls12_381.shortSignatures

/** The reference: noble signs with each key, then aggregates (what checkpoint signing did before). */
function nobleAggregate(message: Uint8Array, dst: string, keys: readonly Uint8Array[]): Uint8Array {
  const point = sigs.hash(message, dst)
  return sigs.aggregateSignatures(keys.map((k) => sigs.sign(point, k))).toBytes(true)
}

function scalar(n: number): Uint8Array {
  const key = new Uint8Array(32)
  key[31] = n
  return key
}

describe('blsMinSigSignAggregate', () => {
  it('equals noble byte for byte for random keys and messages, committees of 1 to 4', () => {
    for (let round = 0; round < 8; round++) {
      for (let size = 1; size <= 4; size++) {
        const keys = Array.from({ length: size }, () => bls12_381.utils.randomSecretKey())
        // Empty, short and longer than a SHA-256 block, as checkpoint summaries are.
        const message = new Uint8Array(randomBytes([0, 1, 64, 137, 300][(round + size) % 5]!))
        const native = blsMinSigSignAggregate(message, CHECKPOINT_DST, keys)
        expect(native).toBeInstanceOf(Uint8Array)
        expect(native.length).toBe(48)
        expect(hex(native)).toBe(hex(nobleAggregate(message, CHECKPOINT_DST, keys)))
      }
    }
  })

  it('verifies with noble against the aggregate public key', () => {
    const keys = [1, 2, 3].map(() => bls12_381.utils.randomSecretKey())
    const message = new TextEncoder().encode('checkpoint 7')
    const signature = sigs.Signature.fromBytes(blsMinSigSignAggregate(message, CHECKPOINT_DST, keys))
    const publicKey = sigs.aggregatePublicKeys(keys.map((k) => sigs.getPublicKey(k)))
    expect(sigs.verify(signature, sigs.hash(message, CHECKPOINT_DST), publicKey)).toBe(true)
    expect(sigs.verify(signature, sigs.hash(new TextEncoder().encode('checkpoint 8'), CHECKPOINT_DST), publicKey)).toBe(false)
  })

  it('reads keys big-endian (RFC 9380 J.9.1: key 1 signs to hash_to_G1 itself)', () => {
    const dst = 'QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_'
    expect(hex(blsMinSigSignAggregate(new Uint8Array(), dst, [scalar(1)]))).toBe(
      '852926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1',
    )
    // A string DST is its UTF-8 bytes.
    const message = new Uint8Array([1, 2, 3])
    expect(blsMinSigSignAggregate(message, new TextEncoder().encode(dst), [scalar(5)])).toEqual(
      blsMinSigSignAggregate(message, dst, [scalar(5)]),
    )
  })

  it('refuses a zero key, a key at or above the group order, and a wrong length with InvalidKeyError', () => {
    const message = new Uint8Array([1])
    const rMinus1 = GROUP_ORDER.slice()
    rMinus1[31]! -= 1
    expect(hex(blsMinSigSignAggregate(message, CHECKPOINT_DST, [rMinus1]))).toBe(hex(nobleAggregate(message, CHECKPOINT_DST, [rMinus1])))
    const bad: [Uint8Array[], RegExp][] = [
      [[scalar(1), new Uint8Array(32)], /index 1: the key is zero/],
      [[GROUP_ORDER], /index 0: the key is not below the BLS12-381 group order/],
      [[scalar(1), scalar(2), new Uint8Array(32).fill(0xff)], /index 2: .*group order/],
      [[new Uint8Array(31).fill(1)], /index 0: expected 32 bytes, got 31/],
      [[new Uint8Array(33).fill(1)], /expected 32 bytes, got 33/],
    ]
    for (const [keys, message_] of bad) {
      let thrown: unknown
      try {
        blsMinSigSignAggregate(message, CHECKPOINT_DST, keys)
      } catch (err) {
        thrown = err
      }
      expect(thrown).toBeInstanceOf(InvalidKeyError)
      const err = thrown as InvalidKeyError
      expect(err.code).toBe('SOMA_INVALID_KEY')
      expect(err.shortMessage).toMatch(message_)
      expect(err.hint).toMatch(/BLS12-381 secret key is 32 bytes/)
    }
    expect(() => blsMinSigSignAggregate(message, CHECKPOINT_DST, ['key' as unknown as Uint8Array])).toThrow(InvalidKeyError)
  })

  it('refuses an empty committee, a bad DST and non-byte arguments with InvalidArgumentError', () => {
    const message = new Uint8Array([1])
    expect(() => blsMinSigSignAggregate(message, CHECKPOINT_DST, [])).toThrow(InvalidArgumentError)
    expect(() => blsMinSigSignAggregate(message, CHECKPOINT_DST, [])).toThrow(/no secret keys/)
    expect(() => blsMinSigSignAggregate(message, '', [scalar(1)])).toThrow(/DST must be 1 to 255 bytes/)
    expect(() => blsMinSigSignAggregate(message, 'x'.repeat(256), [scalar(1)])).toThrow(InvalidArgumentError)
    expect(() => blsMinSigSignAggregate('m' as unknown as Uint8Array, CHECKPOINT_DST, [scalar(1)])).toThrow(InvalidArgumentError)
    expect(() => blsMinSigSignAggregate(message, CHECKPOINT_DST, scalar(1) as unknown as Uint8Array[])).toThrow(InvalidArgumentError)
  })
})
