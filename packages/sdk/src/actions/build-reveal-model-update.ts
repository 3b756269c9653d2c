import type { TransactionKindInput } from '../bcs/transaction.js'
import { parseKey, type KeyInput } from '../crypto.js'
import { InvalidArgumentError } from '../errors/index.js'
import * as b from '../transactions/builders.js'

export interface RevealParams {
  modelId: string
  /** The AES-256 key committed earlier (Base58 or 32 bytes). */
  decryptionKey: KeyInput
  /** The embedding committed earlier. */
  embedding: ArrayLike<number>
}

/**
 * Builds the `RevealModel` kind (first reveal or update): the key and embedding whose commitments
 * the model's pending commit holds. The chain takes nothing else: URL, checksum and size were
 * fixed by the commit.
 *
 * @param params - model id, key and embedding
 * @returns the transaction kind, for `submit`
 * @throws {InvalidArgumentError} for an empty embedding
 * @throws {InvalidKeyError} for a key that is not 32 bytes
 * @example
 * await client.submit({ signer, kind: buildRevealModelUpdate({ modelId, decryptionKey, embedding }) })
 */
export function buildRevealModelUpdate(params: RevealParams): TransactionKindInput {
  if (params.embedding === undefined || params.embedding.length === 0) throw new InvalidArgumentError('Embedding cannot be empty.')
  return b.revealModel({ modelId: params.modelId, decryptionKey: parseKey(params.decryptionKey), embedding: params.embedding })
}
