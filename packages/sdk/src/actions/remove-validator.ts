import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'

export interface RemoveValidatorParams extends SignedCallOptions {
  /** The validator's protocol public key (the reference CLI sends it empty). */
  pubkeyBytes?: Uint8Array
}

/**
 * Asks to leave the validator set at the end of the epoch (the signer must be a validator).
 *
 * @param client - the client
 * @param params - the signer, the arguments, `signal` and `timeoutMs`
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it in execution (error name and digest)
 * @throws {InvalidAddressError} for a malformed id or address
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await client.removeValidator({ signer })
 */
export async function removeValidator(client: SomaClientCore, params: RemoveValidatorParams): Promise<TransactionResult> {
  return signAndExecute(client, { ...params, kind: { RemoveValidator: { pubkeyBytes: params.pubkeyBytes ?? new Uint8Array() } } })
}
