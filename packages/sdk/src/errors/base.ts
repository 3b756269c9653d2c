import { version } from '../version.js'

/** What every SDK error is built from. `details` and `metaMessages` must never carry secrets. */
export interface BaseErrorParameters {
  /** The underlying error, kept for `walk()`; its message shows up as `details` when none is given. */
  cause?: unknown
  /** One or two lines on what exactly was wrong (already truncated by the caller where needed). */
  details?: string
  /** What to do about it. */
  hint?: string
  /** Extra lines shown under the short message, e.g. the offending field. */
  metaMessages?: string[]
}

/**
 * The root of every error the SDK throws on purpose. Like viem's `BaseError`: a one-line
 * `shortMessage`, optional `details`, `hint` and `metaMessages`, the `cause` chain reachable with
 * `walk()`, and a full `message` that puts them together. A stable `code` lets callers (and the
 * CLI's JSON output) branch without parsing text.
 */
export class BaseError extends Error {
  override name = 'SomaError'
  readonly code: string = 'SOMA_ERROR'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly hint: string | undefined
  readonly metaMessages: string[] | undefined
  readonly version = `@soma-ts/sdk@${version}`

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const details =
      parameters.details ??
      (parameters.cause instanceof BaseError
        ? parameters.cause.details
        : parameters.cause instanceof Error
          ? truncate(parameters.cause.message)
          : undefined)
    const lines = [shortMessage]
    if (parameters.metaMessages?.length) lines.push('', ...parameters.metaMessages)
    if (details && details !== shortMessage) lines.push('', `Details: ${details}`)
    if (parameters.hint) lines.push(`Hint: ${parameters.hint}`)
    lines.push(`Version: @soma-ts/sdk@${version}`)
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause })
    this.shortMessage = shortMessage
    this.details = details
    this.hint = parameters.hint
    this.metaMessages = parameters.metaMessages
  }

  /** Follows the `cause` chain; returns the deepest error, or the first one `fn` accepts. */
  walk(fn?: (err: unknown) => boolean): unknown {
    return walk(this, fn)
  }
}

function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
  if (fn?.(err)) return err
  if (err && typeof err === 'object' && 'cause' in err && (err as { cause?: unknown }).cause !== undefined) {
    return walk((err as { cause: unknown }).cause, fn)
  }
  return fn ? null : err
}

/** Keeps error text bounded: long payloads (hex, Base64, user input) are cut in the middle. */
export function truncate(text: string, max = 120): string {
  if (text.length <= max) return text
  const keep = Math.floor((max - 5) / 2)
  return `${text.slice(0, keep)} … ${text.slice(text.length - keep)} (${text.length} chars)`
}
