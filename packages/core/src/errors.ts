/**
 * The one error model of soma-ts (`@soma-ts/core/errors`). Every error any package throws on
 * purpose extends `BaseError`, defined here at the bottom of the stack so that an `instanceof`
 * check holds whichever package threw or re-exported the class. Codes share one namespace,
 * `SOMA_*`. This module is native-free: it never loads the binding, so browser code can import it.
 */
import type { NativeErrorCode } from './native-codes.js'
import { version } from './version.js'

export type { NativeErrorCode } from './native-codes.js'

/** What every error is built from. `details` and `metaMessages` must never carry secrets. */
export interface BaseErrorParameters {
  /** The underlying error, kept for `walk()`; its message shows up as `details` when none is given. */
  cause?: unknown
  /** One or two lines on what exactly was wrong (already bounded by the caller where needed). */
  details?: string
  /** What to do about it. */
  hint?: string
  /** Extra lines shown under the short message, e.g. the offending field. */
  metaMessages?: string[]
  /** Where the docs explain this error, relative to the docs root (e.g. `signers.md`). */
  docsPath?: string
}

export interface ErrorConfig {
  /** Turns a `docsPath` into what the `Docs:` line shows. */
  getDocsUrl: (docsPath: string) => string
  /** The `Version:` line; the packages are released in lockstep, so one label covers them. */
  version: string
}

const errorConfig: ErrorConfig = {
  getDocsUrl: (docsPath) => `packages/sdk/docs/${docsPath}`,
  version: `soma-ts@${version}`,
}

/**
 * Lets an embedder change the docs location and the version label (tests pin the label so that
 * snapshots of messages survive releases).
 */
export function setErrorConfig(config: Partial<ErrorConfig>): void {
  Object.assign(errorConfig, config)
}

/**
 * The root of every soma-ts error (viem's `BaseError` shape): a one-line `shortMessage`, optional
 * `details`, `hint` and `metaMessages`, a `docsPath`, the `cause` chain reachable with `walk()`, and
 * a full `message` that puts them together. A stable `code` lets callers (and the CLI's JSON output)
 * branch without parsing text.
 */
export class BaseError extends Error {
  override name = 'SomaError'
  readonly code: string
  readonly shortMessage: string
  readonly details: string | undefined
  readonly hint: string | undefined
  readonly metaMessages: string[] | undefined
  readonly docsPath: string | undefined
  readonly version: string

  constructor(shortMessage: string, parameters: BaseErrorParameters & { code?: string } = {}) {
    const cause = parameters.cause
    // A cause's message becomes the details unless it only repeats the short message (as a
    // native error's `CODE: text` does).
    const details =
      parameters.details ??
      (cause instanceof BaseError
        ? cause.details
        : cause instanceof Error && !cause.message.includes(shortMessage)
          ? truncate(cause.message)
          : undefined)
    const lines = [shortMessage]
    if (parameters.metaMessages?.length) lines.push('', ...parameters.metaMessages)
    if (details && details !== shortMessage) lines.push('', `Details: ${details}`)
    if (parameters.hint) lines.push(`Hint: ${parameters.hint}`)
    if (parameters.docsPath) lines.push(`Docs: ${errorConfig.getDocsUrl(parameters.docsPath)}`)
    lines.push(`Version: ${errorConfig.version}`)
    super(lines.join('\n'), cause === undefined ? undefined : { cause })
    this.code = parameters.code ?? 'SOMA_ERROR'
    this.shortMessage = shortMessage
    this.details = details
    this.hint = parameters.hint
    this.metaMessages = parameters.metaMessages
    this.docsPath = parameters.docsPath
    this.version = errorConfig.version
  }

  /** Follows the `cause` chain; returns the deepest error, or the first one `fn` accepts (else null). */
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

/**
 * An error whose code is only known at run time: a native code this version has no class for, or
 * `SOMA_INTERNAL`. Takes the code first, unlike the typed classes.
 */
export class SomaCoreError extends BaseError {
  override name = 'SomaCoreError'
  constructor(code: string, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code })
  }
}

// ---------------------------------------------------------------- shared by every package

/** A key (AES-256 decryption key, Ed25519 secret or public key, key file) that cannot be used. Never carries the key. */
export class InvalidKeyError extends BaseError {
  override name = 'InvalidKeyError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_INVALID_KEY' })
  }
}

/** An argument with a bad value that no more specific class covers. */
export class InvalidArgumentError extends BaseError {
  override name = 'InvalidArgumentError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_INVALID_ARGUMENT' })
  }
}

/** A file that cannot be read or written. */
export class FileError extends BaseError {
  override name = 'FileError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_IO' })
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends BaseError {
  override name = 'AbortError'
  constructor(parameters: BaseErrorParameters = {}) {
    super('The operation was aborted.', { ...parameters, code: 'SOMA_ABORTED' })
  }
}

/** The native addon could not be loaded on this platform. */
export class NativeBindingError extends BaseError {
  override name = 'NativeBindingError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_NATIVE_LOAD' })
  }
}

/** A bug or an unexpected state inside soma-ts (never the caller's input). */
export class InternalError extends BaseError {
  override name = 'InternalError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_INTERNAL' })
  }
}

// ---------------------------------------------------------------- the V1 model: weights and scoring

/** The weights are not a V1 safetensors file of the expected shape (or the key is wrong). */
export class InvalidWeightsError extends BaseError {
  override name = 'InvalidWeightsError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, {
      hint: 'Check that the file is the decrypted (or correctly keyed) safetensors weights of this model size.',
      ...parameters,
      code: 'SOMA_INVALID_WEIGHTS',
    })
  }
}

export class ChecksumMismatchError extends BaseError {
  override name = 'ChecksumMismatchError'
  /** The declared checksum in Base58, when the thrower knows it. */
  readonly expected: string | undefined
  /** The checksum of the bytes actually seen, in Base58, when the thrower knows it. */
  readonly actual: string | undefined
  constructor(
    shortMessage: string,
    { expected, actual, ...parameters }: BaseErrorParameters & { expected?: string; actual?: string } = {},
  ) {
    super(shortMessage, {
      hint: 'The checksum is the Blake2b-256 of the encrypted weights, as committed on chain.',
      ...parameters,
      code: 'SOMA_CHECKSUM_MISMATCH',
    })
    this.expected = expected
    this.actual = actual
  }
}

export class InvalidDataError extends BaseError {
  override name = 'InvalidDataError'
  constructor(code: 'SOMA_EMPTY_DATA' | 'SOMA_DATA_TOO_LARGE', shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { hint: 'Data must be 1 to 1048576 bytes (1 MiB).', ...parameters, code })
  }
}

export class InvalidTargetError extends BaseError {
  override name = 'InvalidTargetError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, {
      hint: 'The target embedding must have one value per embedding dimension (2048 for V1, 16 for the small model).',
      ...parameters,
      code: 'SOMA_INVALID_TARGET',
    })
  }
}

export class DeviceUnavailableError extends BaseError {
  override name = 'DeviceUnavailableError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, {
      hint: 'Use --device cpu, or a build of @soma-ts/core with the cuda/metal feature on a machine with that GPU.',
      ...parameters,
      code: 'SOMA_DEVICE_UNAVAILABLE',
    })
  }
}

/** A model configuration whose weights and activations would not fit the memory budget. */
export class ModelTooLargeError extends BaseError {
  override name = 'ModelTooLargeError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, {
      hint: 'Use a smaller configuration (the V1 model itself fits); the size in the message is what it would allocate.',
      ...parameters,
      code: 'SOMA_MODEL_TOO_LARGE',
    })
  }
}

// ---------------------------------------------------------------- native codes

type ErrorFactory = (text: string, cause: unknown) => BaseError

/** Code → typed class. `satisfies` makes a native code without an entry a compile error. */
const NATIVE_ERRORS = {
  SOMA_INVALID_KEY: (text, cause) =>
    new InvalidKeyError(text, { cause, hint: 'An AES-256 key is exactly 32 bytes (44 Base58 characters or so).' }),
  SOMA_INVALID_ARGUMENT: (text, cause) => new InvalidArgumentError(text, { cause }),
  SOMA_IO: (text, cause) =>
    new FileError(text, { cause, hint: 'Check that the path exists and is readable (or writable, for outputs).' }),
  SOMA_ABORTED: (_text, cause) => new AbortedError({ cause }),
  SOMA_INTERNAL: (text, cause) => new InternalError(text, { cause }),
  SOMA_INVALID_WEIGHTS: (text, cause) => new InvalidWeightsError(text, { cause }),
  SOMA_CHECKSUM_MISMATCH: (text, cause) => new ChecksumMismatchError(text, { cause }),
  SOMA_EMPTY_DATA: (text, cause) => new InvalidDataError('SOMA_EMPTY_DATA', text, { cause }),
  SOMA_DATA_TOO_LARGE: (text, cause) => new InvalidDataError('SOMA_DATA_TOO_LARGE', text, { cause }),
  SOMA_INVALID_TARGET: (text, cause) => new InvalidTargetError(text, { cause }),
  SOMA_DEVICE_UNAVAILABLE: (text, cause) => new DeviceUnavailableError(text, { cause }),
  SOMA_MODEL_TOO_LARGE: (text, cause) => new ModelTooLargeError(text, { cause }),
} as const satisfies Record<NativeErrorCode, ErrorFactory>

/**
 * The one mapping from an error code (native or JS) to its typed class. Native errors reach it
 * through `fromNative`; a code this version does not know keeps its code on a `SomaCoreError`.
 */
export function errorForCode(code: string, text: string, options: { cause?: unknown } = {}): BaseError {
  const make: ErrorFactory | undefined = Object.hasOwn(NATIVE_ERRORS, code)
    ? NATIVE_ERRORS[code as NativeErrorCode]
    : undefined
  return make ? make(text, options.cause) : new SomaCoreError(code, text, { cause: options.cause })
}
