import type { CallOptions, SomaClientCore } from '../client/types.js'
import { parseU64 } from '../utils/amount.js'
import { callOptions } from './shared.js'

export interface GetEpochParams extends CallOptions {
  /** Default: the current epoch. */
  epoch?: bigint | number
}

export interface EpochInfo {
  epoch: bigint
  firstCheckpointId: bigint | undefined
  /** Milliseconds since the Unix epoch (0 when the node gives none). */
  epochStartTimestampMs: bigint
  /** Present once the epoch has ended. */
  endOfEpochInfo: { lastCheckpointId: bigint; epochEndTimestampMs: bigint | undefined } | undefined
  protocolVersion: bigint | undefined
}

const ms = (t: { seconds: bigint; nanos: number } | undefined) => (t === undefined ? undefined : t.seconds * 1000n + BigInt(Math.floor(t.nanos / 1e6)))

/**
 * An epoch's checkpoints and timestamps.
 *
 * @param client - the client
 * @param params - optional epoch number, `signal` and `timeoutMs`
 * @returns the epoch's info
 * @throws {RpcNotFoundError} for an epoch the node does not know
 * @example
 * const { epoch, epochStartTimestampMs } = await client.getEpoch()
 */
export async function getEpoch(client: SomaClientCore, params: GetEpochParams = {}): Promise<EpochInfo> {
  const e = await client.rpc.getEpoch(params.epoch === undefined ? undefined : parseU64(params.epoch, 'epoch'), {
    ...callOptions(params),
    readMask: 'epoch,first_checkpoint,last_checkpoint,start,end,protocol_config.protocol_version',
  })
  return {
    epoch: e.epoch ?? 0n,
    firstCheckpointId: e.firstCheckpoint,
    epochStartTimestampMs: ms(e.start) ?? 0n,
    endOfEpochInfo: e.lastCheckpoint === undefined ? undefined : { lastCheckpointId: e.lastCheckpoint, epochEndTimestampMs: ms(e.end) },
    protocolVersion: e.protocolConfig?.protocolVersion,
  }
}
