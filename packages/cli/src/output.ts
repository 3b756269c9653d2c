/**
 * How every command reports: human text by default, one JSON document with `--json`.
 * Errors go to stderr as a short message plus details and hint, never a stack trace. With `--json`
 * every error, usage errors included, is one line of the same shape:
 * `{"error":{"code":"SOMA_…","message":"…","hint":"…"}}` (hint only when there is one), exit 1.
 */
import { BaseError, TransactionFailedError } from '@soma-ts/sdk'
import type { Command, CommanderError } from 'commander'

export interface OutputOptions {
  json?: boolean
}

/** Set by `main` when `--json` appears anywhere on the command line (it is a global option). */
let jsonEverywhere = false

/** Makes every `print` write JSON, whichever command declared `--json`. */
export function setJsonOutput(json: boolean): void {
  jsonEverywhere = json
}

let failed = false

/** Records that the command failed after printing its result (a transaction with a Failure status): exit code 1. */
export function markFailed(): void {
  failed = true
}

/** Whether `markFailed` was called. */
export function hasFailed(): boolean {
  return failed
}

export function print(options: OutputOptions, value: unknown, human: () => string): void {
  if (options.json || jsonEverywhere) process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`)
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
  const hint = referenceHint(`${short} ${details ?? ''} ${err instanceof TransactionFailedError ? err.errorName : ''}`) ?? ours?.hint
  if (json) {
    writeJsonError(code, details ? `${short} (${details.trim()})` : short, hint)
  } else {
    const lines = [`error: ${short}`]
    if (details) lines.push(`  details: ${details.trim()}`)
    if (hint) lines.push(`  hint: ${hint}`)
    process.stderr.write(`${lines.join('\n')}\n`)
  }
  return 1
}

/**
 * The reference CLI's hints (cli/src/main.rs `error_hint`), matched on the text of our typed
 * errors (message, details, the chain's error name); they name the `soma` command to run, so they
 * take the place of the SDK's generic hint.
 */
export function referenceHint(text: string): string | undefined {
  const t = text.toLowerCase()
  if (t.includes('commission rate cannot exceed') || t.includes('commissionratetoohigh')) return 'Commission rates are in basis points. Use 500 for 5%.'
  if (t.includes('no soma config found') || t.includes('cannot open soma')) return 'Run `soma start localnet` to launch a local network first.'
  if (t.includes('connection refused') || t.includes('econnrefused') || t.includes('status: unavailable') || t.includes('with unavailable')) {
    return 'Is the network running? Try `soma start localnet` to launch a local network.'
  }
  if (t.includes('insufficient fund') || t.includes('insufficient gas') || t.includes('insufficientcoinbalance') || t.includes('insufficientgas') || t.includes('no usable coin')) {
    return 'Use `soma faucet` to request test tokens.'
  }
  if (t.includes('force-regenesis')) return 'Use --force-regenesis for an ephemeral network, or remove ~/.soma/ to start fresh.'
  if (t.includes('not found in active, pending, or inactive')) return 'Check the model ID with `soma model list`.'
  if (t.includes('must be exactly 32 bytes')) return 'Hex values should be 64 hex characters (32 bytes). Include the 0x prefix or omit it.'
  return undefined
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
