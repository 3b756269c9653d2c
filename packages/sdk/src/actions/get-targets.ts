import type { CallOptions, SomaClientCore } from '../client/types.js'
import type { Target as ProtoTarget } from '../generated/soma/rpc/system_state_pb.js'
import { InvalidArgumentError } from '../errors/index.js'
import { toHex, fromHex, normalizeAddress } from '../utils/encoding.js'
import { parseU64 } from '../utils/amount.js'
import { READ_MASKS, readMask } from '../rpc/client.js'
import { callOptions } from './shared.js'

/** A target, with `0x` ids and shannon amounts. */
export interface Target {
  id: string
  /** `open`, `filled`, `claimed`, or as ListTargets rewrites it: `claimable`, `expired`. */
  status: string
  embedding: number[]
  modelIds: string[]
  distanceThreshold: number
  rewardPool: bigint
  generationEpoch: bigint
  fillEpoch: bigint | undefined
  bondAmount: bigint
  submitter: string | undefined
  winningModelId: string | undefined
  winningModelOwner: string | undefined
  dataUrl: string | undefined
}

const hex = (s: string | undefined) => (s === undefined || s === '' ? undefined : normalizeAddress(s.startsWith('0x') ? s : `0x${s}`))

/** A protobuf Target as the SDK's `Target`. */
export function targetFromProto(t: ProtoTarget): Target {
  return {
    id: hex(t.id) ?? '',
    status: t.status ?? 'open',
    embedding: [...t.embedding],
    modelIds: t.modelIds.map((m) => hex(m) as string),
    distanceThreshold: t.distanceThreshold ?? 0,
    rewardPool: t.rewardPool ?? 0n,
    generationEpoch: t.generationEpoch ?? 0n,
    fillEpoch: t.fillEpoch,
    bondAmount: t.bondAmount ?? 0n,
    submitter: hex(t.submitter),
    winningModelId: hex(t.winningModelId),
    winningModelOwner: hex(t.winningModelOwner),
    dataUrl: t.dataUrl === '' ? undefined : t.dataUrl,
  }
}

export interface ListTargetsParams extends CallOptions {
  /** `open` (default), `filled`, `claimed`, `expired` or `claimable`. */
  status?: 'open' | 'filled' | 'claimed' | 'expired' | 'claimable'
  /** Only targets generated in this epoch. */
  epoch?: bigint | number
  /** Only targets filled by this address. */
  submitter?: string
  /** Page size (the node clamps it to 1..1000; default 100). */
  limit?: number
  /** Continue from an earlier page's `nextPageToken` (hex). */
  pageToken?: string
}

export interface ListTargetsResult {
  targets: Target[]
  /** Hex; pass as `pageToken` for the next page. */
  nextPageToken: string | undefined
}

/**
 * One page of targets by status (open by default), as the reference's `list_targets`.
 *
 * @param client - the client
 * @param params - status, epoch, submitter, page size and token, `signal`, `timeoutMs`
 * @returns the targets and the next page's token
 * @throws {InvalidArgumentError} for a bad status, limit or token
 * @throws {RpcError} when the node fails or cannot be reached
 * @example
 * const { targets } = await client.listTargets({ status: 'claimable' })
 */
export async function listTargets(client: SomaClientCore, params: ListTargetsParams = {}): Promise<ListTargetsResult> {
  const status = params.status ?? 'open'
  if (!['open', 'filled', 'claimed', 'expired', 'claimable'].includes(String(status).toLowerCase())) {
    throw new InvalidArgumentError(`Unknown target status "${String(status).slice(0, 40)}".`, { hint: 'Use open, filled, claimed, expired or claimable.' })
  }
  if (params.limit !== undefined && (!Number.isSafeInteger(params.limit) || params.limit < 1)) throw new InvalidArgumentError('limit must be a positive integer.')
  let pageToken: Uint8Array | undefined
  if (params.pageToken !== undefined) {
    try {
      pageToken = fromHex(params.pageToken)
    } catch (cause) {
      throw new InvalidArgumentError('pageToken must be the hex text of an earlier nextPageToken.', { cause })
    }
  }
  const res = await client.rpc.state.listTargets(
    {
      statusFilter: status.toLowerCase(),
      ...(params.epoch !== undefined ? { epochFilter: parseU64(params.epoch, 'epoch') } : {}),
      ...(params.submitter !== undefined ? { submitterFilter: normalizeAddress(params.submitter) } : {}),
      ...(params.limit !== undefined ? { pageSize: params.limit } : {}),
      ...(pageToken ? { pageToken } : {}),
      // The node's default mask leaves out the embedding and the model ids.
      readMask: readMask(READ_MASKS.target),
    },
    callOptions(params),
  )
  return {
    targets: res.targets.map(targetFromProto),
    nextPageToken: res.nextPageToken && res.nextPageToken.length > 0 ? toHex(res.nextPageToken) : undefined,
  }
}

/**
 * The first page of targets (as the reference's `get_targets`).
 *
 * @param client - the client
 * @param params - as `listTargets`
 * @returns the targets
 * @throws {InvalidArgumentError} for a bad status or limit
 * @example
 * const [target] = await client.getTargets({ status: 'open', limit: 1 })
 */
export async function getTargets(client: SomaClientCore, params: ListTargetsParams = {}): Promise<Target[]> {
  return (await listTargets(client, params)).targets
}

export interface GetTargetParams extends CallOptions {
  targetId: string
}

/**
 * One target by id.
 *
 * @param client - the client
 * @param params - the id, `signal` and `timeoutMs`
 * @returns the target
 * @throws {RpcNotFoundError} when there is no such target
 * @example
 * const target = await client.getTarget({ targetId })
 */
export async function getTarget(client: SomaClientCore, params: GetTargetParams): Promise<Target> {
  return targetFromProto(await client.rpc.getTarget(normalizeAddress(params.targetId), callOptions(params)))
}
