/**
 * Helpers for serving `soma.rpc` with Connect (the local network): errors with the node's status
 * codes and `google.rpc.BadRequest` details, so that clients of the real node and ours see the same.
 */
import { create } from '@bufbuild/protobuf'
import { Code, ConnectError } from '@connectrpc/connect'

import { ProtoConversionError } from '@soma-ts/sdk'
import { BadRequestSchema } from '@soma-ts/sdk/generated/google/rpc/error_details_pb'

/** INVALID_ARGUMENT with one BadRequest field violation, the node's answer to a malformed field. */
export function fieldViolationError(field: string, reason: 'FIELD_MISSING' | 'FIELD_INVALID', description = ''): ConnectError {
  const message = `error converting from protobuf: field: ${field} reason: ${reason}${description ? ` description: ${description}` : ''}`
  return new ConnectError(message, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field, reason, description }] }) },
  ])
}

/** The ConnectError a handler should throw for `err`: rebuild failures become INVALID_ARGUMENT. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ProtoConversionError) return fieldViolationError(err.field, err.reason, err.description)
  if (err instanceof ConnectError) return err
  return new ConnectError(err instanceof Error ? err.message : String(err), Code.Internal)
}
