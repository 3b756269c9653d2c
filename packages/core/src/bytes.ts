/**
 * Byte helpers every package shares (`@soma-ts/core/bytes`). Native-free, like `errors.ts`.
 */
import { base58 } from '@scure/base'

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
