import { AbortedError, type BaseError, errorForCode, SomaCoreError } from './errors.js'
import type { NativeErrorCode } from './native-codes.js'

/** napi's own status for an argument it could not convert (our wrappers check first). */
const NAPI_INVALID_ARG = 'InvalidArg'

function codeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined
  const code: unknown = (err as Error & { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

/**
 * Turns an error thrown by the native addon into the matching typed error. The addon
 * sets `.code` to one of the `NativeErrorCode` values and `.message` to the plain text.
 */
export function fromNative(err: unknown): BaseError {
  if (err instanceof SomaCoreError) return err
  // napi rejects a task cancelled before it started with an AbortError; the engine
  // reports a cancellation mid-way as SOMA_ABORTED.
  if (err instanceof Error && err.name === 'AbortError') return new AbortedError({ cause: err })
  const message = err instanceof Error ? err.message : String(err)
  const code = codeOf(err)
  if (code === NAPI_INVALID_ARG) return errorForCode('SOMA_INVALID_ARGUMENT' satisfies NativeErrorCode, message, { cause: err })
  if (code === undefined || !code.startsWith('SOMA_')) return new SomaCoreError('SOMA_INTERNAL', message, { cause: err })
  return errorForCode(code, message, { cause: err })
}
