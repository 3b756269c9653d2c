// The 32-byte Base58 fast path against @scure/base's generic codec: the same text for every
// value, the same bytes (or the same refusal) for every text, and every other length unchanged.
import { base58 } from '@scure/base'
import { describe, expect, it } from 'vitest'

import { bytes32FromBase58, fromBase58, toBase58 } from '../src/bytes.js'

/** xorshift32: deterministic bytes, so a failure names a reproducible input. */
function bytesFrom(seed: number) {
  let x = seed >>> 0 || 1
  return (n: number) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      out[i] = x & 0xff
    }
    return out
  }
}
const next = bytesFrom(20261203)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** 32-byte edge values: zeros, ones, leading zeros and 0xff runs of every length, single bits. */
function edges32(): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(32), new Uint8Array(32).fill(0xff)]
  for (let zeros = 0; zeros <= 32; zeros++) {
    const random = next(32)
    random.fill(0, 0, zeros)
    out.push(random)
    const ff = new Uint8Array(32).fill(0xff)
    ff.fill(0, 0, zeros)
    out.push(ff)
    const one = new Uint8Array(32)
    if (zeros < 32) one[zeros] = 1
    out.push(one)
  }
  for (let bit = 0; bit < 256; bit++) {
    const v = new Uint8Array(32)
    v[bit >> 3] = 0x80 >> (bit & 7)
    out.push(v)
  }
  // The encoder works in 32-bit limbs and divides by 58³: every limb full or alone, and values
  // next to powers of 58 (where a digit rolls over), which a wrong floor or carry would miss.
  for (let limb = 0; limb < 8; limb++) {
    const full = next(32)
    full.fill(0xff, 4 * limb, 4 * limb + 4)
    const alone = new Uint8Array(32).fill(0xff, 4 * limb, 4 * limb + 4)
    out.push(full, alone)
  }
  const max = (1n << 256n) - 1n
  for (let power = 1n; power <= max; power *= 58n) {
    for (const v of [power - 1n, power, power + 1n, power * 57n, power * 3n - 1n]) if (v <= max) out.push(bytesOf(v))
  }
  return out
}

/** `v` as 32 big-endian bytes. */
function bytesOf(v: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

const expectSameDecode = (text: string) => {
  let theirs: Uint8Array | undefined
  try {
    theirs = base58.decode(text)
  } catch {
    theirs = undefined
  }
  if (theirs === undefined) {
    expect(() => fromBase58(text), text).toThrow(/not valid Base58/)
    expect(() => bytes32FromBase58(text, (r) => new Error(r)), text).toThrow('not valid Base58')
  } else {
    if (text.length > 0) expect(hex(fromBase58(text)), text).toBe(hex(theirs))
    if (theirs.length === 32) expect(hex(bytes32FromBase58(text, (r) => new Error(r))), text).toBe(hex(theirs))
    else expect(() => bytes32FromBase58(text, (r) => new Error(r)), text).toThrow(`decodes to ${theirs.length} bytes, expected 32`)
  }
}

describe('Base58 of 32 bytes equals @scure/base', () => {
  it('encodes and decodes edge values and 20,000 random values alike', () => {
    const values = edges32()
    for (let i = 0; i < 20_000; i++) {
      const v = next(32)
      v.fill(0, 0, i % 5 === 0 ? i % 33 : 0)
      if (i % 7 === 0) v.fill(0xff, i % 32)
      values.push(v)
    }
    for (const v of values) {
      const text = base58.encode(v)
      expect(toBase58(v), hex(v)).toBe(text)
      expect(hex(fromBase58(text, 32)), text).toBe(hex(v))
      expect(hex(bytes32FromBase58(text, (r) => new Error(r))), text).toBe(hex(v))
    }
    expect(toBase58(new Uint8Array(32))).toBe('1'.repeat(32))
  })

  it('encodes views into larger buffers by their own bytes', () => {
    const buffer = next(96)
    const view = buffer.subarray(17, 49)
    expect(toBase58(view)).toBe(base58.encode(Uint8Array.from(view)))
  })

  it('texts of 31 to 45 characters that are not exactly 32 bytes get the generic answer', () => {
    const texts: string[] = ['1'.repeat(31), '1'.repeat(33), '1'.repeat(44), `${'1'.repeat(32)}2`, 'z'.repeat(44), 'z'.repeat(45)]
    for (let len = 1; len <= 40; len++) texts.push(base58.encode(next(len)))
    // Every length 31..45 of random alphabet text, and of text with one character off the alphabet.
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
    for (let len = 31; len <= 45; len++) {
      for (let k = 0; k < 40; k++) {
        const text = Array.from(next(len), (b) => alphabet[b % 58]).join('')
        texts.push(text, `${text.slice(0, len >> 1)}${'0OIl+/ é'[k % 8]}${text.slice((len >> 1) + 1)}`)
      }
    }
    for (const text of texts) expectSameDecode(text)
  })

  it('wrong lengths and bad text keep their errors', () => {
    const text = base58.encode(next(32))
    expect(() => fromBase58(text, 31)).toThrow('Expected 31 bytes of Base58, got 32.')
    expect(() => fromBase58('')).toThrow(/non-empty/)
    expect(() => fromBase58(`${text.slice(0, 43)}0`)).toThrow(/not valid Base58/)
    expect(() => bytes32FromBase58(`${text.slice(0, 43)}l`, (r) => new Error(r))).toThrow('not valid Base58')
    expect(() => bytes32FromBase58(base58.encode(next(33)), (r) => new Error(r))).toThrow('decodes to 33 bytes, expected 32')
  })
})

describe('other lengths take the generic path unchanged', () => {
  it('every length 0..64, with and without leading zeros and 0xff runs', () => {
    for (let len = 0; len <= 64; len++) {
      for (const v of [next(len), new Uint8Array(len), new Uint8Array(len).fill(0xff), (() => { const b = next(len); b.fill(0, 0, len >> 1); return b })()]) {
        const text = base58.encode(v)
        expect(toBase58(v), `${len}: ${hex(v)}`).toBe(text)
        if (text.length > 0) expect(hex(fromBase58(text)), text).toBe(hex(v))
      }
    }
  })
})

describe('Base58 errors never repeat the text', () => {
  it('an invalid key-like text is not echoed (it may be a decryption key)', () => {
    const secretish = '3qbR1eZRqXUWroWKKYhbDmR3FfqTHfqSU8zZSxtANzY0'
    let message = ''
    try {
      fromBase58(secretish)
    } catch (err) {
      message = `${(err as Error).message} ${JSON.stringify(err)}`
    }
    expect(message).toMatch(/not valid Base58/)
    expect(message).not.toContain(secretish.slice(0, 20))
  })
})
