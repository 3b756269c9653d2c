import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'

export interface UpdateValidatorMetadataParams extends SignedCallOptions {
  nextEpochNetworkAddress?: Uint8Array
  nextEpochP2pAddress?: Uint8Array
  nextEpochPrimaryAddress?: Uint8Array
  nextEpochProxyAddress?: Uint8Array
  nextEpochProtocolPubkey?: Uint8Array
  nextEpochWorkerPubkey?: Uint8Array
  nextEpochNetworkPubkey?: Uint8Array
  nextEpochProofOfPossession?: Uint8Array
}

/**
 * Changes the signer's validator metadata from the next epoch on; only the given fields change.
 *
 * @param client - the client
 * @param params - the signer and the fields to change
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain rejects it (e.g. `NotAValidator`)
 * @example
 * await client.updateValidatorMetadata({ signer, nextEpochNetworkAddress })
 */
export async function updateValidatorMetadata(client: SomaClientCore, params: UpdateValidatorMetadataParams): Promise<TransactionResult> {
  const f = (v: Uint8Array | undefined) => v ?? null
  return signAndExecute(client, {
    ...params,
    kind: {
      UpdateValidatorMetadata: {
        nextEpochNetworkAddress: f(params.nextEpochNetworkAddress),
        nextEpochP2pAddress: f(params.nextEpochP2pAddress),
        nextEpochPrimaryAddress: f(params.nextEpochPrimaryAddress),
        nextEpochProxyAddress: f(params.nextEpochProxyAddress),
        nextEpochProtocolPubkey: f(params.nextEpochProtocolPubkey),
        nextEpochWorkerPubkey: f(params.nextEpochWorkerPubkey),
        nextEpochNetworkPubkey: f(params.nextEpochNetworkPubkey),
        nextEpochProofOfPossession: f(params.nextEpochProofOfPossession),
      },
    },
  })
}
