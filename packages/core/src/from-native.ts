import { AbortedError, errorForCode, SomaCoreError } from './errors.js'

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
  const [, code = 'SOMA_INTERNAL', text = ''] = match
  return errorForCode(code, text, { cause: err })
}
