import type { CallOptions, SomaClientCore } from '../client/types.js'
import { callOptions, systemState } from './shared.js'

/** What the node says about itself and its chain. */
export interface ChainInfo {
  /** `testnet` or `localnet` (what the reference Python SDK calls the chain identifier). */
  chain: string
  /** Base58 genesis checkpoint digest (the Rust SDK's and CLI's chain id). */
  chainId: string
  /** e.g. `soma-node/0.1.21`. */
  server: string
  epoch: bigint | undefined
  checkpointHeight: bigint | undefined
}

/**
 * The node's chain name, chain id and server version (GetServiceInfo).
 *
 * @param client - the client
 * @param params - `signal` and `timeoutMs`
 * @returns the chain info
 * @throws {RpcError} when the node fails or cannot be reached
 * @example
 * const { chain, server } = await client.getChainInfo()
 */
export async function getChainInfo(client: SomaClientCore, params: CallOptions = {}): Promise<ChainInfo> {
  const info = await client.rpc.getServiceInfo(callOptions(params))
  return { chain: info.chain ?? 'localnet', chainId: info.chainId ?? '', server: info.server ?? '', epoch: info.epoch, checkpointHeight: info.checkpointHeight }
}

/** The network's protocol parameters the SDK reads most. */
export interface NetworkParameters {
  protocolVersion: bigint
  architectureVersion: bigint
  embeddingDim: bigint
  /** Shannons. */
  modelMinStake: bigint
  epochDurationMs: bigint
  epochStartTimestampMs: bigint
  /** `epochStartTimestampMs + epochDurationMs`. */
  nextEpochTimestampMs: bigint
  /** `epochStartTimestampMs + 2 × epochDurationMs`. */
  followingEpochTimestampMs: bigint
  /** Shannons of bond per byte of submitted data. */
  submissionBondPerByte: bigint
}

/**
 * Protocol version, architecture version, embedding dimension, minimum model stake and epoch
 * timing, from the latest system state (the reference's `get_protocol_version`,
 * `get_architecture_version`, `get_embedding_dim`, `get_model_min_stake`,
 * `get_next_epoch_timestamp`, `get_following_epoch_timestamp` in one read).
 *
 * @param client - the client
 * @param params - `signal` and `timeoutMs`
 * @returns the parameters
 * @throws {RpcError} when the node fails or cannot be reached
 * @example
 * const { embeddingDim, modelMinStake } = await client.getNetworkParameters()
 */
export async function getNetworkParameters(client: SomaClientCore, params: CallOptions = {}): Promise<NetworkParameters> {
  const s = await systemState(client, callOptions(params))
  const p = s.parameters
  return {
    protocolVersion: s.protocolVersion,
    architectureVersion: p.modelArchitectureVersion,
    embeddingDim: p.targetEmbeddingDim,
    modelMinStake: p.modelMinStake,
    epochDurationMs: p.epochDurationMs,
    epochStartTimestampMs: s.epochStartTimestampMs,
    nextEpochTimestampMs: s.epochStartTimestampMs + p.epochDurationMs,
    followingEpochTimestampMs: s.epochStartTimestampMs + 2n * p.epochDurationMs,
    submissionBondPerByte: p.submissionBondPerByte,
  }
}
