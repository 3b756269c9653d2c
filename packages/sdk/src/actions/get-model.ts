import type { CallOptions, SomaClientCore } from '../client/types.js'
import { RpcNotFoundError } from '../rpc/errors.js'
import { GrpcStatus } from '../rpc/errors.js'
import { normalizeAddress } from '../utils/encoding.js'
import { callOptions, systemState } from './shared.js'

export interface GetModelParams extends CallOptions {
  modelId: string
}

/** A model of the registry: its state name and the decoded state. */
export interface ModelInfo {
  modelId: string
  /** `created`, `pending` (committed), `active` or `inactive`. */
  status: 'created' | 'pending' | 'active' | 'inactive'
  owner: string
  commissionRate: bigint
  nextEpochCommissionRate: bigint
  /** The staking pool's balance, shannons. */
  stake: bigint
  stakingPoolId: string
  /** The manifest URL, once committed. */
  weightsUrl: string | undefined
  hasPendingUpdate: boolean
}

/**
 * One model of the registry (what `soma model info` shows).
 *
 * @param client - the client
 * @param params - the model id, `signal` and `timeoutMs`
 * @returns the model
 * @throws {RpcNotFoundError} when the registry has no such model
 * @example
 * const { status } = await client.getModel({ modelId })
 */
export async function getModel(client: SomaClientCore, params: GetModelParams): Promise<ModelInfo> {
  const modelId = normalizeAddress(params.modelId)
  const state = await systemState(client, callOptions(params))
  const v1 = state.modelRegistry.models.get(modelId)?.V1
  if (v1 === undefined) {
    throw new RpcNotFoundError({ grpcCode: GrpcStatus.NOT_FOUND, serverMessage: `model ${modelId} is not in the registry`, url: client.urls.rpc })
  }
  const status = v1.$kind.toLowerCase() as ModelInfo['status']
  const inner = (v1.Created ?? v1.Pending ?? v1.Active ?? v1.Inactive)!
  return {
    modelId,
    status,
    owner: inner.owner,
    commissionRate: inner.commissionRate,
    nextEpochCommissionRate: inner.nextEpochCommissionRate,
    stake: inner.stakingPool.somaBalance,
    stakingPoolId: inner.stakingPool.id,
    weightsUrl: 'manifest' in inner ? inner.manifest.V1.url : undefined,
    hasPendingUpdate: v1.Active ? v1.Active.pendingUpdate !== null : false,
  }
}
