// Hand-crafted hostile encodings (issue 8) and a measuring wrapper, shared by the regression tests,
// the fuzz suite and the server tests.
import * as B from '../../src/bcs/index.js'
import { encodeBcs } from '../../src/bcs/index.js'

/** ULEB128 of `n` (n < 2^32). */
export function uleb(n: number): number[] {
  const out: number[] = []
  let v = n
  do {
    let byte = v % 128
    v = Math.floor(v / 128)
    if (v > 0) byte |= 0x80
    out.push(byte)
  } while (v > 0)
  return out
}

/** The tag bytes of `value`'s variant: its encoding with the encoding of its payload cut off. */
function tagOf(encoded: Uint8Array, payloadLength: number): number[] {
  return [...encoded.subarray(0, encoded.length - payloadLength)]
}

const AUTHORITY_NAME = [0x60, ...new Array<number>(96).fill(7)]

/** One level: `TooManyIncorrectAuthorities { errors: <2^25 declared>, (AuthorityName, SomaError…) }`. */
function somaErrorLevel(): number[] {
  // errors = [] and action = '' are the last two bytes of the empty variant.
  const empty = encodeBcs(B.SomaError, { TooManyIncorrectAuthorities: { errors: [], action: '' } })
  return [...tagOf(empty, 2), ...uleb(2 ** 25), ...AUTHORITY_NAME]
}

function somaErrorPrefix(): number[] {
  const timeout = encodeBcs(B.SomaError, { TimeoutError: true })
  const status = encodeBcs(B.ExecutionStatus, { Failure: { error: { SomaError: { TimeoutError: true } } } })
  return [0 /* TransactionEffects::V1 */, ...tagOf(status, timeout.length)]
}

const payCoinsTag = () => encodeBcs(B.TransactionKind, { PayCoins: { coins: [], amounts: null, recipients: [] } })[0]!

function u64Bytes(value: bigint): number[] {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, value, true)
  return [...out]
}

export const hostile = {
  /** `levels` nested TooManyIncorrectAuthorities, each declaring 2^25 entries. */
  nestedSomaError(levels: number): Uint8Array {
    const level = somaErrorLevel()
    return Uint8Array.from(Array.from({ length: levels }, () => level).flat())
  },

  /** A 1,839-byte `TransactionEffects` whose failure status holds as many such levels as fit. */
  transactionEffects(total = 1_839): Uint8Array {
    const prefix = somaErrorPrefix()
    const level = somaErrorLevel()
    const levels = Math.floor((total - prefix.length) / level.length)
    const bytes = new Uint8Array(total)
    bytes.set([...prefix, ...Array.from({ length: levels }, () => level).flat()])
    return bytes
  },

  /** 6 bytes: `TransactionData::V1` of PayCoins whose coin vector declares 2^25 − 1 entries. */
  payCoins(): Uint8Array {
    return Uint8Array.from([0, payCoinsTag(), ...uleb(2 ** 25 - 1)])
  },

  /** 14 bytes: a `ScoreRequest` (empty url and checksum, size 0) declaring 2^25 − 1 manifests. */
  scoreRequest(): Uint8Array {
    return Uint8Array.from([0, 0, ...u64Bytes(0n), ...uleb(2 ** 25 - 1)])
  },

  /** A `SomaTensor` with no values and `rank` dimensions of u64::MAX (a 64·rank-bit product). */
  tensorWithRank(rank: number): Uint8Array {
    const max = u64Bytes(0xffff_ffff_ffff_ffffn)
    const bytes = new Uint8Array(2 + uleb(rank).length + rank * 8)
    bytes.set([0, 0, ...uleb(rank)])
    for (let i = 0; i < rank; i++) bytes.set(max, bytes.length - (i + 1) * 8)
    return bytes
  },

  /** A `SomaTensor` with one value and `rank` dimensions of u64::MAX. */
  tensorWithHugeDims(rank: number): Uint8Array {
    const max = u64Bytes(0xffff_ffff_ffff_ffffn)
    return Uint8Array.from([0, 4, 0, 0, 128, 63, ...uleb(rank), ...Array.from({ length: rank }, () => max).flat()])
  },

  /** A `TransactionData` of `RevealModel` whose embedding's shape fills about `size` bytes. */
  revealModel(size: number): Uint8Array {
    const tag = encodeBcs(B.TransactionKind, {
      RevealModel: { modelId: `0x${'11'.repeat(32)}`, decryptionKey: new Uint8Array(32), embedding: { values: [], shape: [0n] } },
    })[0]!
    const tensor = hostile.tensorWithRank(Math.ceil(size / 8))
    return Uint8Array.from([0, tag, ...new Array<number>(32).fill(0x11), 0x20, ...new Array<number>(32).fill(0), ...tensor])
  },
}

export interface Measured<T> {
  value?: T
  error?: unknown
  ms: number
  /** Growth of the V8 heap over the call (a lower bound on what it allocated: a GC only lowers it). */
  heapGrowth: number
}

/** Runs `fn` synchronously, catching what it throws, with its wall time and heap growth. */
export function measured<T>(fn: () => T): Measured<T> {
  const heapBefore = process.memoryUsage().heapUsed
  const start = performance.now()
  let out: { value?: T; error?: unknown }
  try {
    out = { value: fn() }
  } catch (error) {
    out = { error }
  }
  const ms = performance.now() - start
  return { ...out, ms, heapGrowth: process.memoryUsage().heapUsed - heapBefore }
}
