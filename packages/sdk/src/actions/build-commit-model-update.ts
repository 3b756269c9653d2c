import type { TransactionKindInput } from '../bcs/transaction.js'
import { parseKey, type KeyInput } from '../crypto.js'
import { InvalidArgumentError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import * as b from '../transactions/builders.js'
import { parseU64 } from '../utils/amount.js'

/** What a commit of weights needs: where they are, what they hash to, and the secrets it commits to. */
export interface WeightsCommitmentParams {
  modelId: string
  /** Where validators will fetch the encrypted weights. */
  weightsUrl: string
  /** The encrypted weights (their Blake2b-256 and size are computed); or give `checksum` and `size`. */
  encryptedWeights?: Uint8Array
  /** Blake2b-256 of the encrypted weights, Base58 or 32 bytes (with `size`, instead of `encryptedWeights`). */
  checksum?: string | Uint8Array
  /** Size of the encrypted weights in bytes. */
  size?: bigint | number
  /** The AES-256 key (Base58 or 32 bytes); only its Blake2b-256 is sent now. */
  decryptionKey: KeyInput
  /** The model's embedding; only its commitment is sent now. */
  embedding: ArrayLike<number>
}

/**
 * Builds the `CommitModel` kind for a first commit or an update: checksum and weights commitment
 * are Blake2b-256 of the encrypted weights, the embedding commitment hashes BCS(SomaTensor), the
 * key commitment hashes the raw 32 key bytes. The key and embedding themselves stay here.
 *
 * @param params - model id, URL, encrypted weights (or checksum and size), key and embedding
 * @returns the transaction kind, for `submit`
 * @throws {InvalidArgumentError} for an empty embedding or missing checksum/size
 * @throws {InvalidKeyError} for a key that is not 32 bytes
 * @example
 * const kind = buildCommitModelUpdate({ modelId, weightsUrl, encryptedWeights, decryptionKey, embedding })
 * await client.submit({ signer, kind })
 */
export function buildCommitModelUpdate(params: WeightsCommitmentParams): TransactionKindInput {
  if (params.embedding === undefined || params.embedding.length === 0) throw new InvalidArgumentError('Embedding cannot be empty.')
  let checksum: string | Uint8Array
  let size: bigint
  if (params.encryptedWeights !== undefined) {
    if (!(params.encryptedWeights instanceof Uint8Array)) throw new InvalidArgumentError('encryptedWeights must be a Uint8Array.')
    checksum = params.checksum ?? blake2b256(params.encryptedWeights)
    size = params.size === undefined ? BigInt(params.encryptedWeights.length) : parseU64(params.size, 'size')
  } else {
    if (params.checksum === undefined || params.size === undefined) {
      throw new InvalidArgumentError('Give encryptedWeights, or both checksum and size.')
    }
    checksum = params.checksum
    size = parseU64(params.size, 'size')
  }
  return b.commitModel({
    modelId: params.modelId,
    url: params.weightsUrl,
    checksum,
    size,
    embeddingCommitment: b.embeddingCommitment(params.embedding),
    decryptionKeyCommitment: blake2b256(parseKey(params.decryptionKey)),
  })
}
