/**
 * What `soma keytool` and `soma wallet` share: the reference's `Key` JSON shape, a boxed table for
 * text output, and a converter from decoded BCS values to the reference's serde JSON layout.
 */
import { type Ed25519Keypair, type Ed25519PublicKey } from '@soma-ts/sdk'

/** The reference's `Key` (camelCase): alias, address, `flag ‖ pk` Base64, scheme, flag, mnemonic. */
export interface KeyOutput {
  alias: string | null
  somaAddress: string
  publicBase64Key: string
  keyScheme: string
  flag: number
  mnemonic?: string
}

export function keyOutput(key: Ed25519Keypair | Ed25519PublicKey, alias: string | null, mnemonic?: string): KeyOutput {
  const pk = 'getPublicKey' in key ? key.getPublicKey() : key
  const out: KeyOutput = {
    alias,
    somaAddress: pk.toSomaAddress(),
    publicBase64Key: pk.toSomaBase64(),
    keyScheme: 'ed25519',
    flag: 0,
  }
  if (mnemonic !== undefined) out.mnemonic = mnemonic
  return out
}

/** A rounded box table; `header` rows get a rule beneath them. */
export function table(rows: string[][], options: { header?: boolean; title?: string } = {}): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  const line = (l: string, m: string, r: string) => `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`
  const row = (r: string[]) => `│${widths.map((w, i) => ` ${(r[i] ?? '').padEnd(w)} `).join('│')}│`
  const out: string[] = []
  if (options.title) {
    const inner = widths.reduce((a, w) => a + w + 3, -1)
    out.push(`╭${'─'.repeat(inner)}╮`, `│ ${options.title.padEnd(inner - 2)} │`, line('├', '┬', '┤'))
  } else {
    out.push(line('╭', '┬', '╮'))
  }
  rows.forEach((r, i) => {
    out.push(row(r))
    if (options.header && i === 0 && rows.length > 1) out.push(line('├', '┼', '┤'))
  })
  out.push(line('╰', '┴', '╯'))
  return out.join('\n')
}

export function keysTable(keys: KeyOutput[]): string {
  if (keys.length === 0) return 'No keys in the keystore.'
  return table(
    [
      ['alias', 'somaAddress', 'publicBase64Key', 'keyScheme', 'flag'],
      ...keys.map((k) => [k.alias ?? '', k.somaAddress, k.publicBase64Key, k.keyScheme, String(k.flag)]),
    ],
    { header: true },
  )
}

export function keyTable(key: KeyOutput): string {
  const rows = [
    ['alias', key.alias ?? ''],
    ['somaAddress', key.somaAddress],
    ['publicBase64Key', key.publicBase64Key],
    ['keyScheme', key.keyScheme],
    ['flag', String(key.flag)],
  ]
  if (key.mnemonic) rows.push(['mnemonic', key.mnemonic])
  return table(rows)
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * Decoded BCS value → the reference's serde JSON: externally tagged enums (`{"V1": …}`, unit
 * variants as strings), snake_case fields, object refs as `[id, version, digest]`, tensors as
 * `{dtype, bytes, shape}`, byte vectors as number arrays, u64 as numbers (strings beyond 2^53).
 */
export function toReferenceJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()
  if (value instanceof Uint8Array) return Array.from(value)
  if (value instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of value) out[String(k)] = toReferenceJson(v)
    return out
  }
  if (Array.isArray(value)) return value.map(toReferenceJson)
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>
    if (typeof o.$kind === 'string') {
      const inner = o[o.$kind]
      return inner === true ? o.$kind : { [o.$kind]: toReferenceJson(inner) }
    }
    const keys = Object.keys(o)
    if (keys.length === 3 && 'objectId' in o && 'version' in o && 'digest' in o) {
      return [o.objectId, toReferenceJson(o.version), o.digest]
    }
    if (keys.length === 2 && Array.isArray(o.values) && Array.isArray(o.shape)) {
      const bytes = new Uint8Array((o.values as number[]).length * 4)
      const view = new DataView(bytes.buffer)
      ;(o.values as number[]).forEach((v, i) => view.setFloat32(i * 4, v, true))
      return { dtype: 0, bytes: Array.from(bytes), shape: (o.shape as bigint[]).map((d) => toReferenceJson(d)) }
    }
    const out: Record<string, unknown> = {}
    for (const k of keys) out[snake(k)] = toReferenceJson(o[k])
    return out
  }
  return value
}

/** `--json` given on the command or on any parent. */
export function wantsJson(opts: { json?: boolean }): boolean {
  return opts.json === true
}
