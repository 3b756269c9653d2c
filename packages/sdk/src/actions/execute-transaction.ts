import { deserializeSignedTransaction } from '../transactions/signature.js'
import type { CallOptions, SomaClientCore } from '../client/types.js'
import { decodeBcs } from '../bcs/codec.js'
import { TransactionData } from '../bcs/transaction.js'
import { buildTransaction } from '../rpc/build.js'
import type { ExecutedTransaction } from '../generated/soma/rpc/effects_pb.js'
import { userSignatureToProto } from '../rpc/signature.js'
import { fromBase64 } from '../utils/encoding.js'
import { callOptions } from './shared.js'

export interface ExecuteTransactionParams extends CallOptions {
  /** BCS of a signed transaction (`serializeSignedTransaction`), as bytes or Base64. */
  signedTransaction: Uint8Array | string
}

/**
 * Executes an already signed transaction as is: no coin selection, no checkpoint wait, and a
 * failed status is returned rather than thrown (the reference's `execute_transaction`).
 *
 * @param client - the client
 * @param params - the signed transaction, `signal` and `timeoutMs`
 * @returns the node's answer (check `effects.status.success`)
 * @throws {BcsDecodeError} when the bytes are not a signed transaction
 * @throws {RpcError} when the node refuses it (bad signature, stale object)
 * @example
 * const executed = await client.executeTransaction({ signedTransaction })
 */
export async function executeTransaction(client: SomaClientCore, params: ExecuteTransactionParams): Promise<ExecutedTransaction> {
  const bytes = typeof params.signedTransaction === 'string' ? fromBase64(params.signedTransaction) : params.signedTransaction
  const { transaction, signatures } = deserializeSignedTransaction(bytes)
  const built = buildTransaction(decodeBcs(TransactionData, transaction))
  return client.rpc.executeTransaction(built.proto, signatures.map((s) => userSignatureToProto(s)), callOptions(params))
}

export interface SimulateTransactionParams extends CallOptions {
  /** BCS of an unsigned `TransactionData`, as bytes or Base64. */
  transactionData: Uint8Array | string
}

/**
 * Dry-runs an unsigned transaction: effects, balance changes and objects, nothing committed.
 *
 * @param client - the client
 * @param params - the BCS TransactionData, `signal` and `timeoutMs`
 * @returns the simulated transaction
 * @throws {BcsDecodeError} when the bytes are not a TransactionData
 * @throws {RpcError} when the node refuses it
 * @example
 * const simulated = await client.simulateTransaction({ transactionData: built.bcs })
 */
export async function simulateTransaction(client: SomaClientCore, params: SimulateTransactionParams): Promise<ExecutedTransaction> {
  const bytes = typeof params.transactionData === 'string' ? fromBase64(params.transactionData) : params.transactionData
  const built = buildTransaction(decodeBcs(TransactionData, bytes))
  return client.rpc.simulateTransaction(built.proto, callOptions(params))
}
