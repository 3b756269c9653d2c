/**
 * Byte helpers every package shares (`@soma-ts/core/bytes`). Native-free, like `errors.ts`.
 */
import { base58 } from '@scure/base'

import { InvalidArgumentError } from './errors.js'

/** The Bitcoin alphabet, the one @scure/base's `base58` uses. */
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const BASE58_CODES = Uint8Array.from(BASE58_ALPHABET, (c) => c.charCodeAt(0))
/** Digit value of each ASCII code, -1 where the code is not in the alphabet. */
const BASE58_DIGITS = (() => {
  const digits = new Int8Array(128).fill(-1)
  for (let i = 0; i < BASE58_ALPHABET.length; i++) digits[BASE58_ALPHABET.charCodeAt(i)] = i
  return digits
})()
const BASE58_ONE = 0x31 // '1', the digit that stands for one leading zero byte
/** Every 32-byte value takes 32 (all zero) to 44 Base58 digits; any other length is not one. */
const BASE58_MIN_32 = 32
const BASE58_MAX_32 = 44
/**
 * Three digits per division when encoding: a remainder below 58³ (under 2^18) times 2^32 plus a
 * 32-bit limb stays below 2^50, exact in a double, and so is the floored quotient (see below).
 */
const BASE58_CUBE = 58 * 58 * 58
const BASE58_CUBE_INVERSE = 1 / BASE58_CUBE
const TWO_32 = 2 ** 32

// Scratch space of the 32-byte codec: the value as 16 big-endian 16-bit limbs (decoding) or
// 8 big-endian 32-bit limbs (encoding), and its digits. Both functions run to completion
// without calling out, so one set serves every call.
const limbs = new Int32Array(16)
const wideLimbs = new Float64Array(8)
// Nine digits a sweep, five sweeps at most (2^256 < 58^44): 45 digits, the last ones zero.
const digitScratch = new Uint8Array(45)
/** Char-code arrays by text length (32-44), each made once: resizing one array per call costs a runtime call. */
const codeScratch: number[][] = Array.from({ length: BASE58_MAX_32 + 1 }, (_, n) => new Array<number>(n).fill(BASE58_ONE))

/** Writes the three base-58 digits of `rem` (below 58³), least significant first, from `at`. */
function threeDigits(rem: number, at: number): void {
  // An int32 from here: `%` on a double would go through fmod, many times the cost.
  const value = rem | 0
  const rest = (value / 58) | 0
  const top = (rest / 58) | 0
  digitScratch[at] = value - rest * 58
  digitScratch[at + 1] = rest - top * 58
  digitScratch[at + 2] = top
}

/**
 * Base58 of exactly 32 bytes, the size of every SOMA digest. The generic codec converts radix
 * with a division per (input byte, output digit) pair; here the value is 8 limbs of 32 bits,
 * divided by 58³ per pass, leading zero limbs skipped. Each division of a double holding an
 * integer below 2^50 multiplies by 1/58³ (a division would take several times as long): the
 * quotient is below 2^32, so the product is off by far less than 1 and its floor by at most one,
 * which the remainder's range check corrects; the remainder `cur - q·58³` is exact (below 2^50).
 * Each step waits on the one before it in its pass, so three passes run interleaved in one sweep
 * over the limbs (the second divides each quotient limb of the first as soon as it is made, the
 * third the second's): three independent chains, nine digits per sweep. Same output as
 * `base58.encode` (a differential test holds it).
 */
function encodeBase58Of32(data: Uint8Array): string {
  let zeros = 0
  while (zeros < 32 && data[zeros] === 0) zeros++
  for (let i = 0; i < 8; i++) {
    const at = 4 * i
    wideLimbs[i] = data[at]! * 0x1000000 + ((data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!)
  }
  let first = zeros >> 2 // limbs before `first` are zero
  let count = 0 // digits so far, least significant first
  while (first < 8) {
    let remA = 0
    let remB = 0
    let remC = 0
    for (let i = first; i < 8; i++) {
      const curA = remA * TWO_32 + wideLimbs[i]!
      let quotientA = Math.floor(curA * BASE58_CUBE_INVERSE)
      remA = curA - quotientA * BASE58_CUBE
      if (remA < 0) {
        quotientA--
        remA += BASE58_CUBE
      } else if (remA >= BASE58_CUBE) {
        quotientA++
        remA -= BASE58_CUBE
      }
      const curB = remB * TWO_32 + quotientA
      let quotientB = Math.floor(curB * BASE58_CUBE_INVERSE)
      remB = curB - quotientB * BASE58_CUBE
      if (remB < 0) {
        quotientB--
        remB += BASE58_CUBE
      } else if (remB >= BASE58_CUBE) {
        quotientB++
        remB -= BASE58_CUBE
      }
      const curC = remC * TWO_32 + quotientB
      let quotientC = Math.floor(curC * BASE58_CUBE_INVERSE)
      remC = curC - quotientC * BASE58_CUBE
      if (remC < 0) {
        quotientC--
        remC += BASE58_CUBE
      } else if (remC >= BASE58_CUBE) {
        quotientC++
        remC -= BASE58_CUBE
      }
      wideLimbs[i] = quotientC
    }
    while (first < 8 && wideLimbs[first] === 0) first++
    threeDigits(remA, count)
    threeDigits(remB, count + 3)
    threeDigits(remC, count + 6)
    count += 9
  }
  while (count > 0 && digitScratch[count - 1] === 0) count--
  const codes = codeScratch[zeros + count]!
  for (let i = 0; i < zeros; i++) codes[i] = BASE58_ONE
  for (let i = 0; i < count; i++) codes[zeros + i] = BASE58_CODES[digitScratch[count - 1 - i]!]!
  // One flat string from the codes (a `+=` chain would leave a rope of 44 pieces per digest).
  return String.fromCharCode.apply(null, codes)
}

/**
 * The 32 bytes that `text` encodes, or undefined when it is not valid Base58 of exactly 32 bytes;
 * the caller then asks the generic codec, whose answer (the other length, or its error) stands.
 */
function decodeBase58Of32(text: string): Uint8Array | undefined {
  const length = text.length
  if (length < BASE58_MIN_32 || length > BASE58_MAX_32) return undefined
  let zeros = 0
  while (zeros < length && text.charCodeAt(zeros) === BASE58_ONE) zeros++
  if (zeros > 32) return undefined
  limbs.fill(0)
  let top = 15 // limbs before `top` are still zero
  for (let i = zeros; i < length; ) {
    // One or two digits at a time: limbs = limbs * 58^k + digits, carried limb by limb.
    let carry = 0
    let scale = 1
    for (const end = Math.min(i + 2, length); i < end; i++) {
      const code = text.charCodeAt(i)
      const digit = code < 128 ? BASE58_DIGITS[code]! : -1
      if (digit < 0) return undefined
      carry = carry * 58 + digit
      scale *= 58
    }
    for (let j = 15; j >= top; j--) {
      const cur = limbs[j]! * scale + carry
      limbs[j] = cur & 0xffff
      carry = cur >>> 16
    }
    while (carry !== 0) {
      if (top === 0) return undefined // more than 32 bytes
      limbs[--top] = carry & 0xffff
      carry >>>= 16
    }
  }
  const out = new Uint8Array(32)
  for (let i = 0; i < 16; i++) {
    out[2 * i] = limbs[i]! >>> 8
    out[2 * i + 1] = limbs[i]! & 0xff
  }
  // The number must fill exactly the bytes after the leading zeros: one fewer leading zero byte
  // would make the value longer than 32 bytes, one more shorter.
  let leading = 0
  while (leading < 32 && out[leading] === 0) leading++
  return leading === zeros ? out : undefined
}

/**
 * 32 bytes given as raw bytes or as their Base58 text: the form of every SOMA digest, checksum,
 * commitment and AES key. `fail` builds the caller's typed error from a reason that never repeats
 * the input (it may be a secret key); callers that show the input add it themselves.
 */
export function bytes32FromBase58(value: unknown, fail: (reason: string) => Error): Uint8Array {
  let raw: Uint8Array
  if (typeof value === 'string') {
    const fast = decodeBase58Of32(value)
    if (fast) return fast
    try {
      raw = base58.decode(value)
    } catch {
      throw fail('not valid Base58')
    }
  } else if (value instanceof Uint8Array) {
    raw = value
  } else {
    throw fail(`got ${value === null ? 'null' : typeof value}, expected a Uint8Array or a Base58 string`)
  }
  if (raw.length !== 32) throw fail(`${typeof value === 'string' ? 'decodes to' : 'is'} ${raw.length} bytes, expected 32`)
  return raw
}

/** Base58 (Bitcoin alphabet), the text form of SOMA digests, checksums, commitments and keys. */
export function toBase58(data: Uint8Array): string {
  if (!(data instanceof Uint8Array)) {
    throw new InvalidArgumentError('data must be a Uint8Array.', { details: `got ${data === null ? 'null' : typeof data}` })
  }
  return data.length === 32 ? encodeBase58Of32(data) : base58.encode(data)
}

/** Decodes Base58 text; `expectedLength` rejects anything of another length. */
export function fromBase58(text: string, expectedLength?: number): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) {
    throw new InvalidArgumentError('Expected a non-empty Base58 string.')
  }
  let decoded = decodeBase58Of32(text)
  if (!decoded) {
    try {
      decoded = base58.decode(text)
    } catch {
      // The text is not repeated: it may be a decryption key.
      throw new InvalidArgumentError('The text is not valid Base58.', {
        hint: 'Base58 uses the Bitcoin alphabet: no 0, O, I or l.',
      })
    }
  }
  if (expectedLength !== undefined && decoded.length !== expectedLength) {
    throw new InvalidArgumentError(`Expected ${expectedLength} bytes of Base58, got ${decoded.length}.`)
  }
  return decoded
}
