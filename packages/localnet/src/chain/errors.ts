/**
 * The two ways a transaction goes wrong. `ExecutionFailure` carries an `ExecutionFailureStatus`
 * (the chain's error name, recorded in failed effects and charged the base fee).
 * `TransactionRejected` is a check the node makes before execution (signature, input objects,
 * gas payment): no effects exist and nothing is written, as on the real node.
 */
import type { bcsTypes } from '@soma-ts/sdk'

export type ExecutionFailureStatusInput = typeof bcsTypes.ExecutionFailureStatus.$inferInput

/** The variant name of a failure status, e.g. `InsufficientGas`. */
export function failureName(status: ExecutionFailureStatusInput): string {
  return Object.keys(status)[0]!
}

export class ExecutionFailure extends Error {
  override readonly name = 'ExecutionFailure'
  readonly status: ExecutionFailureStatusInput
  constructor(status: ExecutionFailureStatusInput) {
    super(`execution failed: ${failureName(status)}`)
    this.status = status
  }
  /** The chain's error name (the `ExecutionFailureStatus` variant). */
  get errorName(): string {
    return failureName(this.status)
  }
}

/** `ExecutionFailureStatus::SomaError(SomaError::GenericAuthorityError{error})`, what `SomaError::from(&str)` gives. */
export function genericFailure(message: string): ExecutionFailure {
  return new ExecutionFailure({ SomaError: { GenericAuthorityError: { error: message } } })
}

/** A transaction the node refuses before execution; `code` is the reference's `SomaError` variant. */
export class TransactionRejected extends Error {
  override readonly name = 'TransactionRejected'
  readonly code: string
  constructor(code: string, message: string) {
    super(`${code}: ${message}`)
    this.code = code
  }
}

/** An invariant of the state machine that does not hold: a bug, never bad input. */
export class ChainInvariantError extends Error {
  override readonly name: string = 'ChainInvariantError'
}
