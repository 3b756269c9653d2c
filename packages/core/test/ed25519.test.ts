import { createPublicKey, randomBytes, verify } from 'node:crypto'

import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'

import { ed25519VerifyStrict, InvalidArgumentError } from '../src/index.js'

const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))
/** The group order L, little-endian (as S is encoded). */
const ORDER = unhex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')

/** OpenSSL's RFC 8032 verdict, which the local network relied on before. */
function openssl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' })
    return verify(null, message, key, signature)
  } catch {
    return false
  }
}

/** The chain's rule (ZIP-215): every native `true` must also be a `true` here. */
const zip215 = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: true })
  } catch {
    return false
  }
}

function addOrder(signature: Uint8Array): Uint8Array {
  const out = signature.slice()
  let carry = 0
  for (let i = 0; i < 32; i++) {
    const sum = out[32 + i]! + ORDER[i]! + carry
    out[32 + i] = sum & 0xff
    carry = sum >> 8
  }
  return out
}

describe('ed25519VerifyStrict', () => {
  it('agrees with OpenSSL on 200 random signatures and their tampered copies, and never accepts what ZIP-215 refuses', () => {
    for (let i = 0; i < 200; i++) {
      const secret = randomBytes(32)
      const publicKey = ed25519.getPublicKey(secret)
      const message = randomBytes(i % 3 === 0 ? 32 : i)
      const signature = ed25519.sign(message, secret)
      const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
        [publicKey, message, signature],
        [publicKey, Uint8Array.of(...message, 1), signature],
        [publicKey, message, Uint8Array.from(signature, (b, j) => (j === i % 64 ? b ^ 0x20 : b))],
        [ed25519.getPublicKey(randomBytes(32)), message, signature],
        [publicKey, message, addOrder(signature)],
      ]
      for (const [pk, m, sig] of cases) {
        const native = ed25519VerifyStrict(pk, m, sig)
        expect(native).toBe(openssl(pk, m, sig))
        if (native) expect(zip215(pk, m, sig)).toBe(true)
      }
      expect(ed25519VerifyStrict(publicKey, message, signature)).toBe(true)
      expect(ed25519VerifyStrict(publicKey, message, addOrder(signature))).toBe(false)
    }
  })

  it('the small-order and non-canonical edge cases: a native true is always a ZIP-215 true', () => {
    const identity = unhex(`01${'00'.repeat(31)}`)
    // y = p + 1 encodes the identity's y non-canonically.
    const nonCanonicalIdentity = unhex(`eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f`)
    const zeroS = new Uint8Array(32)
    const message = randomBytes(32)
    for (const pk of [identity, nonCanonicalIdentity]) {
      for (const r of [identity, nonCanonicalIdentity]) {
        const sig = Uint8Array.of(...r, ...zeroS)
        if (ed25519VerifyStrict(pk, message, sig)) expect(zip215(pk, message, sig)).toBe(true)
      }
    }
  })

  it('wrong lengths are false; a non-bytes argument is a typed error', () => {
    const secret = randomBytes(32)
    const publicKey = ed25519.getPublicKey(secret)
    const signature = ed25519.sign(new Uint8Array(), secret)
    expect(ed25519VerifyStrict(publicKey.subarray(0, 31), new Uint8Array(), signature)).toBe(false)
    expect(ed25519VerifyStrict(publicKey, new Uint8Array(), signature.subarray(0, 63))).toBe(false)
    expect(ed25519VerifyStrict(new Uint8Array(), new Uint8Array(), new Uint8Array())).toBe(false)
    expect(() => ed25519VerifyStrict('key' as unknown as Uint8Array, new Uint8Array(), signature)).toThrow(InvalidArgumentError)
  })
})
