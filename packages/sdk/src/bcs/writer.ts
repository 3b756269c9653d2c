/**
 * The `BcsWriter` that `encodeBcs` and `decodeBcs`'s re-encode check hand to every schema. The
 * library's writer turns each u64 and each ULEB128 length or tag into bytes through BigInt
 * division, one BigInt per byte, and copies byte strings one `setUint8` at a time: on a 1 MiB
 * value that alone costs hundreds of milliseconds. This one writes numbers with integer and
 * DataView operations and byte strings with one `set`, into a buffer that doubles as it fills.
 *
 * Like `BoundedBcsReader`, it overrides every public method of the library's writer with state of
 * its own, and the library's state is a buffer that may not grow: a method that a later library
 * version adds (and this class does not override) throws on its first byte instead of writing
 * where `toBytes` never looks. A test compares the two prototypes.
 */
import { BcsWriter, encodeStr, type Encoding } from '@mysten/bcs'

/** The most bytes one encoding may take (the limit `encodeBcs` always had). */
export const MAX_ENCODED_BYTES = 1 << 30

const U64_MAX = 0xffff_ffff_ffff_ffffn

export class FastBcsWriter extends BcsWriter {
  #bytes: Uint8Array<ArrayBuffer>
  #view: DataView
  #length = 0
  readonly #maxSize: number

  /** `initialSize`: the expected size (exact when the caller knows it: no copy as it fills). */
  constructor(initialSize = 1024, maxSize = MAX_ENCODED_BYTES) {
    super({ initialSize: 0, maxSize: 0 })
    this.#maxSize = maxSize
    this.#bytes = new Uint8Array(Math.max(0, Math.min(initialSize, maxSize)))
    this.#view = new DataView(this.#bytes.buffer)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length
  }

  /** Makes room for `count` more bytes; returns the offset they go to. */
  #reserve(count: number): number {
    const at = this.#length
    const needed = at + count
    if (needed > this.#bytes.length) {
      if (needed > this.#maxSize) {
        throw new RangeError(`BCS encoding needs ${needed} bytes, more than the ${this.#maxSize} allowed`)
      }
      const grown = new Uint8Array(Math.min(this.#maxSize, Math.max(needed, this.#bytes.length * 2, 256)))
      grown.set(this.#bytes.subarray(0, at))
      this.#bytes = grown
      this.#view = new DataView(grown.buffer)
    }
    this.#length = needed
    return at
  }

  /** Skips `bytes` bytes, which stay zero. */
  override shift(bytes: number): this {
    this.#reserve(bytes)
    return this
  }

  override write8(value: number | bigint): this {
    const at = this.#reserve(1) // before reading #bytes: reserving may replace it
    this.#bytes[at] = Number(value)
    return this
  }

  override write16(value: number | bigint): this {
    const at = this.#reserve(2)
    this.#view.setUint16(at, Number(value), true)
    return this
  }

  override write32(value: number | bigint): this {
    const at = this.#reserve(4)
    this.#view.setUint32(at, Number(value), true)
    return this
  }

  /** The low 64 bits, little-endian; a negative value writes zeros (as the library's writer does). */
  override write64(value: number | bigint): this {
    this.#writeUnsigned(BigInt(value), 1)
    return this
  }

  override write128(value: number | bigint): this {
    this.#writeUnsigned(BigInt(value), 2)
    return this
  }

  override write256(value: number | bigint): this {
    this.#writeUnsigned(BigInt(value), 4)
    return this
  }

  #writeUnsigned(value: bigint, words: number): void {
    const at = this.#reserve(words * 8)
    if (words === 1 && value >= 0n && value <= U64_MAX) {
      this.#view.setBigUint64(at, value, true)
      return
    }
    let rest = value > 0n ? value : 0n
    for (let i = 0; i < words; i++) {
      this.#view.setBigUint64(at + i * 8, BigInt.asUintN(64, rest), true)
      rest >>= 64n
    }
  }

  override writeBytes(bytes: Uint8Array): this {
    const at = this.#reserve(bytes.length)
    this.#bytes.set(bytes, at)
    return this
  }

  override writeULEB(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      // The library writes nothing for a negative length; no schema of ours writes one, so say so.
      throw new RangeError(`a ULEB128 length or tag must be a non-negative safe integer, got ${value}`)
    }
    let count = 1
    for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) count++
    const at = this.#reserve(count)
    let rest = value
    for (let i = 0; i < count - 1; i++) {
      this.#bytes[at + i] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    this.#bytes[at + count - 1] = rest
    return this
  }

  // biome-ignore lint/suspicious/noExplicitAny: the library's signature, which an override must keep
  override writeVec(vector: any[], cb: (writer: BcsWriter, el: any, i: number, len: number) => void): this {
    this.writeULEB(vector.length)
    Array.from(vector).forEach((el, i) => cb(this, el, i, vector.length))
    return this
  }

  override *[Symbol.iterator](): Iterator<number, Iterable<number>> {
    for (let i = 0; i < this.#length; i++) yield this.#bytes[i]!
    return this.toBytes()
  }

  /** A copy of the bytes written. */
  override toBytes(): Uint8Array<ArrayBuffer> {
    return this.#bytes.slice(0, this.#length)
  }

  /** The bytes written, without a copy: valid until the next write. */
  view(): Uint8Array<ArrayBuffer> {
    return this.#bytes.subarray(0, this.#length)
  }

  override toString(encoding: Encoding): string {
    return encodeStr(this.toBytes(), encoding)
  }
}
