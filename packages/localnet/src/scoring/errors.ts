/**
 * Turns a download, load or scoring failure into the gRPC error the caller sees: one status and
 * one sentence per kind of fault, naming which input it concerns (the data, model N's weights).
 * Caller faults are INVALID_ARGUMENT, as the reference's rule has it; a 404 is NOT_FOUND; faults of
 * the network between us and the store are UNAVAILABLE, which a load balancer may retry elsewhere.
 */
import {
  AbortedError,
  BaseError,
  ChecksumMismatchError,
  DeviceUnavailableError,
  InvalidDataError,
  InvalidTargetError,
  InvalidWeightsError,
} from '@soma-ts/core'
import { GrpcStatus } from '@soma-ts/sdk'
import {
  HttpStatusError,
  NetworkError,
  SizeMismatchError,
  TooLargeError,
  TooManyRedirectsError,
  TransferTimeoutError,
  UrlRefusedError,
} from '@soma-ts/sdk/storage'

import { ServiceError } from '../services/server.js'

function text(err: BaseError): string {
  const short = err.shortMessage.replace(/\.$/, '')
  return err.details && err.details !== err.shortMessage ? `${short} (${err.details})` : short
}

/**
 * `what` names the input ("the data", "the weights of model 1"); `keyed` says whether a
 * decryption key was applied, so that a load failure can point at it.
 */
export function describeFailure(err: unknown, what: string, keyed = false): ServiceError {
  if (err instanceof ServiceError) return err
  if (err instanceof UrlRefusedError) {
    return new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid URL for ${what}: ${text(err)}; this service does not fetch from private or loopback networks`)
  }
  if (err instanceof TooManyRedirectsError) return new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid URL for ${what}: ${text(err)}`)
  if (err instanceof HttpStatusError) {
    if (err.status === 404) return new ServiceError(GrpcStatus.NOT_FOUND, `Not found: ${what} (${text(err)})`)
    const code = err.status >= 500 ? GrpcStatus.UNAVAILABLE : GrpcStatus.INVALID_ARGUMENT
    return new ServiceError(code, `Could not download ${what}: ${text(err)}`)
  }
  if (err instanceof TransferTimeoutError) return new ServiceError(GrpcStatus.UNAVAILABLE, `Timed out downloading ${what}: ${text(err)}`)
  if (err instanceof NetworkError) return new ServiceError(GrpcStatus.UNAVAILABLE, `Unreachable: could not download ${what}: ${text(err)}`)
  if (err instanceof TooLargeError) return new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Too large: ${what} must be at most ${err.limit} bytes (${text(err)})`)
  if (err instanceof SizeMismatchError) {
    return new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Size mismatch for ${what}: ${err.actual} bytes or more arrived, ${err.expected} were declared (${text(err)})`)
  }
  if (err instanceof ChecksumMismatchError) return new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Checksum mismatch for ${what}: ${text(err)}`)
  if (err instanceof InvalidWeightsError) {
    return keyed
      ? new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid decryption key for ${what}: the decrypted bytes are not model weights (${text(err)})`)
      : new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid weights: ${what} are not weights of this service's model (${text(err)})`)
  }
  if (err instanceof InvalidTargetError || err instanceof InvalidDataError) {
    return new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid input to ${what}: ${text(err)}`)
  }
  if (err instanceof DeviceUnavailableError) return new ServiceError(GrpcStatus.UNAVAILABLE, `The scoring device is unavailable: ${text(err)}`)
  if (err instanceof AbortedError) return new ServiceError(GrpcStatus.CANCELLED, `Cancelled while working on ${what}`)
  if (err instanceof BaseError) return new ServiceError(GrpcStatus.INTERNAL, `Failed on ${what}: ${text(err)}`)
  return new ServiceError(GrpcStatus.INTERNAL, `Failed on ${what}: ${err instanceof Error ? err.message : String(err)}`)
}
