/**
 * Helpers the actions share: call options passed on, the system state read once per call.
 */
import { decodeSystemState } from '../bcs/state.js'
import type { SystemStateV1 } from '../bcs/objects.js'
import type { CallOptions, SomaClientCore } from '../client/types.js'

/** The SystemState object's id (`0x5`). */
export const SYSTEM_STATE_OBJECT_ID = `0x${'0'.repeat(63)}5`

/** Only the call options of an action's params (no secrets, no payloads). */
export function callOptions(p: CallOptions | undefined): CallOptions {
  const out: CallOptions = {}
  if (p?.signal) out.signal = p.signal
  if (p?.timeoutMs !== undefined) out.timeoutMs = p.timeoutMs
  return out
}

/** The latest SystemState, decoded from the BCS of object `0x5`. */
export async function systemState(client: SomaClientCore, options?: CallOptions): Promise<SystemStateV1> {
  const object = await client.rpc.getObject(SYSTEM_STATE_OBJECT_ID, callOptions(options))
  return decodeSystemState(object.contents ?? new Uint8Array())
}
