import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'

export interface AddValidatorParams extends SignedCallOptions {
  /** BLS12-381 protocol public key (96 bytes). */
  pubkeyBytes: Uint8Array
  networkPubkeyBytes: Uint8Array
  workerPubkeyBytes: Uint8Array
  /** BLS proof of possession of the protocol key for the signer's address. */
  proofOfPossession: Uint8Array
  /** BCS-encoded multiaddr strings, as the reference CLI builds them. */
  netAddress: Uint8Array
  p2pAddress: Uint8Array
  primaryAddress: Uint8Array
  proxyAddress: Uint8Array
}

/**
 * Registers the signer as a validator candidate (it joins the committee at an epoch boundary once
 * its stake suffices).
 *
 * @param client - the client
 * @param params - the signer, the keys, proof of possession and addresses
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it (e.g. `DuplicateValidator`, `InvalidProofOfPossession`)
 * @example
 * await client.addValidator({ signer, pubkeyBytes, networkPubkeyBytes, workerPubkeyBytes, proofOfPossession, netAddress, p2pAddress, primaryAddress, proxyAddress })
 */
export async function addValidator(client: SomaClientCore, params: AddValidatorParams): Promise<TransactionResult> {
  const { pubkeyBytes, networkPubkeyBytes, workerPubkeyBytes, proofOfPossession, netAddress, p2pAddress, primaryAddress, proxyAddress } = params
  return signAndExecute(client, {
    ...params,
    kind: { AddValidator: { pubkeyBytes, networkPubkeyBytes, workerPubkeyBytes, proofOfPossession, netAddress, p2pAddress, primaryAddress, proxyAddress } },
  })
}
