import { decodeBcs } from './codec.js'
import { SystemState, SystemStateV1 } from './objects.js'
import { BcsDecodeError } from '../errors/index.js'

/**
 * Decodes the contents of the SystemState object (`0x5`, payload without the 32-byte id). The
 * node writes `SystemState::V1` (tag `00`) but also reads an untagged legacy `SystemStateV1`
 * (`types/src/system_state/mod.rs`), so both are accepted here.
 */
export function decodeSystemState(bytes: Uint8Array): SystemStateV1 {
  try {
    return decodeBcs(SystemState, bytes).V1!
  } catch (tagged) {
    try {
      return decodeBcs(SystemStateV1, bytes)
    } catch {
      throw tagged instanceof BcsDecodeError ? tagged : new BcsDecodeError({ typeName: 'SystemState', cause: tagged })
    }
  }
}
