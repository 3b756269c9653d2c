/**
 * Typed errors for failed gRPC calls (wire.md §8.6), shared by the fullnode client (Connect) and
 * the side-service clients (grpc-js). An *execution* failure is not one of these: it comes back as
 * effects with `status.success = false`.
 */
import { BaseError, truncate } from '../errors/index.js'

/** gRPC status codes (the numbers are the protocol's). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const
export type GrpcStatusName = keyof typeof GrpcStatus

const STATUS_NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([k, v]) => [v, k])) as Record<number, GrpcStatusName>

/** Name of a numeric gRPC status; unknown numbers read as UNKNOWN. */
export function grpcStatusName(code: number): GrpcStatusName {
  return STATUS_NAMES[code] ?? 'UNKNOWN'
}

/** One `google.rpc.BadRequest` field violation, as the node reports a malformed request field. */
export interface FieldViolation {
  field: string
  description: string
  /** `FIELD_INVALID` or `FIELD_MISSING` (soma.rpc.ErrorReason). */
  reason: string
}

export interface RpcErrorParameters {
  /** Numeric gRPC status. */
  grpcCode: number
  /** The server's `grpc-message` (or the transport's description). */
  serverMessage: string
  /** `/package.Service/Method`, when known. */
  method?: string | undefined
  /** The endpoint, when known; part of the message so that "which node?" is answered. */
  url?: string | undefined
  fieldViolations?: FieldViolation[] | undefined
  cause?: unknown
}

/** At most this many field violations are spelled out in the message (all stay in `fieldViolations`). */
const MAX_VIOLATION_LINES = 10

function violationLines(violations: FieldViolation[]): string[] {
  const lines = violations
    .slice(0, MAX_VIOLATION_LINES)
    .map((v) => `Field ${truncate(v.field, 120)}: ${truncate(v.reason, 40)}${v.description ? ` (${truncate(v.description, 160)})` : ''}`)
  if (violations.length > MAX_VIOLATION_LINES) lines.push(`… and ${violations.length - MAX_VIOLATION_LINES} more field violations`)
  return lines
}

/** A gRPC call that ended with a non-OK status. */
export class RpcError extends BaseError {
  override name = 'RpcError'
  readonly grpcCode: number
  readonly status: GrpcStatusName
  readonly serverMessage: string
  readonly method: string | undefined
  readonly url: string | undefined
  readonly fieldViolations: FieldViolation[]

  constructor(p: RpcErrorParameters, hint?: string) {
    const status = grpcStatusName(p.grpcCode)
    const where = p.method ? ` (${p.method}${p.url ? ` at ${p.url}` : ''})` : p.url ? ` (${p.url})` : ''
    const violations = p.fieldViolations ?? []
    super(`gRPC call failed with ${status}${where}.`, {
      details: p.serverMessage ? truncate(p.serverMessage, 400) : undefined,
      metaMessages: violationLines(violations),
      hint,
      cause: p.cause,
      code: `SOMA_RPC_${status}`,
    })
    this.grpcCode = p.grpcCode
    this.status = status
    this.serverMessage = p.serverMessage
    this.method = p.method
    this.url = p.url
    this.fieldViolations = violations
  }
}

/** INVALID_ARGUMENT: a malformed field, a bad signature, or a transaction refused before execution. */
export class RpcInvalidArgumentError extends RpcError {
  override name = 'RpcInvalidArgumentError'
  constructor(p: RpcErrorParameters) {
    super(
      p,
      /invalid user signature/i.test(p.serverMessage)
        ? 'The signed BCS differs from the node\'s rebuild of the protobuf; build with buildTransaction() and sign its `bcs`.'
        : p.fieldViolations?.length
          ? 'Fix the named request field.'
          : undefined,
    )
  }
}

/** NOT_FOUND: no such object, transaction, checkpoint or epoch. */
export class RpcNotFoundError extends RpcError {
  override name = 'RpcNotFoundError'
  constructor(p: RpcErrorParameters) {
    super(p, 'Check the id or digest, and that the node still has that data (see lowest_available_checkpoint).')
  }
}

/** FAILED_PRECONDITION: an input object is locked by, or was already used in, another transaction. */
export class RpcObjectLockedError extends RpcError {
  override name = 'RpcObjectLockedError'
  constructor(p: RpcErrorParameters) {
    super(p, 'Refresh the object references (versions change with every use) or pick another gas coin, then retry.')
  }
}

/** UNAVAILABLE: the node is unreachable, or timed out before finality. */
export class RpcUnavailableError extends RpcError {
  override name = 'RpcUnavailableError'
  constructor(p: RpcErrorParameters) {
    super(p, p.url ? `Is a node running at ${p.url}? Retrying later may succeed.` : 'Retrying later may succeed.')
  }
}

/** DEADLINE_EXCEEDED: the call's timeout elapsed. */
export class RpcTimeoutError extends RpcError {
  override name = 'RpcTimeoutError'
  constructor(p: RpcErrorParameters) {
    super(p, 'Raise the timeout, or check that the service is not overloaded.')
  }
}

/** UNIMPLEMENTED: the server does not offer this method (e.g. the retired challenge calls). */
export class RpcUnimplementedError extends RpcError {
  override name = 'RpcUnimplementedError'
  constructor(p: RpcErrorParameters) {
    super(p, 'The server does not implement this method; check the URL and the server version.')
  }
}

/** CANCELLED: the call was aborted by the caller. */
export class RpcCancelledError extends RpcError {
  override name = 'RpcCancelledError'
  constructor(p: RpcErrorParameters) {
    super(p)
  }
}

/** INTERNAL / UNKNOWN / DATA_LOSS: the server failed (also: it could not decode the request). */
export class RpcInternalError extends RpcError {
  override name = 'RpcInternalError'
  constructor(p: RpcErrorParameters) {
    super(p)
  }
}

/** ABORTED (already finalized with other signatures) and ALREADY_EXISTS (already in flight). */
export class RpcConflictError extends RpcError {
  override name = 'RpcConflictError'
  constructor(p: RpcErrorParameters) {
    super(p, 'The same transaction is already being executed or was finalized; wait for its effects instead of resubmitting.')
  }
}

/** The typed error for a gRPC status. */
export function rpcErrorFromStatus(p: RpcErrorParameters): RpcError {
  switch (p.grpcCode) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return new RpcInvalidArgumentError(p)
    case GrpcStatus.NOT_FOUND:
      return new RpcNotFoundError(p)
    case GrpcStatus.FAILED_PRECONDITION:
      return new RpcObjectLockedError(p)
    case GrpcStatus.UNAVAILABLE:
      return new RpcUnavailableError(p)
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new RpcTimeoutError(p)
    case GrpcStatus.UNIMPLEMENTED:
      return new RpcUnimplementedError(p)
    case GrpcStatus.CANCELLED:
      return new RpcCancelledError(p)
    case GrpcStatus.ABORTED:
    case GrpcStatus.ALREADY_EXISTS:
      return new RpcConflictError(p)
    case GrpcStatus.INTERNAL:
    case GrpcStatus.UNKNOWN:
    case GrpcStatus.DATA_LOSS:
      return new RpcInternalError(p)
    default:
      return new RpcError(p)
  }
}
