import type { CallOptions, SomaClientCore } from '../client/types.js'
import { callOptions, systemState } from './shared.js'

/** A model in the Active state. */
export interface ActiveModelInfo {
  modelId: string
  owner: string
  embedding: number[]
  /** The model's staking pool balance, shannons. */
  stake: bigint
  commissionRate: bigint
  nextEpochCommissionRate: bigint
  hasPendingUpdate: boolean
}

/**
 * The active models of the registry, with owner, embedding, stake and commission.
 *
 * @param client - the client
 * @param params - `signal` and `timeoutMs`
 * @returns the active models
 * @throws {RpcError} when the node fails or cannot be reached
 * @example
 * const models = await client.getActiveModels()
 */
export async function getActiveModels(client: SomaClientCore, params: CallOptions = {}): Promise<ActiveModelInfo[]> {
  const state = await systemState(client, callOptions(params))
  const out: ActiveModelInfo[] = []
  for (const [modelId, model] of state.modelRegistry.models) {
    const active = model.V1.Active
    if (active === undefined) continue
    out.push({
      modelId,
      owner: active.owner,
      embedding: [...active.embedding.values],
      stake: active.stakingPool.somaBalance,
      commissionRate: active.commissionRate,
      nextEpochCommissionRate: active.nextEpochCommissionRate,
      hasPendingUpdate: active.pendingUpdate !== null,
    })
  }
  return out
}
