/**
 * How every command reports: human text by default, one JSON document with `--json`.
 * Errors go to stderr as a short message plus details and hint, never a stack trace.
 */
export interface OutputOptions {
  json?: boolean
}

export function print(options: OutputOptions, value: unknown, human: () => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`)
  else process.stdout.write(`${human()}\n`)
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Array.from(value)
  return value
}

interface Explained {
  shortMessage?: string
  details?: string
  hint?: string
  code?: string
}

/** Prints an error for a person (or as JSON) and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  const e = (err ?? {}) as Explained & Error
  const short = e.shortMessage ?? (e instanceof Error ? e.message : String(err))
  if (json) {
    process.stderr.write(
      `${JSON.stringify({ error: { code: e.code ?? 'SOMA_ERROR', message: short, details: e.details, hint: e.hint } })}\n`,
    )
  } else {
    const lines = [`error: ${short}`]
    if (e.details) lines.push(`  details: ${e.details.trim()}`)
    if (e.hint) lines.push(`  hint: ${e.hint}`)
    process.stderr.write(`${lines.join('\n')}\n`)
  }
  return 1
}
