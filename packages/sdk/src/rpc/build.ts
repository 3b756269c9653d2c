/**
 * One value in, both wire forms out: the BCS that is signed and digested, and the protobuf that is
 * sent. The BCS is computed from the node's own rebuild of that protobuf, so the signature always
 * covers the bytes the node will verify (wire.md §8.4).
 */
import { decodeBcs, encodeBcs } from '../bcs/codec.js'
import { TransactionData, type TransactionDataInput } from '../bcs/transaction.js'
import type { Transaction } from '../generated/soma/rpc/transaction_pb.js'
import { transactionDigest } from '../transactions/digests.js'
import { transactionDataFromProto, transactionDataToProto, type TransactionDataValue } from './convert.js'

export interface BuiltTransaction {
  /** The TransactionData as the node rebuilds it (canonical forms, URLs normalized, f32 values). */
  data: TransactionDataValue
  /** BCS(TransactionData): what is signed (under the intent) and digested. */
  bcs: Uint8Array
  /** The protobuf to put in ExecuteTransaction / SimulateTransaction, digest field filled. */
  proto: Transaction
  /** The canonical transaction digest, Base58. */
  digest: string
}

/**
 * Builds a transaction for gRPC. Throws `InvalidArgumentError` (or a BCS error) for values that are
 * malformed or that the protobuf cannot express.
 */
export function buildTransaction(input: TransactionDataInput): BuiltTransaction {
  // A BCS round trip turns every accepted input form into the canonical decoded form.
  const canonical = decodeBcs(TransactionData, encodeBcs(TransactionData, input))
  const { data, bcs } = transactionDataFromProto(transactionDataToProto(canonical))
  const digest = transactionDigest(bcs)
  return { data, bcs, proto: transactionDataToProto(data, digest), digest }
}
