import type { BcsType } from '@mysten/bcs'

import { BcsDecodeError, BcsEncodeError, BaseError, truncate } from '../errors/index.js'
import { BoundedBcsReader, knownMismatch, withDecodeScope } from './bounded.js'
import { FastBcsWriter } from './writer.js'

/**
 * Encodes `value` as `type`; a value of the wrong shape gives a `BcsEncodeError` (or the typed
 * error the value's own parser threw, e.g. `InvalidAddressError`), never a bare TypeError.
 */
export function encodeBcs<T, I>(type: BcsType<T, I>, value: I): Uint8Array {
  try {
    const writer = new FastBcsWriter()
    type.write(value, writer)
    return writer.toBytes()
  } catch (err) {
    if (err instanceof BaseError && !(err instanceof BcsEncodeError)) {
      throw new BcsEncodeError({ typeName: type.name, cause: err, details: err.shortMessage })
    }
    throw new BcsEncodeError({ typeName: type.name, cause: err, details: messageOf(err) })
  }
}

/**
 * Decodes exactly one `type` from `bytes`. Truncated input, trailing bytes, unknown enum tags and
 * non-canonical encodings (the bytes must re-encode to themselves, as the reference's strict
 * decoder requires) all give a `BcsDecodeError`.
 */
export function decodeBcs<T, I>(type: BcsType<T, I>, bytes: Uint8Array): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new BcsDecodeError({ typeName: type.name, details: `expected a Uint8Array, got ${typeof bytes}` })
  }
  return withDecodeScope(() => decodeChecked(type, bytes))
}

function decodeChecked<T, I>(type: BcsType<T, I>, bytes: Uint8Array): T {
  let value: T
  let used: number
  // Copy so that decoded byte arrays never alias (or pin) the caller's buffer.
  const copy = bytes.slice()
  try {
    const reader = new BoundedBcsReader(copy)
    value = type.read(reader)
    used = reader.position
  } catch (err) {
    throw new BcsDecodeError({ typeName: type.name, cause: err, details: messageOf(err) })
  }
  if (used !== bytes.length) {
    throw new BcsDecodeError({ typeName: type.name, details: `${bytes.length - used} trailing byte(s) after offset ${used}` })
  }
  let again: Uint8Array
  try {
    // A canonical encoding re-encodes to exactly `bytes`: sized for that, the buffer never grows.
    const writer = new FastBcsWriter(bytes.length)
    type.write(value as unknown as I, writer)
    again = writer.view()
  } catch (err) {
    throw new BcsDecodeError({ typeName: type.name, cause: err, details: messageOf(err) })
  }
  // A map or set whose keys were read out of order was written back as read: known to differ.
  if (knownMismatch() || !sameBytes(again, copy)) {
    throw new BcsDecodeError({ typeName: type.name, details: 'non-canonical encoding (unsorted map/set keys or similar)' })
  }
  return value
}

/**
 * Whether `a` and `b` hold the same bytes, four at a time where both start 4-byte aligned (the
 * input copy and the writer's buffer do). Not constant-time: both are public encodings, and the
 * constant-time `bytesEqual` costs about 8 ns a byte, 8 ms on a 1 MiB value.
 */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const length = a.length
  if (length !== b.length) return false
  let i = 0
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = length >>> 2
    const wa = new Int32Array(a.buffer, a.byteOffset, words)
    const wb = new Int32Array(b.buffer, b.byteOffset, words)
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false
    i = words * 4
  }
  for (; i < length; i++) if (a[i] !== b[i]) return false
  return true
}

function messageOf(err: unknown): string {
  if (err instanceof BcsDecodeError) return err.details ?? err.shortMessage
  if (err instanceof BaseError) return err.shortMessage
  if (err instanceof RangeError && /call stack/i.test(err.message)) return 'value nested too deeply to decode (stack exhausted)'
  // The stock reader signals reading past the end with the typed array's RangeError.
  if (err instanceof RangeError) return `input ends early, or a length is larger than the input (${truncate(err.message, 80)})`
  return truncate(err instanceof Error ? err.message : String(err), 160)
}
