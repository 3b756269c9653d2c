/** The node's native digests (`src/chain/digests.ts`) are the SDK's pure-JS ones, byte for byte. */
import { deriveObjectId, effectsDigest, objectDigest, signingDigest, transactionDigest } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import { deriveObjectIdOf, effectsDigestOf, objectDigestOf, signingDigestOf, transactionDigestOf } from '../src/chain/digests.js'
import { prng } from './fuzz-kinds.js'

describe('native wire digests', () => {
  it('equal the SDK digests for empty, small and large inputs', () => {
    const rand = prng(7)
    // 0 and 1 bytes, around the 128-byte Blake2b block, and a SystemState-sized 40 KB.
    for (const length of [0, 1, 31, 127, 128, 129, 255, 256, 1000, 40_000]) {
      const bytes = Uint8Array.from({ length }, () => rand(256))
      expect(objectDigestOf(bytes)).toBe(objectDigest(bytes))
      expect(transactionDigestOf(bytes)).toBe(transactionDigest(bytes))
      expect(effectsDigestOf(bytes)).toBe(effectsDigest(bytes))
      expect(signingDigestOf([0, 0, 1], bytes)).toEqual(signingDigest(bytes))
      expect(signingDigestOf([2, 0, 0], bytes)).toEqual(signingDigest(bytes, [2, 0, 0]))
    }
    const digest = transactionDigest(Uint8Array.of(1, 2, 3))
    for (const n of [0n, 1n, 255n, 256n, 2n ** 32n, 2n ** 64n - 1n]) expect(deriveObjectIdOf(digest, n)).toBe(deriveObjectId(digest, n))
  })
})
