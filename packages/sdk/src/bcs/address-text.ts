/**
 * The `0x` + 64 hex text of addresses and object ids on the BCS hot path: a 1 MiB value can hold
 * 32,000 of them, and each is turned into text when read and back into bytes by the re-encode
 * check. The general helpers (`toHex`, `normalizeAddress`, `addressToBytes`) build the text by
 * `+=` (a rope of 32 pieces that the heap keeps until it is flattened, about 1 KiB an address)
 * and parse it through a regular expression, `toLowerCase`, `padStart` and a second copy. Here the
 * canonical form (what decoding yields) is checked and parsed in one pass over its characters;
 * anything else goes to the general helpers, whose result and typed errors stand.
 */
import type { BcsWriter } from '@mysten/bcs'

import { addressToBytes, normalizeAddress } from './util.js'

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0))
/** Value of each lowercase hex digit's char code, -1 for every other code below 128. */
const HEX_VALUES = (() => {
  const values = new Int8Array(128).fill(-1)
  for (let i = 0; i < 16; i++) values[HEX_CODES[i]!] = i
  return values
})()
const CANONICAL_LENGTH = 66
const ZERO = 0x30
const X = 0x78

// Char codes of one address text, `0x` in front; reused, since every call runs to completion.
const codes: number[] = new Array<number>(CANONICAL_LENGTH).fill(ZERO)
codes[1] = X
// The bytes of one parsed address, copied into the writer before the next call.
const parsed = new Uint8Array(32)

/** `0x` + 64 lowercase hex of the 32 bytes of `bytes` from `offset`, as one flat string. */
export function addressText(bytes: Uint8Array, offset = 0): string {
  for (let i = 0; i < 32; i++) {
    const byte = bytes[offset + i]!
    codes[2 + 2 * i] = HEX_CODES[byte >> 4]!
    codes[3 + 2 * i] = HEX_CODES[byte & 0x0f]!
  }
  return String.fromCharCode.apply(null, codes)
}

/** Parses canonical address text into `parsed`; false when `text` is not canonical. */
function parseCanonical(text: string): boolean {
  if (text.length !== CANONICAL_LENGTH || text.charCodeAt(0) !== ZERO || text.charCodeAt(1) !== X) return false
  for (let i = 0; i < 32; i++) {
    const high = text.charCodeAt(2 + 2 * i)
    const low = text.charCodeAt(3 + 2 * i)
    const value = ((high < 128 ? HEX_VALUES[high]! : -1) << 4) | (low < 128 ? HEX_VALUES[low]! : -1)
    if (value < 0) return false
    parsed[i] = value
  }
  return true
}

/** The canonical text of an address (`normalizeAddress`), without work when it already is. */
export function canonicalAddress(address: string | Uint8Array): string {
  return typeof address === 'string' && parseCanonical(address) ? address : normalizeAddress(address)
}

/** Writes the 32 bytes of an address given in any form `addressToBytes` accepts. */
export function writeAddress(address: string | Uint8Array, writer: BcsWriter): void {
  writer.writeBytes(typeof address === 'string' && parseCanonical(address) ? parsed : addressToBytes(address))
}
