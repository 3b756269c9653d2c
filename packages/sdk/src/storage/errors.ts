/**
 * Errors of the storage layer (uploads, verified downloads, the URL policy). Every message is
 * built from values that are safe to print: URLs pass through `redactUrl` first, and nothing here
 * ever receives a credential, so neither `message` nor `JSON.stringify(err)` can carry one.
 */
import { BaseError, type BaseErrorParameters } from '../errors/base.js'

// A cancelled transfer and a checksum difference are the stack's own AbortedError and
// ChecksumMismatchError (one class per fault); they are re-exported here for storage users.
export { AbortedError, ChecksumMismatchError } from '@soma-ts/core/errors'

/** Missing or malformed storage settings (S3 variables, endpoint URL, blob store URL). */
export class StorageConfigError extends BaseError {
  override name = 'StorageConfigError'
  override readonly code = 'SOMA_STORAGE_CONFIG'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** An object key that the stores cannot hold safely (empty, `..`, odd characters, too long). */
export class InvalidObjectKeyError extends BaseError {
  override name = 'InvalidObjectKeyError'
  override readonly code = 'SOMA_INVALID_OBJECT_KEY'
  constructor(parameters: BaseErrorParameters = {}) {
    super('The object key is not allowed.', {
      hint: "Use segments of letters, digits, '.', '_' and '-' separated by '/', e.g. models/weights.enc (no '.' or '..' segments).",
      ...parameters,
    })
  }
}

/** The URL policy refused a target before any connection was made (scheme, address range, redirect). */
export class UrlRefusedError extends BaseError {
  override name = 'UrlRefusedError'
  override readonly code = 'SOMA_URL_REFUSED'
  /** The refused URL with its query, fragment and user info removed. */
  readonly url: string
  constructor({ url, ...rest }: { url: string } & BaseErrorParameters) {
    super(`Refused to fetch ${url}.`, rest)
    this.url = url
  }
}

/** More redirect hops than the policy allows. */
export class TooManyRedirectsError extends BaseError {
  override name = 'TooManyRedirectsError'
  override readonly code = 'SOMA_TOO_MANY_REDIRECTS'
  readonly url: string
  constructor({ url, limit, ...rest }: { url: string; limit: number } & BaseErrorParameters) {
    super(`Gave up on ${url} after ${limit} redirects.`, rest)
    this.url = url
  }
}

/** A server answered with a status that is not a success. */
export class HttpStatusError extends BaseError {
  override name = 'HttpStatusError'
  override readonly code = 'SOMA_HTTP_STATUS'
  readonly url: string
  readonly status: number
  constructor({ url, status, ...rest }: { url: string; status: number } & BaseErrorParameters) {
    super(`${url} answered HTTP ${status}.`, rest)
    this.url = url
    this.status = status
  }
}

/** The connection could not be made, broke off, or the name did not resolve. */
export class NetworkError extends BaseError {
  override name = 'NetworkError'
  override readonly code = 'SOMA_NETWORK'
  readonly url: string
  constructor({ url, ...rest }: { url: string } & BaseErrorParameters) {
    super(`Could not reach ${url}.`, rest)
    this.url = url
  }
}

/** Connecting took too long, the whole transfer did, or nothing moved for too long (idle). */
export class TransferTimeoutError extends BaseError {
  override name = 'TransferTimeoutError'
  override readonly code = 'SOMA_TIMEOUT'
  readonly url: string
  readonly phase: 'connect' | 'total' | 'idle'
  readonly timeoutMs: number
  constructor({ url, phase, timeoutMs, ...rest }: { url: string; phase: 'connect' | 'total' | 'idle'; timeoutMs: number } & BaseErrorParameters) {
    super(
      phase === 'connect'
        ? `Connecting to ${url} took longer than ${timeoutMs} ms.`
        : phase === 'idle'
          ? `No data moved to or from ${url} for ${timeoutMs} ms.`
          : `The transfer of ${url} took longer than ${timeoutMs} ms.`,
      rest,
    )
    this.url = url
    this.phase = phase
    this.timeoutMs = timeoutMs
  }
}

/** A body longer than allowed (declared size or `maxBytes`); the transfer stopped at the limit. */
export class TooLargeError extends BaseError {
  override name = 'TooLargeError'
  override readonly code = 'SOMA_TOO_LARGE'
  readonly limit: number
  constructor({ url, limit, ...rest }: { url: string; limit: number } & BaseErrorParameters) {
    super(`${url} is larger than the limit of ${limit} bytes.`, rest)
    this.limit = limit
  }
}

/** The byte count differs from the declared size. */
export class SizeMismatchError extends BaseError {
  override name = 'SizeMismatchError'
  override readonly code = 'SOMA_SIZE_MISMATCH'
  readonly expected: number
  readonly actual: number
  constructor({ url, expected, actual, ...rest }: { url: string; expected: number; actual: number } & BaseErrorParameters) {
    super(`${url} has ${actual} bytes, but ${expected} were declared.`, rest)
    this.expected = expected
    this.actual = actual
  }
}

/** The store refused or failed an upload; no object is visible under the key. */
export class UploadFailedError extends BaseError {
  override name = 'UploadFailedError'
  override readonly code = 'SOMA_UPLOAD_FAILED'
  readonly key: string
  /** The store's HTTP status, when it answered. */
  readonly status: number | undefined
  constructor({ key, status, ...rest }: { key: string; status?: number } & BaseErrorParameters) {
    super(`Uploading "${key}" failed.`, rest)
    this.key = key
    this.status = status
  }
}
