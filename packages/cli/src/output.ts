/**
 * How every command reports: human text by default, one JSON document with `--json`.
 * Errors go to stderr as a short message plus details and hint, never a stack trace. With `--json`
 * every error, usage errors included, is one line of the same shape:
 * `{"error":{"code":"SOMA_…","message":"…","hint":"…"}}` (hint only when there is one), exit 1.
 */
import { BaseError } from '@soma-ts/sdk'
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

/** The one JSON error line: `{"error":{"code","message","hint"?}}`. */
export function writeJsonError(code: string, message: string, hint: string | undefined): void {
  process.stderr.write(`${JSON.stringify({ error: hint === undefined ? { code, message } : { code, message, hint } })}\n`)
}

/** Prints an error for a person (or as JSON) and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  const ours = err instanceof BaseError ? err : undefined
  // Errors from outside soma-ts (Node, libraries) can carry long payloads: keep the first line, bounded.
  const short = bounded(ours?.shortMessage ?? (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '', 300)
  const details = ours?.details === undefined ? undefined : bounded(ours.details, 600)
  // Only soma-ts errors carry a code of our namespace; a Node file-system error is SOMA_IO, as the
  // SDK's own file errors are; anything else is unexpected.
  const code = ours?.code ?? (isSystemError(err) ? 'SOMA_IO' : 'SOMA_ERROR')
  if (json) {
    writeJsonError(code, details ? `${short} (${details.trim()})` : short, ours?.hint)
  } else {
    const lines = [`error: ${short}`]
    if (details) lines.push(`  details: ${details.trim()}`)
    if (ours?.hint) lines.push(`  hint: ${ours.hint}`)
    process.stderr.write(`${lines.join('\n')}\n`)
  }
  return 1
}

function isSystemError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined
  return e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string'
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
  writeJsonError('SOMA_USAGE', message, 'Add --help to the command to see its arguments and options.')
  return 1
}
