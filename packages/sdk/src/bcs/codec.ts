import type { BcsType } from '@mysten/bcs'

import { BcsDecodeError, BcsEncodeError, BaseError, truncate } from '../errors/index.js'
import { bytesEqual } from '../utils/encoding.js'
import { BoundedBcsReader } from './bounded.js'
import { withDigestMemo } from './primitives.js'
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
  return withDigestMemo(() => decodeChecked(type, bytes))
}

function decodeChecked<T, I>(type: BcsType<T, I>, bytes: Uint8Array): T {
  let value: T
  let used: number
  try {
    // Copy so that decoded byte arrays never alias (or pin) the caller's buffer.
    const copy = bytes.slice()
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
  if (!bytesEqual(again, bytes)) {
    throw new BcsDecodeError({ typeName: type.name, details: 'non-canonical encoding (unsorted map/set keys or similar)' })
  }
  return value
}

function messageOf(err: unknown): string {
  if (err instanceof BcsDecodeError) return err.details ?? err.shortMessage
  if (err instanceof BaseError) return err.shortMessage
  if (err instanceof RangeError && /call stack/i.test(err.message)) return 'value nested too deeply to decode (stack exhausted)'
  // The stock reader signals reading past the end with the typed array's RangeError.
  if (err instanceof RangeError) return `input ends early, or a length is larger than the input (${truncate(err.message, 80)})`
  return truncate(err instanceof Error ? err.message : String(err), 160)
}
