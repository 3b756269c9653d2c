/**
 * Bounded decoding in front of `@mysten/bcs`: a reader of our own (it keeps its own position and
 * never touches the library's private state) and a `vector` that checks a declared length against
 * the bytes that remain before it reads or allocates anything. The stock `bcs.vector` does
 * `new Array(declaredLength)`, so six bytes declaring 2^32 − 1 elements cost gigabytes; every
 * schema of ours uses this `vector` instead (a test keeps `bcs.vector` out of the sources).
 */
import { BcsReader, BcsType, type BcsTypeOptions } from '@mysten/bcs'

import { BcsDecodeError } from '../errors/index.js'

/** The most bytes a ULEB128 length or enum tag may take: the Rust `bcs` crate reads them as u32. */
const MAX_ULEB_BYTES = 5
const U32_MAX = 0xffff_ffff

/**
 * The `BcsReader` that `decodeBcs` hands to every schema. It overrides every method of the
 * library's reader with its own bounds-checked state; the library's own state is an empty buffer,
 * so a method a later library version adds (and this class does not override) fails on its first
 * byte instead of reading unguarded. A test compares the two prototypes.
 */
export class BoundedBcsReader extends BcsReader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #position = 0

  constructor(bytes: Uint8Array) {
    super(new Uint8Array(0))
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Bytes read so far. */
  get position(): number {
    return this.#position
  }

  /** The bytes read since offset `start` (a view into the reader's own copy of the input). */
  bytesSince(start: number): Uint8Array {
    return this.#bytes.subarray(start, this.#position)
  }

  /**
   * Reads `count` bytes in place: `decode` gets the reader's buffer and their offset, so a fixed
   * size value (an address) is read without a view object per value.
   */
  readInPlace<T>(count: number, what: string, decode: (bytes: Uint8Array, offset: number) => T): T {
    return decode(this.#bytes, this.#take(count, what))
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.#bytes.length - this.#position
  }

  #take(count: number, what: string): number {
    if (!Number.isSafeInteger(count) || count < 0 || count > this.remaining) {
      throw new BcsDecodeError({
        typeName: what,
        details: `input ends early: ${what} needs ${count} byte(s) at offset ${this.#position}, ${this.remaining} remain`,
      })
    }
    const at = this.#position
    this.#position += count
    return at
  }

  override shift(bytes: number): this {
    this.#take(bytes, 'skip')
    return this
  }

  override read8(): number {
    return this.#view.getUint8(this.#take(1, 'u8'))
  }

  override read16(): number {
    return this.#view.getUint16(this.#take(2, 'u16'), true)
  }

  override read32(): number {
    return this.#view.getUint32(this.#take(4, 'u32'), true)
  }

  /** Decimal text, as the library's reader returns it. */
  override read64(): string {
    return this.readU64().toString()
  }

  /** A u64 as a bigint, without the decimal text `read64` goes through. */
  readU64(): bigint {
    return this.#view.getBigUint64(this.#take(8, 'u64'), true)
  }

  override read128(): string {
    const at = this.#take(16, 'u128')
    const lo = this.#view.getBigUint64(at, true)
    const hi = this.#view.getBigUint64(at + 8, true)
    return ((hi << 64n) | lo).toString()
  }

  override read256(): string {
    const at = this.#take(32, 'u256')
    let value = 0n
    for (let i = 3; i >= 0; i--) value = (value << 64n) | this.#view.getBigUint64(at + i * 8, true)
    return value.toString()
  }

  /** A view into the (already copied) input: no allocation proportional to a declared length. */
  override readBytes(num: number): Uint8Array {
    const at = this.#take(num, 'byte string')
    return this.#bytes.subarray(at, at + num)
  }

  /**
   * ULEB128 (lengths, enum tags) the way the Rust `bcs` crate reads it: at most 5 bytes, at most
   * u32::MAX, no redundant trailing zero byte. The stock reader keeps reading continuation bytes
   * into an ever larger number, which takes quadratic time on a long run of 0xff bytes.
   */
  override readULEB(): number {
    let value = 0
    for (let i = 0; i < MAX_ULEB_BYTES; i++) {
      if (this.remaining === 0) {
        throw new BcsDecodeError({ typeName: 'ULEB128', details: `input ends inside a length or tag at offset ${this.#position}` })
      }
      const byte = this.#bytes[this.#position++]!
      value += (byte & 0x7f) * 2 ** (7 * i)
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) throw new BcsDecodeError({ typeName: 'ULEB128', details: 'non-canonical length or tag (redundant zero byte)' })
        if (value > U32_MAX) break
        return value
      }
    }
    throw new BcsDecodeError({ typeName: 'ULEB128', details: 'length or tag does not fit in u32' })
  }

  override readVec(cb: (reader: BcsReader, i: number, length: number) => unknown): unknown[] {
    const length = this.readULEB()
    checkDeclaredLength(this, length, 1, 'vector')
    const out: unknown[] = []
    for (let i = 0; i < length; i++) out.push(cb(this, i, length))
    return out
  }
}

/**
 * Refuses a declared element count that cannot fit in what remains of the input, before anything
 * is read or allocated. Readers other than ours (a schema's own `.parse()`) have no public notion
 * of what remains; there the vector reads element by element and fails where the input ends.
 */
export function checkDeclaredLength(reader: BcsReader, length: number, minElementBytes: number, typeName: string, maxLength?: number): void {
  if (maxLength !== undefined && length > maxLength) {
    throw new BcsDecodeError({ typeName, details: `declares ${length} elements, more than the ${maxLength} allowed` })
  }
  if (reader instanceof BoundedBcsReader && length * minElementBytes > reader.remaining) {
    throw new BcsDecodeError({
      typeName,
      details: `declares ${length} elements at offset ${reader.position}, but only ${reader.remaining} byte(s) remain`,
    })
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a set of schemas of every value type
type AnyBcsType = BcsType<any, any>

/**
 * Schemas whose read is exact: every input a read accepts is the one encoding that writing the
 * value read gives back (fixed-size numbers and byte arrays, digests whose length prefix must be
 * 32, structs and vectors of such). Only these may skip the re-encode below.
 */
const EXACT_READ = new WeakSet<AnyBcsType>()

/** Declares `type`'s read exact (see `EXACT_READ`); returns it. @internal */
export function markExactRead<T extends AnyBcsType>(type: T): T {
  EXACT_READ.add(type)
  return type
}

/** Whether `type`'s read is exact. @internal */
export function isExactRead(type: AnyBcsType): boolean {
  return EXACT_READ.has(type)
}

/**
 * What one `decodeBcs` remembers from its read for its re-encode check. `sources`: the input
 * bytes of each decoded collection whose read proved them canonical (a vector of exact elements,
 * a map or set whose keys ascended), with the schema that read them; the check writes those bytes
 * for that very object (the value it is handed is the one just decoded) instead of encoding
 * 30,000 elements again, and still covers every other byte. A map or set of exact keys and values
 * whose keys did not ascend is kept too, marked not canonical: its canonical encoding sorts (and
 * dedups) the keys, so it differs from the input at the first key out of order (or in the length
 * prefix, which is prefix-free), and writing it cannot fail; the check writes the input bytes in
 * its place and `mismatched` records that the comparison must fail, which is what sorting 32,000
 * keys and comparing would find. `digestTexts`/`digestBytes`: each
 * digest read, in order, since turning Base58 back into bytes costs as much as making it. The
 * re-encode writes digests in the order they were read, less those inside a collection written
 * from its source (the cursor jumps past them), so a lookup is a compare at the cursor; a short
 * look-ahead covers the rest, and past it the text is decoded (a re-sorted map), never a scan
 * per digest over the whole list.
 */
interface DecodeScope {
  sources: WeakMap<object, { type: AnyBcsType; bytes: Uint8Array; digestsEnd: number; canonical: boolean }>
  mismatched: boolean
  digestTexts: string[]
  digestBytes: Uint8Array[]
  digestCursor: number
}
let scope: DecodeScope | undefined
const DIGEST_LOOKAHEAD = 16

/** Runs `work` (one decode and its re-encode check) with a scope of its own. @internal */
export function withDecodeScope<T>(work: () => T): T {
  const outer = scope
  scope = { sources: new WeakMap(), mismatched: false, digestTexts: [], digestBytes: [], digestCursor: 0 }
  try {
    return work()
  } finally {
    scope = outer
  }
}

/**
 * Remembers that `value` was read by `type` from the bytes since `start`: bytes proved canonical,
 * or (`canonical` false) proved not to be, a map or set of exact keys and values whose keys did
 * not ascend (see `DecodeScope`). @internal
 */
export function rememberCanonical(reader: BcsReader, start: number, value: object, type: AnyBcsType, canonical = true): void {
  if (scope && reader instanceof BoundedBcsReader) {
    scope.sources.set(value, { type, bytes: reader.bytesSince(start), digestsEnd: scope.digestTexts.length, canonical })
  }
}

/**
 * The bytes `type` read `value` from in this decode, for writing them in its place; undefined if
 * none. Where those bytes were proved not canonical, the decode's check is marked failed. @internal
 */
export function canonicalSourceOf(value: unknown, type: AnyBcsType): Uint8Array | undefined {
  if (!scope || value === null || typeof value !== 'object') return undefined
  const source = scope.sources.get(value)
  if (!source || source.type !== type) return undefined
  if (!source.canonical) scope.mismatched = true
  scope.digestCursor = Math.max(scope.digestCursor, source.digestsEnd)
  return source.bytes
}

/** Whether this decode's re-encode wrote, in place of a value, input bytes proved not canonical. @internal */
export function knownMismatch(): boolean {
  return scope?.mismatched ?? false
}

/** Remembers a digest's text and the 32 bytes it was read from. @internal */
export function rememberDigest(text: string, bytes: Uint8Array): void {
  if (scope) {
    scope.digestTexts.push(text)
    scope.digestBytes.push(bytes)
  }
}

/** The bytes of a digest text read in this decode, found at or just after the cursor. @internal */
export function recalledDigest(text: string): Uint8Array | undefined {
  if (!scope) return undefined
  const { digestTexts } = scope
  const end = Math.min(digestTexts.length, scope.digestCursor + DIGEST_LOOKAHEAD)
  for (let i = scope.digestCursor; i < end; i++) {
    if (digestTexts[i] === text) {
      scope.digestCursor = i + 1
      return scope.digestBytes[i]
    }
  }
  return undefined
}

/** The reader's offset, or -1 for a reader that cannot say (no canonical source is kept then). */
export function positionOf(reader: BcsReader): number {
  return reader instanceof BoundedBcsReader ? reader.position : -1
}

export interface VectorOptions<T, Input> extends BcsTypeOptions<T[], Iterable<Input> & { length: number }> {
  /** The fewest bytes one element takes on the wire (default 1: every SOMA type takes at least one). */
  minElementBytes?: number
  /** The most elements a valid value has (e.g. a tensor's rank); more is refused before reading any. */
  maxLength?: number
}

/**
 * `Vec<T>` like `bcs.vector`, but bounded: the declared length is checked against the bytes that
 * remain (times the element's minimum size) and against `maxLength` before any element is read,
 * and elements are appended as they are read, so memory follows the bytes actually present.
 */
export function vector<T, Input>(element: BcsType<T, Input>, options: VectorOptions<T, Input> = {}): BcsType<T[], Iterable<Input> & { length: number }> {
  const { minElementBytes = 1, maxLength, ...typeOptions } = options
  const name = typeOptions.name ?? `vector<${element.name}>`
  // The length prefix is canonical (the reader refuses any other), so exact elements make an exact vector.
  const exact = isExactRead(element)
  const type: BcsType<T[], Iterable<Input> & { length: number }> = new BcsType<T[], Iterable<Input> & { length: number }>({
    read: (reader) => {
      const start = exact ? positionOf(reader) : -1
      const length = reader.readULEB()
      checkDeclaredLength(reader, length, minElementBytes, name, maxLength)
      const out: T[] = []
      for (let i = 0; i < length; i++) out.push(element.read(reader))
      if (start >= 0) rememberCanonical(reader, start, out, type)
      return out
    },
    write: (value, writer) => {
      const source = exact ? canonicalSourceOf(value, type) : undefined
      if (source) {
        writer.writeBytes(source)
        return
      }
      if (maxLength !== undefined && value.length > maxLength) {
        throw new TypeError(`${name} holds ${value.length} elements, more than the ${maxLength} allowed`)
      }
      writer.writeULEB(value.length)
      for (const item of value) element.write(item, writer)
    },
    ...typeOptions,
    name,
    validate: (value) => {
      typeOptions.validate?.(value)
      if (!value || typeof value !== 'object' || !('length' in value)) throw new TypeError(`Expected array, found ${typeof value}`)
    },
  })
  return exact ? markExactRead(type) : type
}
