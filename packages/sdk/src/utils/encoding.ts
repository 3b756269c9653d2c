/**
 * Text forms used on the wire: lowercase hex, Base58 (Bitcoin alphabet) and standard Base64.
 * Every decoder throws a typed error with a bounded message.
 */
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from '@noble/curves/utils.js'
import { bytes32FromBase58 } from '@soma-ts/core/bytes'
import { base64 } from '@scure/base'

import { InvalidAddressError, InvalidArgumentError, InvalidDigestError, truncate } from '../errors/index.js'

const HEX = /^[0-9a-fA-F]*$/

/** Base58 text (one implementation for every package). */
export { fromBase58, toBase58 } from '@soma-ts/core/bytes'

/** Lowercase hex, no `0x`. */
export const toHex: (bytes: Uint8Array) => string = bytesToHex
/** The bytes of all parts, in order. */
export { concatBytes }
/** Whether two byte arrays hold the same bytes. */
export const bytesEqual: (a: Uint8Array, b: Uint8Array) => boolean = equalBytes

/** Parses hex with or without `0x`; odd lengths and non-hex characters are typed errors. */
export function fromHex(text: string): Uint8Array {
  const clean = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text
  try {
    return hexToBytes(clean)
  } catch {
    throw new InvalidArgumentError('Invalid hex string.', { details: `got "${truncate(text, 80)}"` })
  }
}


export function toBase64(bytes: Uint8Array): string {
  return base64.encode(bytes)
}

export function fromBase64(text: string): Uint8Array {
  try {
    return base64.decode(text.trim())
  } catch {
    throw new InvalidArgumentError('Invalid Base64 string.', { details: `got "${truncate(text, 80)}"` })
  }
}

/** Length of an address / object id in bytes. */
export const ADDRESS_LENGTH = 32

/**
 * Canonical text of an address or object id: `0x` + 64 lowercase hex digits. Accepts `0x` with up
 * to 64 digits (left-padded, as the node's parser does), exactly 64 bare digits, or 32 raw bytes.
 */
export function normalizeAddress(address: string | Uint8Array): string {
  if (address instanceof Uint8Array) {
    if (address.length !== ADDRESS_LENGTH) {
      throw new InvalidAddressError({ address: `<${address.length} bytes>`, details: `expected 32 bytes, got ${address.length}` })
    }
    return `0x${toHex(address)}`
  }
  if (typeof address !== 'string') throw new InvalidAddressError({ address: String(address), details: 'not a string' })
  const has0x = address.startsWith('0x') || address.startsWith('0X')
  const digits = has0x ? address.slice(2) : address
  const ok = has0x ? digits.length > 0 && digits.length <= 64 : digits.length === 64
  if (!ok || !HEX.test(digits)) throw new InvalidAddressError({ address })
  return `0x${digits.toLowerCase().padStart(64, '0')}`
}

/** Whether `address` parses as an address (see `normalizeAddress`). */
export function isValidAddress(address: string): boolean {
  try {
    normalizeAddress(address)
    return true
  } catch {
    return false
  }
}

export function addressToBytes(address: string | Uint8Array): Uint8Array {
  return fromHex(normalizeAddress(address))
}

/** 32 bytes from a Base58 digest text or raw bytes; anything else is an `InvalidDigestError`. */
export function digestToBytes(digest: string | Uint8Array, what = 'digest'): Uint8Array {
  return bytes32FromBase58(digest, (reason) => {
    const shown = typeof digest === 'string' ? `"${truncate(digest, 80)}" is ` : ''
    return new InvalidDigestError({ what, details: `${shown}${reason}` })
  })
}
