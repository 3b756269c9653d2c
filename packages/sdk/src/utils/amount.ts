/**
 * SOMA amounts, exactly. On chain every amount is a u64 of shannons (1 SOMA = 10^9 shannons).
 * The reference Python SDK converts SOMA floats with a float multiply and truncates (`1.15` →
 * 1149999999); here a decimal is parsed digit by digit, so `"1.15"` is 1150000000 shannons and
 * nothing is ever rounded.
 */
import { InvalidArgumentError } from '../errors/index.js'

/** Shannons in one SOMA. */
export const SHANNONS_PER_SOMA = 1_000_000_000n
const U64_MAX = 0xffff_ffff_ffff_ffffn
const DECIMALS = 9

/**
 * An amount as a caller may give it: `bigint` = shannons; a decimal string or a number = SOMA
 * (`"1.15"`, `2`, `0.5`).
 */
export type AmountInput = bigint | string | number

/** Expands `1.5e-7` style text into plain decimal digits (the exponent moves the point). */
function plainDecimal(text: string): string | undefined {
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined
  const intPart = m[1] ?? ''
  const frac = m[2] ?? ''
  const exp = m[3] === undefined ? 0 : Number(m[3])
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 64) return undefined
  const digits = intPart + frac
  const point = intPart.length + exp
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length)
  return `${digits.slice(0, point)}.${digits.slice(point)}`
}

/**
 * Converts an amount to shannons. A `bigint` is taken as shannons; a string or a number is SOMA
 * and is parsed as a decimal (at most 9 places). Throws `InvalidArgumentError` for a negative,
 * non-finite, malformed or too precise value, or one above u64.
 *
 * @param value - shannons (`bigint`) or SOMA (`"1.15"`, `1.15`)
 * @param what - names the value in the error message
 * @returns the amount in shannons
 * @throws {InvalidArgumentError} when the value is not a valid amount
 * @example
 * parseAmount('1.15') // 1_150_000_000n
 * parseAmount(2) // 2_000_000_000n
 * parseAmount(5n) // 5n (shannons)
 */
export function parseAmount(value: AmountInput, what = 'amount'): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) throw new InvalidArgumentError(`The ${what} must be between 0 and 2^64-1 shannons.`)
    return value
  }
  let text: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`The ${what} must be a finite number of SOMA, got ${value}.`)
    // The shortest text that reads back as this number: what the caller wrote, for 1.15.
    text = String(value)
  } else if (typeof value === 'string') {
    text = value.trim()
  } else {
    throw new InvalidArgumentError(`The ${what} must be a bigint (shannons) or a decimal SOMA string or number.`)
  }
  if (text.startsWith('-')) throw new InvalidArgumentError(`The ${what} must not be negative.`, { details: `got ${text.slice(0, 40)}` })
  const plain = plainDecimal(text.startsWith('+') ? text.slice(1) : text)
  if (plain === undefined) {
    throw new InvalidArgumentError(`The ${what} is not a decimal number of SOMA.`, {
      details: `got ${JSON.stringify(text.slice(0, 40))}`,
      hint: 'Write SOMA as a decimal such as "1.15", or pass shannons as a bigint such as 1150000000n.',
    })
  }
  const [whole = '0', frac = ''] = plain.split('.')
  const significant = frac.replace(/0+$/, '')
  if (significant.length > DECIMALS) {
    throw new InvalidArgumentError(`The ${what} has more than 9 decimal places (1 shannon is 0.000000001 SOMA).`, {
      details: `got ${text.slice(0, 40)}`,
    })
  }
  const shannons = BigInt(whole === '' ? '0' : whole) * SHANNONS_PER_SOMA + BigInt(significant.padEnd(DECIMALS, '0') || '0')
  if (shannons > U64_MAX) throw new InvalidArgumentError(`The ${what} is larger than a u64 of shannons.`)
  return shannons
}

/**
 * Shannons as an exact decimal SOMA string, without trailing zeros.
 *
 * @param shannons - the amount in shannons
 * @returns e.g. `"1.15"` for 1150000000n
 * @example
 * formatSoma(1_150_000_000n) // '1.15'
 */
export function formatSoma(shannons: bigint): string {
  const negative = shannons < 0n
  const abs = negative ? -shannons : shannons
  const whole = abs / SHANNONS_PER_SOMA
  const frac = (abs % SHANNONS_PER_SOMA).toString().padStart(DECIMALS, '0').replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/**
 * A whole number (version, epoch, basis points, byte count) as a u64 bigint.
 *
 * @param value - a bigint or a safe integer
 * @param what - names the value in the error message
 * @returns the value as bigint
 * @throws {InvalidArgumentError} when it is not a whole number from 0 to 2^64-1
 * @example
 * parseU64(3, 'epoch') // 3n
 */
export function parseU64(value: bigint | number, what: string): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new InvalidArgumentError(`${what} must be a whole number.`)
  if (typeof value !== 'number' && typeof value !== 'bigint') throw new InvalidArgumentError(`${what} must be a bigint or a whole number.`)
  const v = BigInt(value)
  if (v < 0n || v > U64_MAX) throw new InvalidArgumentError(`${what} must be between 0 and 2^64-1.`)
  return v
}
