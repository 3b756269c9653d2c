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

// Errors of the V1 model: loading weights and scoring.

/** The weights are not a V1 safetensors file of the expected shape (or the key is wrong). */
export class InvalidWeightsError extends SomaCoreError {
  override name = 'InvalidWeightsError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_INVALID_WEIGHTS', shortMessage, {
      hint: 'Check that the file is the decrypted (or correctly keyed) safetensors weights of this model size.',
      ...options,
    })
  }
}

export class ChecksumMismatchError extends SomaCoreError {
  override name = 'ChecksumMismatchError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_CHECKSUM_MISMATCH', shortMessage, {
      hint: 'The checksum is the Blake2b-256 of the encrypted weights, as committed on chain.',
      ...options,
    })
  }
}

export class InvalidDataError extends SomaCoreError {
  override name = 'InvalidDataError'
  constructor(code: 'SOMA_EMPTY_DATA' | 'SOMA_DATA_TOO_LARGE', shortMessage: string, options: CoreErrorOptions = {}) {
    super(code, shortMessage, { hint: 'Data must be 1 to 1048576 bytes (1 MiB).', ...options })
  }
}

export class InvalidTargetError extends SomaCoreError {
  override name = 'InvalidTargetError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_INVALID_TARGET', shortMessage, {
      hint: 'The target embedding must have one value per embedding dimension (2048 for V1, 16 for the small model).',
      ...options,
    })
  }
}

export class DeviceUnavailableError extends SomaCoreError {
  override name = 'DeviceUnavailableError'
  constructor(shortMessage: string, options: CoreErrorOptions = {}) {
    super('SOMA_DEVICE_UNAVAILABLE', shortMessage, {
      hint: 'Use --device cpu, or a build of @soma-ts/core with the cuda/metal feature on a machine with that GPU.',
      ...options,
    })
  }
}

/**
 * The one mapping from an error code (native or JS) to its typed class. Native errors
 * reach it through `fromNative`.
 */
export function errorForCode(code: string, text: string, options: { cause?: unknown } = {}): SomaCoreError {
  const err = options.cause
  switch (code) {
    case 'SOMA_INVALID_KEY':
      return new InvalidKeyError(text)
    case 'SOMA_INVALID_ARGUMENT':
      return new InvalidArgumentError(text)
    case 'SOMA_IO':
      return new FileError(text, { hint: 'Check that the path exists and is readable (or writable, for outputs).' })
    case 'SOMA_ABORTED':
      return new AbortedError()
    case 'SOMA_INVALID_WEIGHTS':
      return new InvalidWeightsError(text, { cause: err })
    case 'SOMA_CHECKSUM_MISMATCH':
      return new ChecksumMismatchError(text, { cause: err })
    case 'SOMA_EMPTY_DATA':
    case 'SOMA_DATA_TOO_LARGE':
      return new InvalidDataError(code, text, { cause: err })
    case 'SOMA_INVALID_TARGET':
      return new InvalidTargetError(text, { cause: err })
    case 'SOMA_DEVICE_UNAVAILABLE':
      return new DeviceUnavailableError(text, { cause: err })
    default:
      return new SomaCoreError(code, text, { cause: err })
  }
}
