/**
 * How every command reports: human text by default, one JSON document with `--json`.
 * Errors go to stderr as a short message plus details and hint, never a stack trace.
 */
import type { Command, CommanderError } from 'commander'

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
  // Errors from outside the SDK (Node, libraries) can carry long payloads: keep the first line, bounded.
  const short = bounded(e.shortMessage ?? (e instanceof Error ? e.message : String(err)).split('\n')[0] ?? '', 300)
  const details = e.details === undefined ? undefined : bounded(e.details, 600)
  if (json) {
    process.stderr.write(
      `${JSON.stringify({ error: { code: e.code ?? 'SOMA_ERROR', message: short, details, hint: e.hint } })}\n`,
    )
  } else {
    const lines = [`error: ${short}`]
    if (details) lines.push(`  details: ${details.trim()}`)
    if (e.hint) lines.push(`  hint: ${e.hint}`)
    process.stderr.write(`${lines.join('\n')}\n`)
  }
  return 1
}

function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`
}

/** Stops commander from printing usage errors (and the help after them) on its own. */
export function silenceUsageErrors(command: Command): void {
  command.configureOutput({ outputError: () => {} })
  command.showHelpAfterError(false)
  for (const sub of command.commands) silenceUsageErrors(sub)
}

/** A commander usage error (unknown option, missing argument, …) as one JSON line on stderr. */
export function reportUsageError(err: CommanderError): number {
  const message = bounded(err.message.replace(/^error:\s*/i, ''), 300)
  process.stderr.write(
    `${JSON.stringify({ error: { code: 'USAGE', message, hint: 'Add --help to the command to see its arguments and options.' } })}\n`,
  )
  return err.exitCode === 0 ? 1 : err.exitCode
}
