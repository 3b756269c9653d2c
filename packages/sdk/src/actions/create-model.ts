import { signAndExecute } from '../client/execute.js'
import type { SignedCallOptions, SomaClientCore, TransactionResult } from '../client/types.js'
import * as b from '../transactions/builders.js'
import { deriveObjectId } from '../transactions/digests.js'
import { parseAmount, parseU64, type AmountInput } from '../utils/amount.js'
import { callOptions, systemState } from './shared.js'

export interface CreateModelParams extends SignedCallOptions {
  /** Basis points (100 = 1%), at most 10000. */
  commissionRate: bigint | number
  /** The initial stake (`bigint` shannons or SOMA text/number); default the network's `model_min_stake`. */
  stakeAmount?: AmountInput
  /** The model architecture; default the network's `model_architecture_version`. */
  architectureVersion?: bigint | number
}

/** A transaction that created a model. */
export interface CreateModelResult extends TransactionResult {
  /** `0x` + 64 hex: `deriveObjectId(digest, 0)`. */
  modelId: string
}

/**
 * Registers a new model (state Created) with its initial stake, taken from the gas coin, and the
 * network's architecture version. Commit its weights next with `commitModel({ modelId, ... })`.
 *
 * @param client - the client
 * @param params - the signer, commission rate, optional stake and architecture version, `signal` and `timeoutMs`
 * @returns the transaction and the new model's id
 * @throws {InvalidArgumentError} for a rate above 10000 or a bad amount
 * @throws {InsufficientFundsError} when no single coin holds the stake
 * @throws {TransactionFailedError} when the chain rejects it in execution (e.g. `ModelMinStakeNotMet`)
 * @example
 * const { modelId } = await client.createModel({ signer, commissionRate: 500 })
 */
export async function createModel(client: SomaClientCore, params: CreateModelParams): Promise<CreateModelResult> {
  const rate = parseU64(params.commissionRate, 'commissionRate')
  const state = await systemState(client, callOptions(params))
  const stakeAmount = params.stakeAmount === undefined ? state.parameters.modelMinStake : parseAmount(params.stakeAmount, 'stakeAmount')
  const architectureVersion =
    params.architectureVersion === undefined ? state.parameters.modelArchitectureVersion : parseU64(params.architectureVersion, 'architectureVersion')
  const kind = b.createModel({ stakeAmount, commissionRate: rate, architectureVersion })
  const result = await signAndExecute(client, { ...params, kind, minGasBalance: stakeAmount })
  return { ...result, modelId: deriveObjectId(result.digest, 0) }
}
