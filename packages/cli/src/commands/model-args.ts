/**
 * Argument parsing the model and target commands share: embeddings, basis points, 32-byte values
 * (keys, checksums) in Base58 or hex, and the seed's flags that the current protocol has no place for.
 */
import { fromHex, InvalidArgumentError, parseKey } from '@soma-ts/sdk'

const COMMISSION_HINT = 'Commission rates are in basis points. Use 500 for 5%.'

/** Comma-separated f32 values (`"0.1,-0.2,3e-1"`), as the reference's `--embedding` and `--loss-score`. */
export function parseFloats(text: string, flag: string): number[] {
  const parts = text.split(',').map((s) => s.trim())
  const values = parts.map((s) => (s === '' ? Number.NaN : Number(s)))
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    const bad = parts.find((_s, i) => !Number.isFinite(values[i]!)) ?? ''
    throw new InvalidArgumentError(`${flag} must be comma-separated numbers; ${JSON.stringify(bad.slice(0, 40))} is not one.`, {
      hint: `Example: ${flag} "0.1,-0.4,1.2"`,
    })
  }
  // f32 on the wire: a value beyond f32's range would become infinite there.
  if (values.some((v) => !Number.isFinite(Math.fround(v)))) throw new InvalidArgumentError(`${flag} has a value beyond the f32 range.`)
  return values
}

/** One f32 number (`--distance-score`). */
export function parseFloat32(text: string, flag: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text)
  if (!Number.isFinite(value) || !Number.isFinite(Math.fround(value))) {
    throw new InvalidArgumentError(`${flag} must be a number, got ${JSON.stringify(text.slice(0, 40))}.`, { hint: `Example: ${flag} 0.5` })
  }
  return value
}

/** Basis points, 0 to 10000; the reference's message and hint. */
export function parseCommissionRate(text: string): bigint {
  if (!/^\d{1,20}$/.test(text.trim())) {
    throw new InvalidArgumentError(`--commission-rate must be a whole number of basis points, got ${JSON.stringify(text.slice(0, 40))}.`, {
      hint: COMMISSION_HINT,
    })
  }
  const rate = BigInt(text.trim())
  if (rate > 10_000n) throw new InvalidArgumentError('Commission rate cannot exceed 10000 (100%)', { hint: COMMISSION_HINT })
  return rate
}

/** A whole number (epoch, size, limit). */
export function parseWhole(text: string, flag: string, max: bigint = (1n << 64n) - 1n): bigint {
  if (!/^\d{1,20}$/.test(text.trim()) || BigInt(text.trim()) > max) {
    throw new InvalidArgumentError(`${flag} must be a whole number${max < 1n << 63n ? ` up to ${max}` : ''}, got ${JSON.stringify(text.slice(0, 40))}.`)
  }
  return BigInt(text.trim())
}

/**
 * 32 bytes given as Base58 (what our tools and the reference print) or as 64 hex characters (what
 * the seed's guide shows). The error never repeats the text: it may be a decryption key.
 */
export function parseBytes32(text: string, flag: string): Uint8Array {
  const hex = text.startsWith('0x') ? text.slice(2) : text
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return fromHex(hex)
  try {
    return parseKey(text)
  } catch (cause) {
    throw new InvalidArgumentError(`${flag} must be exactly 32 bytes: Base58 text, or 64 hex characters.`, {
      hint: 'A 32-byte value is about 44 Base58 characters or 64 hex characters.',
      cause,
    })
  }
}

/** A seed flag that the current protocol has no place for, and what to give instead. */
export interface ObsoleteFlag {
  /** The option's attribute name in commander (`weightsUrlCommitment`). */
  attribute: string
  flag: string
  instead: string
}

/** Throws one error naming every obsolete flag given, with what replaces each in its details. */
export function refuseObsoleteFlags(opts: Record<string, unknown>, flags: readonly ObsoleteFlag[], example: string): void {
  const given = flags.filter((f) => opts[f.attribute] !== undefined)
  if (given.length === 0) return
  const names = given.map((f) => f.flag).join(' and ')
  throw new InvalidArgumentError(`${names} ${given.length === 1 ? 'is' : 'are'} not part of the current protocol.`, {
    details: given.map((f) => `${f.flag}: ${f.instead}`).join('; '),
    hint: example,
  })
}
