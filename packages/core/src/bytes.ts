/**
 * Byte helpers every package shares (`@soma-ts/core/bytes`). Native-free, like `errors.ts`.
 */
import { base58 } from '@scure/base'

import { InvalidArgumentError, truncate } from './errors.js'

/**
 * 32 bytes given as raw bytes or as their Base58 text: the form of every SOMA digest, checksum,
 * commitment and AES key. `fail` builds the caller's typed error from a reason that never repeats
 * the input (it may be a secret key); callers that show the input add it themselves.
 */
export function bytes32FromBase58(value: unknown, fail: (reason: string) => Error): Uint8Array {
  let raw: Uint8Array
  if (typeof value === 'string') {
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
  return base58.encode(data)
}

/** Decodes Base58 text; `expectedLength` rejects anything of another length. */
export function fromBase58(text: string, expectedLength?: number): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) {
    throw new InvalidArgumentError('Expected a non-empty Base58 string.')
  }
  let decoded: Uint8Array
  try {
    decoded = base58.decode(text)
  } catch {
    throw new InvalidArgumentError('The text is not valid Base58.', {
      details: `got "${truncate(text, 80)}"`,
      hint: 'Base58 uses the Bitcoin alphabet: no 0, O, I or l.',
    })
  }
  if (expectedLength !== undefined && decoded.length !== expectedLength) {
    throw new InvalidArgumentError(`Expected ${expectedLength} bytes of Base58, got ${decoded.length}.`)
  }
  return decoded
}
