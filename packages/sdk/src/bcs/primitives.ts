/**
 * Building blocks of the SOMA BCS layouts (reference: `types/src/base.rs`, `digests.rs`,
 * `object.rs`, `protocol-config/src/tensor.rs`). Friendly forms: addresses and object ids as
 * `0x` + 64 hex, digests as Base58, u64 as bigint, f32 as a JS number rounded with Math.fround.
 */
import { BcsType, bcs, type BcsReader, type BcsWriter } from '@mysten/bcs'

import { InvalidArgumentError } from '../errors/index.js'
import { addressText, canonicalAddress, writeAddress } from './address-text.js'
import { BoundedBcsReader, canonicalSourceOf, checkDeclaredLength, isExactRead, markExactRead, positionOf, recalledDigest, rememberCanonical, rememberDigest, vector } from './bounded.js'
import { convert } from './convert.js'
import { digestToBytes, toBase58 } from './util.js'

const U64_MAX = 0xffff_ffff_ffff_ffffn

function toU64(value: bigint | number | string): bigint {
  const v = BigInt(value)
  if (v < 0n || v > U64_MAX) throw new InvalidArgumentError(`u64 out of range: ${truncNum(v)}`)
  return v
}

/**
 * u64 as bigint (the wire's 8 bytes little-endian). Read straight into a bigint where the reader
 * is ours (the library's reader returns decimal text, which would be parsed again).
 */
export const U64: BcsType<bigint, bigint | number | string, 'u64'> = markExactRead(
  new BcsType<bigint, bigint | number | string, 'u64'>({
    name: 'u64',
    read: (reader) => (reader instanceof BoundedBcsReader ? reader.readU64() : BigInt(reader.read64())),
    write: (value, writer) => writer.write64(toU64(value)),
    serializedSize: () => 8,
  }),
)

function truncNum(v: bigint): string {
  const s = v.toString()
  return s.length > 40 ? `${s.slice(0, 20)}…` : s
}

/** `SomaAddress` / `ObjectID`: 32 raw bytes, shown as `0x` + 64 lowercase hex. */
export const Address = markExactRead(
  new BcsType<string, string | Uint8Array, 'Address'>({
    name: 'Address',
    read: (reader) => (reader instanceof BoundedBcsReader ? reader.readInPlace(32, 'address', addressText) : addressText(reader.readBytes(32))),
    write: (value, writer) => writeAddress(value, writer),
    serializedSize: () => 32,
  }),
)
export const ObjectId = Address

/** The ULEB128 length prefix of a 32-byte vector: the single byte 0x20. */
const DIGEST_PREFIX = 32

/**
 * The digest family (`TransactionDigest`, `ObjectDigest`, commitments, checksums, the AES key):
 * a 32-byte array written as a BCS byte vector, so 33 bytes on the wire (`0x20` prefix). Base58 text.
 */
export const Digest = markExactRead(
  new BcsType<string, string | Uint8Array, 'Digest'>({
    name: 'Digest',
    // Exact: the length prefix must be the single byte 0x20 (the reader refuses a padded ULEB128).
    read: (reader) => {
      const bytes = reader.readBytes(reader.readULEB())
      if (bytes.length !== 32) throw new InvalidArgumentError(`digest has ${bytes.length} bytes, expected 32`)
      const text = toBase58(bytes)
      rememberDigest(text, bytes)
      return text
    },
    write: (value, writer) => {
      const bytes = (typeof value === 'string' ? recalledDigest(value) : undefined) ?? digestToBytes(value)
      writer.write8(DIGEST_PREFIX)
      writer.writeBytes(bytes)
    },
    serializedSize: () => 1 + 32,
  }),
)

/**
 * `bcs.struct`, declared exact on read when every field is (fields are read and written in one
 * order, nothing in between); a field that is not exact leaves the struct an ordinary one.
 * `read`, where given, reads the same fields in the same order into one object literal: the
 * library's read adds each field under a name taken from a list, a keyed store per field that
 * costs more than reading it when a value holds 40,000 such structs.
 */
// biome-ignore lint/suspicious/noExplicitAny: the library's own constraint on struct fields
export function exactStruct<T extends Record<string, BcsType<any>>, const Name extends string>(
  name: Name,
  fields: T,
  read?: (reader: BcsReader) => { [K in keyof T]: T[K]['$inferType'] },
) {
  const struct = bcs.struct(name, fields)
  if (read) struct.read = read
  return Object.values(fields).every((field) => isExactRead(field)) ? markExactRead(struct) : struct
}

/** `ObjectRef = (ObjectID, Version, ObjectDigest)`: 73 bytes. */
export const ObjectRef = exactStruct('ObjectRef', { objectId: ObjectId, version: U64, digest: Digest }, (reader) => ({
  objectId: ObjectId.read(reader),
  version: U64.read(reader),
  digest: Digest.read(reader),
}))
export type ObjectRef = typeof ObjectRef.$inferType
export type ObjectRefInput = typeof ObjectRef.$inferInput

/** f32 as 4 bytes little-endian (`BcsF32`); values go through Math.fround. */
export const F32 = bcs.bytes(4).transform({
  name: 'f32',
  input: (value: number) => {
    const out = new Uint8Array(4)
    new DataView(out.buffer).setFloat32(0, Math.fround(value), true)
    return out
  },
  output: (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true),
})

/** A tensor as the chain stores it: f32 values (row-major) and a shape. */
export interface SomaTensor {
  values: number[]
  shape: bigint[]
}
export interface SomaTensorInput {
  values: ArrayLike<number>
  shape: ArrayLike<bigint | number>
}

/**
 * A JS number cannot hold every f32 NaN: a signalling NaN comes back quieted, so its bytes would
 * change. The chain stores whatever bits a client sent (a NaN distance passes the threshold
 * check), so a decoded tensor that holds a NaN keeps its original bytes under this hidden key and
 * encodes back to exactly them; the strict decoder's re-encode check then still holds.
 */
const NAN_BITS = Symbol('SomaTensor.nanBits')

/** The most dimensions a tensor may have; a longer shape is refused before any entry is read. */
export const MAX_TENSOR_RANK = 32
/** The most values a tensor may hold (2^28 f32 = 1 GiB), checked on the shape before its product. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28

const TensorWire = bcs.struct('SomaTensor', {
  dtype: bcs.u8(),
  bytes: bcs.byteVector(),
  shape: vector(U64, { minElementBytes: 8, maxLength: MAX_TENSOR_RANK }),
})

/**
 * Checks that `shape` holds exactly `count` values, one dimension at a time: the running product
 * stops as soon as it passes `count` (or the element cap), so a hostile shape costs one pass over
 * at most MAX_TENSOR_RANK small numbers instead of a product of arbitrarily large BigInts.
 */
function checkTensorShape(shape: readonly bigint[], count: number): void {
  if (shape.length > MAX_TENSOR_RANK) {
    throw new InvalidArgumentError(`tensor rank ${shape.length} exceeds the maximum of ${MAX_TENSOR_RANK}`)
  }
  if (count > MAX_TENSOR_ELEMENTS) {
    throw new InvalidArgumentError(`tensor holds ${count} values, more than the maximum of ${MAX_TENSOR_ELEMENTS}`)
  }
  const limit = BigInt(count)
  let product = 1n
  let zeroDimension = false
  for (const dimension of shape) {
    if (dimension === 0n) zeroDimension = true
    else if (!zeroDimension) {
      product *= dimension
      if (product > limit) throw new InvalidArgumentError(`tensor shape holds more than its ${count} values`)
    }
  }
  if ((zeroDimension ? 0n : product) !== limit) {
    throw new InvalidArgumentError(`tensor shape does not match its ${count} values`)
  }
}

/**
 * `SomaTensor`: `{dtype: u8 = 0 (F32), bytes: Vec<u8> (f32 LE), shape: Vec<u64>}`. Decoding checks
 * the dtype, that the byte count is a multiple of 4, and that the shape's product is the value count.
 */
export const SomaTensor = convert(TensorWire, {
  name: 'SomaTensor',
  input: (t: SomaTensorInput) => {
    const n = t.values.length
    const bytes = new Uint8Array(n * 4)
    const view = new DataView(bytes.buffer)
    const raw = (t as { [NAN_BITS]?: Uint8Array })[NAN_BITS]
    for (let i = 0; i < n; i++) {
      const v = Math.fround(Number(t.values[i]))
      // A NaN that came from decoding is written back with its original bits (see NAN_BITS).
      if (Number.isNaN(v) && raw && raw.length === n * 4) bytes.set(raw.subarray(i * 4, i * 4 + 4), i * 4)
      else view.setFloat32(i * 4, v, true)
    }
    const shape = Array.from(t.shape, (d) => BigInt(d))
    checkTensorShape(shape, n)
    return { dtype: 0, bytes, shape }
  },
  output: (w): SomaTensor => {
    if (w.dtype !== 0) throw new InvalidArgumentError(`unknown tensor dtype ${w.dtype}`)
    if (w.bytes.length % 4 !== 0) throw new InvalidArgumentError(`tensor byte count ${w.bytes.length} is not a multiple of 4`)
    checkTensorShape(w.shape, w.bytes.length / 4)
    const view = new DataView(w.bytes.buffer, w.bytes.byteOffset, w.bytes.length)
    const values = new Array<number>(w.bytes.length / 4)
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true)
    const tensor: SomaTensor = { values, shape: w.shape }
    if (values.some((v) => Number.isNaN(v))) {
      Object.defineProperty(tensor, NAN_BITS, { value: Uint8Array.from(w.bytes), enumerable: false })
    }
    return tensor
  },
})

/** A 1-D tensor of `values` (shape `[len]`), the form embeddings take on the wire. */
export function tensor(values: ArrayLike<number>): SomaTensor {
  return { values: Array.from(values, (v) => Math.fround(v)), shape: [BigInt(values.length)] }
}

/** A scalar tensor (shape `[1]`), the form `distance_score` and thresholds take. */
export function scalarTensor(value: number): SomaTensor {
  return { values: [Math.fround(value)], shape: [1n] }
}

/** `Url`: a BCS string of the URL's serialization. */
export const Url = bcs.string({ name: 'Url' })

/** `Metadata = enum { V1 { checksum: Checksum, size: u64 } }`. */
export const Metadata = bcs.enum('Metadata', {
  V1: bcs.struct('MetadataV1', { checksum: Digest, size: U64 }),
})

/** `Manifest = enum { V1 { url: Url, metadata: Metadata } }`. */
export const Manifest = bcs.enum('Manifest', {
  V1: bcs.struct('ManifestV1', { url: Url, metadata: Metadata }),
})
export type Manifest = typeof Manifest.$inferType
export type ManifestInput = typeof Manifest.$inferInput

/** `SubmissionManifest { manifest: Manifest }` (encodes identically to `Manifest`). */
export const SubmissionManifest = bcs.struct('SubmissionManifest', { manifest: Manifest })
export type SubmissionManifest = typeof SubmissionManifest.$inferType

// Canonical address text has one length and lowercase digits, so comparing the text compares the
// bytes (Rust's order for `[u8; 32]`, which BTreeMap and BTreeSet keep). What decoding yields is
// already in order: the re-encode check finds that in one pass and writes the entries as they are.

function ascending(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false
  return true
}

/** `entries` in ascending key order; a duplicate key is refused. */
function sortedEntries<K extends string | bigint, V>(entries: [K, V][]): [K, V][] {
  let sorted = true
  for (let i = 1; i < entries.length && sorted; i++) sorted = entries[i - 1]![0] < entries[i]![0]
  if (sorted) return entries
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]![0] === entries[i - 1]![0]) throw new InvalidArgumentError(`duplicate map key ${entries[i]![0]}`)
  }
  return entries
}

const AddressList = vector(Address, { minElementBytes: 32 })

/**
 * A `BTreeSet<SomaAddress>`: sorted by bytes and without duplicates on write. A set read in
 * ascending order is canonical, so its re-encode check writes the bytes it was read from.
 */
export const AddressSet: BcsType<string[], Iterable<string | Uint8Array>, 'BTreeSet<SomaAddress>'> = new BcsType<
  string[],
  Iterable<string | Uint8Array>,
  'BTreeSet<SomaAddress>'
>({
  name: 'BTreeSet<SomaAddress>',
  read: (reader) => {
    const start = positionOf(reader)
    const list = AddressList.read(reader)
    // Either way the check writes these bytes back; read out of order, it fails (see DecodeScope).
    if (start >= 0) rememberCanonical(reader, start, list, AddressSet, ascending(list))
    return list
  },
  write: (set, writer) => {
    const source = canonicalSourceOf(set, AddressSet)
    if (source) {
      writer.writeBytes(source)
      return
    }
    const addresses = Array.from(set, (a) => canonicalAddress(a))
    // Default sort order is UTF-16 code unit order: byte order for canonical address text.
    AddressList.write(ascending(addresses) ? addresses : [...new Set(addresses)].sort(), writer)
  },
})

/**
 * A `BTreeMap<K, V>` as a JS Map: read straight into the Map (no array of pairs in between), and
 * written from the Map as it is when its keys already ascend (what decoding yields), else from a
 * sorted copy. A duplicate or out-of-order key on the wire decodes, but its re-encode differs, so
 * `decodeBcs` refuses it as non-canonical.
 */
function btreeMap<K extends string | bigint, KI, V, I>(
  key: BcsType<K, KI>,
  keyBytes: number,
  normalize: (key: KI) => K,
  value: BcsType<V, I>,
  name: string,
): BcsType<Map<K, V>, Map<KI, I> | Iterable<[KI, I]>> {
  const writeEntries = (entries: Iterable<[K, I]>, size: number, writer: BcsWriter) => {
    writer.writeULEB(size)
    for (const [k, v] of entries) {
      key.write(k as unknown as KI, writer)
      value.write(v, writer)
    }
  }
  // Keys that ascend on the wire, each exact, with exact values: the one canonical encoding.
  const exact = isExactRead(key) && isExactRead(value)
  const type: BcsType<Map<K, V>, Map<KI, I> | Iterable<[KI, I]>> = new BcsType<Map<K, V>, Map<KI, I> | Iterable<[KI, I]>>({
    name,
    read: (reader) => {
      const start = exact ? positionOf(reader) : -1
      const length = reader.readULEB()
      // Each entry takes at least its key and one byte of value.
      checkDeclaredLength(reader, length, keyBytes + 1, name)
      const map = new Map<K, V>()
      let ascending = true
      let previous: K | undefined
      for (let i = 0; i < length; i++) {
        const k = key.read(reader)
        if (previous !== undefined && !(previous < k)) ascending = false
        previous = k
        map.set(k, value.read(reader))
      }
      // Either way the check writes these bytes back; read out of order, it fails (see DecodeScope).
      if (start >= 0) rememberCanonical(reader, start, map, type, ascending)
      return map
    },
    write: (map, writer) => {
      const source = exact ? canonicalSourceOf(map, type) : undefined
      if (source) {
        writer.writeBytes(source)
        return
      }
      if (map instanceof Map) {
        let ascending = true
        let previous: K | undefined
        for (const k of map.keys()) {
          const n = normalize(k)
          if (previous !== undefined && !(previous < n)) {
            ascending = false
            break
          }
          previous = n
        }
        if (ascending) {
          writer.writeULEB(map.size)
          // forEach: no [key, value] array per entry, as `for…of` over the Map would make.
          map.forEach((v, k) => {
            key.write(normalize(k) as unknown as KI, writer)
            value.write(v, writer)
          })
          return
        }
      }
      const entries = sortedEntries(Array.from(map instanceof Map ? map.entries() : map, ([k, v]) => [normalize(k), v] as [K, I]))
      writeEntries(entries, entries.length, writer)
    },
    validate: (map) => {
      if (!map || typeof map !== 'object' || !(Symbol.iterator in map)) throw new TypeError(`Expected a Map or entries, found ${typeof map}`)
    },
  })
  return type
}

/** A `BTreeMap` keyed by address / object id, as a JS Map with canonical `0x` keys. */
export function addressMap<V, I>(value: BcsType<V, I>, name: string) {
  return btreeMap(Address, 32, (k: string | Uint8Array) => canonicalAddress(k), value, name)
}

/** A `BTreeMap<u64, V>` as a JS Map keyed by bigint, written in ascending key order. */
export function u64Map<V, I>(value: BcsType<V, I>, name: string) {
  return btreeMap(U64, 8, (k: bigint | number | string) => BigInt(k), value, name)
}
