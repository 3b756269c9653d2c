/**
 * Human formatting as the reference CLI prints it (`format_soma`, fees, durations, short ids),
 * and the u64 JSON numbers of its serde output.
 */
import { normalizeAddress, SHANNONS_PER_SOMA } from '@soma-ts/sdk'

/** A u64/u128 as the reference's serde JSON writes it: a number, or its text beyond 2^53. */
export function jsonInt(value: bigint | number): number | string {
  const v = BigInt(value)
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()
}

const suffixed = (whole: bigint, unit: bigint, suffix: string) => `${(Number(whole) / Number(unit)).toFixed(2)}${suffix} SOMA`

/**
 * The reference's `format_soma`: `0 SOMA`; below 1000 SOMA the exact trimmed decimal
 * (`1.5 SOMA`, `0.0001 SOMA`); from 1K, 1M, 1B whole SOMA two decimals and a suffix.
 */
export function formatSomaHuman(shannons: bigint): string {
  if (shannons < 0n) return `-${formatSomaHuman(-shannons)}`
  if (shannons === 0n) return '0 SOMA'
  const whole = shannons / SHANNONS_PER_SOMA
  const frac = (shannons % SHANNONS_PER_SOMA).toString().padStart(9, '0').replace(/0+$/, '')
  if (whole >= 1_000_000_000n) return suffixed(whole, 1_000_000_000n, 'B')
  if (whole >= 1_000_000n) return suffixed(whole, 1_000_000n, 'M')
  if (whole >= 1_000n) return suffixed(whole, 1_000n, 'K')
  return frac === '' ? `${whole} SOMA` : `${whole}.${frac} SOMA`
}

/** `1234567` → `1,234,567`. */
export function withCommas(n: bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** A fee as the reference shows it: `X SOMA (1,234 shannons)`. */
export function formatFee(shannons: bigint): string {
  return `${formatSomaHuman(shannons)} (${withCommas(shannons)} shannons)`
}

/** The reference's durations: `~Xh Ym`, `~Xm Ys`, `~Xs`, `< 1s`. */
export function formatDuration(ms: bigint): string {
  const secs = ms / 1000n
  if (secs < 1n) return '< 1s'
  const h = secs / 3600n
  const m = (secs % 3600n) / 60n
  const s = secs % 60n
  if (h > 0n) return `~${h}h ${m}m`
  if (m > 0n) return `~${m}m ${s}s`
  return `~${s}s`
}

/**
 * An object id or address from a node's answer as the CLI prints it, `0x` + 64 hex: nodes send
 * some without `0x` (wire.md §8.3). Text that does not parse as an address is printed as it came.
 */
export function idForDisplay(text: string): string {
  try {
    return normalizeAddress(text)
  } catch {
    return text
  }
}

/** `0x1234567890…abcdef` for narrow table cells. */
export function truncateId(id: string): string {
  return id.length <= 16 ? id : `${id.slice(0, 10)}...${id.slice(-6)}`
}
