import type { SystemStateV1 } from '../bcs/objects.js'
import type { CallOptions, SomaClientCore } from '../client/types.js'
import { systemState } from './shared.js'

/**
 * The latest SystemState: epoch, parameters, validators, the model registry, emission pool and
 * target state (decoded from the BCS of object `0x5`, exactly as the chain stores it).
 *
 * @param client - the client
 * @param params - `signal` and `timeoutMs`
 * @returns the decoded `SystemStateV1`
 * @throws {RpcError} when the node fails or cannot be reached
 * @throws {BcsDecodeError} when the object is not a SystemState
 * @example
 * const { epoch, parameters } = await client.getLatestSystemState()
 */
export async function getLatestSystemState(client: SomaClientCore, params: CallOptions = {}): Promise<SystemStateV1> {
  return systemState(client, params)
}
