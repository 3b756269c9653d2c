import type { CallOptions, SomaClientCore } from '../client/types.js'
import type { Checkpoint } from '../generated/soma/rpc/checkpoint_pb.js'
import { parseU64 } from '../utils/amount.js'
import { callOptions } from './shared.js'

export interface GetCheckpointParams extends CallOptions {
  /** Default: the latest checkpoint. */
  sequenceNumber?: bigint | number
}

/**
 * A checkpoint's summary and signature (the latest, or by sequence number).
 *
 * @param client - the client
 * @param params - optional sequence number, `signal` and `timeoutMs`
 * @returns the checkpoint
 * @throws {RpcNotFoundError} for a checkpoint the node does not have
 * @example
 * const latest = await client.getCheckpoint()
 */
export async function getCheckpoint(client: SomaClientCore, params: GetCheckpointParams = {}): Promise<Checkpoint> {
  return client.rpc.getCheckpoint(
    params.sequenceNumber === undefined ? undefined : { sequenceNumber: parseU64(params.sequenceNumber, 'sequenceNumber') },
    { ...callOptions(params), readMask: 'sequence_number,digest,summary,signature' },
  )
}
