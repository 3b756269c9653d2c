/**
 * Errors thrown by @soma-ts/core. Each has a stable `code`, a short message, optional
 * details and a hint on how to fix the call. Messages never contain key material.
 */
export type CoreErrorCode =
  | 'SOMA_INVALID_KEY'
  | 'SOMA_INVALID_ARGUMENT'
  | 'SOMA_IO'
  | 'SOMA_ABORTED'
  | 'SOMA_INTERNAL'
  | 'SOMA_NATIVE_LOAD'
  | (string & {})

export interface CoreErrorOptions {
  details?: string
  hint?: string
  cause?: unknown
}

export class SomaCoreError extends Error {
  override name = 'SomaCoreError'
  readonly code: CoreErrorCode
  readonly shortMessage: string
  readonly details: string | undefined
  readonly hint: string | undefined

  constructor(code: CoreErrorCode, shortMessage: string, options: CoreErrorOptions = {}) {
    const lines = [shortMessage]
    if (options.details) lines.push('', `Details: ${options.details}`)
    if (options.hint) lines.push(`Hint: ${options.hint}`)
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = options.details
    this.hint = options.hint
  }
}

export class InvalidKeyError extends SomaCoreError {
  override name = 'InvalidKeyError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_INVALID_KEY', shortMessage, {
      hint: 'An AES-256 key is exactly 32 bytes (44 Base58 characters or so).',
      ...options,
    })
  }
}

export class InvalidArgumentError extends SomaCoreError {
  override name = 'InvalidArgumentError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_INVALID_ARGUMENT', shortMessage, options)
  }
}

export class FileError extends SomaCoreError {
  override name = 'FileError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_IO', shortMessage, options)
  }
}

export class AbortedError extends SomaCoreError {
  override name = 'AbortError'
  constructor(options: CoreErrorOptions = {}) {
    super('SOMA_ABORTED', 'The operation was aborted.', options)
  }
}

export class NativeBindingError extends SomaCoreError {
  override name = 'NativeBindingError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_NATIVE_LOAD', shortMessage, options)
  }
}

const CODE_PREFIX = /^(SOMA_[A-Z_]+): ([\s\S]*)$/

/** Turns an error thrown by the native addon into the matching typed error. */
export function fromNative(err: unknown): SomaCoreError {
  if (err instanceof SomaCoreError) return err
  const message = err instanceof Error ? err.message : String(err)
  const name = err instanceof Error ? err.name : ''
  // napi rejects a task cancelled before it started with an AbortError; the engine
  // reports a cancellation mid-way as SOMA_ABORTED. Matching the word "aborted" in any
  // message would turn, say, a missing file under /tmp/aborted/ into an AbortedError.
  if (name === 'AbortError') return new AbortedError({ cause: err })
  const match = CODE_PREFIX.exec(message)
  if (!match) return new SomaCoreError('SOMA_INTERNAL', message, { cause: err })
  const [, code, text = ''] = match
  switch (code) {
    case 'SOMA_INVALID_KEY':
      return new InvalidKeyError(text)
    case 'SOMA_INVALID_ARGUMENT':
      return new InvalidArgumentError(text)
    case 'SOMA_IO':
      return new FileError(text, { hint: 'Check that the path exists and is readable (or writable, for outputs).' })
    case 'SOMA_ABORTED':
      return new AbortedError()
    default:
      return new SomaCoreError(code ?? 'SOMA_INTERNAL', text, { cause: err })
  }
}
