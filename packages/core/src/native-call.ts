/**
 * The one way this package calls the native addon: errors become typed errors, an
 * AbortSignal is honoured before, during and (for pure results) after the call, and
 * progress reports reach the caller in order and only while the call is pending. A
 * progress callback that throws stops the work, and the call rejects with what it threw.
 */
import { AbortedError, InvalidArgumentError } from './errors.js'
import { fromNative } from './from-native.js'

/** A synchronous native call. */
export function callSync<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw fromNative(err)
  }
}

/** Checks an `options.signal` value. */
export function signalOf(value: unknown, what = 'options.signal'): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value
  throw new InvalidArgumentError(`${what} must be an AbortSignal.`, {
    details: `got ${value === null ? 'null' : typeof value}`,
  })
}

/** Checks an `onProgress` value. */
export function callbackOf<F>(value: F | undefined, what = 'options.onProgress'): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(`${what} must be a function.`, { details: `got ${typeof value}` })
  }
  return value
}

export interface NativeCallOptions<T> {
  signal?: AbortSignal | undefined
  /** Called with the native side's running count (bytes, batches), increasing. */
  onProgress?: ((done: number) => void) | undefined
  /** The count to report last, once the call succeeded (e.g. the file size). */
  finalCount?: (result: T) => number | undefined
  /**
   * Reject with `AbortedError` when the signal fired while the task was already running
   * (napi can only cancel queued work). Right for results without side effects; wrong
   * for a file task that has written its output.
   */
  abortWhenLate?: boolean
}

type NativeTask<T> = (report: ((done: number) => void) | undefined, signal: AbortSignal | undefined) => Promise<T>

/** An asynchronous native call (see the module comment). */
export async function callAsync<T>(options: NativeCallOptions<T>, task: NativeTask<T>): Promise<T> {
  const signal = signalOf(options.signal)
  const onProgress = callbackOf(options.onProgress)
  if (signal?.aborted) throw new AbortedError()
  let open = true
  let reported = -1
  let thrown: { error: unknown } | undefined
  const stop = new AbortController()
  const report = (done: number) => {
    if (!open || done <= reported || !onProgress) return
    reported = done
    try {
      onProgress(done)
    } catch (error) {
      open = false
      thrown = { error }
      stop.abort()
    }
  }
  const nativeSignal = onProgress ? (signal ? AbortSignal.any([signal, stop.signal]) : stop.signal) : signal
  try {
    const result = await task(onProgress ? report : undefined, nativeSignal)
    if (onProgress) {
      // Let reports already posted by the worker arrive before the promise settles.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const final = options.finalCount?.(result)
      if (final !== undefined) report(final)
    }
    if (thrown) throw thrown.error
    if (options.abortWhenLate && signal?.aborted) throw new AbortedError()
    return result
  } catch (err) {
    if (thrown) throw thrown.error
    if (err instanceof AbortedError) throw err
    if (signal?.aborted) throw new AbortedError({ cause: err })
    throw fromNative(err)
  } finally {
    open = false
  }
}

/**
 * A view the native side can read: a detached buffer reads as empty (and cannot even be
 * copied), and a resizable or growable one can change length while native code reads it.
 * The native side refuses both too; checking here also covers the copies made in JS.
 */
export function usableBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${what} must be a Uint8Array.`, {
      details: `got ${value === null ? 'null' : typeof value}`,
    })
  }
  const buffer = value.buffer as ArrayBufferLike & { resizable?: boolean; growable?: boolean; detached?: boolean }
  const refuse = (why: string) =>
    new InvalidArgumentError(`${what} is a view of ${why} ArrayBuffer.`, {
      hint: 'Pass a Uint8Array over a fixed-length buffer (copy it with `new Uint8Array(view)` first).',
    })
  if (buffer.resizable === true) throw refuse('a resizable')
  if (buffer.growable === true) throw refuse('a growable')
  if (value.byteLength === 0 && buffer.byteLength === 0) {
    // `detached` is Node 22+; before it, only a detached buffer refuses a new view.
    let detached = buffer.detached === true
    if (!detached) {
      try {
        new Uint8Array(buffer, 0, 0)
      } catch {
        detached = true
      }
    }
    if (detached) throw refuse('a detached')
  }
  return value
}
