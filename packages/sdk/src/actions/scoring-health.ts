import type { CallOptions, SomaClientCore } from '../client/types.js'
import { callOptions } from './shared.js'

/**
 * Whether the scoring service answers healthy.
 *
 * @param client - the client (with a scoring service)
 * @param params - `signal` and `timeoutMs`
 * @returns true when the service is serving
 * @throws {ServiceNotConfiguredError} when the client has no scoring service
 * @throws {RpcError} when it cannot be reached (the error names its URL)
 * @example
 * if (!(await client.scoringHealth())) throw new Error('scoring is down')
 */
export async function scoringHealth(client: SomaClientCore, params: CallOptions = {}): Promise<boolean> {
  return client.scoring().health(callOptions(params))
}
