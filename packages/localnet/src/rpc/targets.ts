/**
 * `StateService.GetTarget` and `ListTargets` as the reference serves them
 * (`rpc/src/api/grpc/state_service/{get_target,list_targets}.rs`): the target index walked in key
 * order (status, generation epoch, id), the virtual statuses `expired` and `claimable` computed
 * from the current epoch, BCS page tokens that carry the filters, and the proto conversion's
 * address texts (`0x` + trimmed hex for ids, 64 hex without `0x` for addresses).
 */
import { bcs } from '@mysten/bcs'
import { create, toBinary } from '@bufbuild/protobuf'
import { Code, ConnectError } from '@connectrpc/connect'
import { bcsTypes, normalizeAddress } from '@soma-ts/sdk'
import type { GetTargetRequest, ListTargetsRequest } from '@soma-ts/sdk/generated/soma/rpc/state_service_pb'
import { TargetSchema, type Target } from '@soma-ts/sdk/generated/soma/rpc/system_state_pb'

import { targetOf, type TargetValue } from '../chain/objects.js'
import type { TargetIndexEntry } from '../node/database.js'
import type { LocalNode } from '../node/node.js'
import { applyMask, validatedMaskOf, type MaskTree } from './mask.js'
import { fieldViolationError } from './server.js'
import { addressText } from './system-state.js'

const GET_TARGET_MASK = 'id,status,generation_epoch,reward_pool,distance_threshold'
const LIST_TARGETS_MASK = 'id,status,generation_epoch,reward_pool'
const DEFAULT_PAGE_SIZE = 100
const MAX_PAGE_SIZE = 1000
/** A page also ends once its encoded targets reach 512 KiB. */
const MAX_PAGE_BYTES = 512 * 1024
const STATUS_FILTERS = ['open', 'filled', 'claimed', 'expired', 'claimable']

/** The reference's `PageToken { status_filter, epoch_filter, submitter_filter, cursor: TargetInfo }`, BCS. */
const PageToken = bcs.struct('PageToken', {
  statusFilter: bcs.option(bcs.string()),
  epochFilter: bcs.option(bcs.u64()),
  submitterFilter: bcs.option(bcs.string()),
  cursor: bcs.struct('TargetInfo', { targetId: bcsTypes.ObjectId, version: bcs.u64(), status: bcs.string(), generationEpoch: bcs.u64() }),
})

/** `ObjectID::to_hex_literal`: `0x` and the hex without leading zeros. */
function hexLiteral(id: string): string {
  return `0x${id.slice(2).replace(/^0+/, '') || '0'}`
}

function statusText(target: TargetValue): string {
  return target.status.Open !== undefined ? 'open' : target.status.Filled !== undefined ? 'filled' : 'claimed'
}

/** `target_to_proto_with_id`: every field the mask names, converted as the reference does. */
export function targetToProto(id: string, target: TargetValue, tree: MaskTree | undefined): Target {
  const full = create(TargetSchema, {
    id: hexLiteral(id),
    embedding: target.embedding.values,
    modelIds: target.modelIds.map(hexLiteral),
    distanceThreshold: target.distanceThreshold.values[0] ?? 0,
    rewardPool: target.rewardPool,
    generationEpoch: target.generationEpoch,
    status: statusText(target),
    ...(target.status.Filled !== undefined ? { fillEpoch: target.status.Filled.fillEpoch } : {}),
    ...(target.submitter !== null ? { submitter: addressText(target.submitter) } : {}),
    ...(target.winningModelId !== null ? { winningModelId: hexLiteral(target.winningModelId) } : {}),
    ...(target.winningModelOwner !== null ? { winningModelOwner: addressText(target.winningModelOwner) } : {}),
    bondAmount: target.bondAmount,
    ...(target.winningDataManifest !== null ? { dataUrl: target.winningDataManifest.manifest.V1!.url } : {}),
  })
  return applyMask(full, tree)
}

function parseAddressField(text: string, field: string): string {
  try {
    return normalizeAddress(text)
  } catch (err) {
    throw fieldViolationError(field, 'FIELD_INVALID', `invalid ${field}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

export function getTarget(node: LocalNode, request: GetTargetRequest): { target: Target } {
  if (request.targetId === undefined) throw fieldViolationError('target_id', 'FIELD_MISSING', 'missing target_id')
  const id = parseAddressField(request.targetId, 'target_id')
  const tree = validatedMaskOf(request.readMask, GET_TARGET_MASK, TargetSchema)
  const object = node.getObject(id)
  if (object === undefined) throw new ConnectError(`Object ${id} not found`, Code.NotFound)
  if (object.type !== 'Target') throw new ConnectError(`Object ${id} is not a Target (type: ${object.type})`, Code.InvalidArgument)
  return { target: targetToProto(id, targetOf(object), tree) }
}

export function listTargets(node: LocalNode, request: ListTargetsRequest): { targets: Target[]; nextPageToken?: Uint8Array } {
  // The reference reads the latest checkpoint's epoch; its chain makes checkpoints all the time, so
  // that is the new epoch moments after a change. This node makes none until a transaction comes,
  // so the system state's epoch is what the reference would answer.
  const currentEpoch = node.epoch()
  const statusFilter = request.statusFilter?.toLowerCase()
  if (statusFilter !== undefined && !STATUS_FILTERS.includes(statusFilter)) {
    throw fieldViolationError(
      'status_filter',
      'FIELD_INVALID',
      `invalid status_filter: '${request.statusFilter}'. Must be 'open', 'filled', 'claimed', 'expired', or 'claimable'`,
    )
  }
  const epochFilter = request.epochFilter
  const submitter = request.submitterFilter === undefined ? undefined : parseAddressField(request.submitterFilter, 'submitter_filter')
  const pageSize = request.pageSize === undefined ? DEFAULT_PAGE_SIZE : Math.min(Math.max(request.pageSize, 1), MAX_PAGE_SIZE)

  let cursor: TargetIndexEntry | undefined
  if (request.pageToken !== undefined) {
    let token: typeof PageToken.$inferType
    try {
      token = PageToken.parse(request.pageToken)
    } catch {
      throw fieldViolationError('page_token', 'FIELD_INVALID', 'invalid page_token')
    }
    if (token.statusFilter !== (statusFilter ?? null) || token.epochFilter !== (epochFilter === undefined ? null : epochFilter.toString()) || token.submitterFilter !== (request.submitterFilter ?? null)) {
      throw fieldViolationError('page_token', 'FIELD_INVALID', 'page_token parameters do not match request filters')
    }
    const c = token.cursor
    cursor = { id: c.targetId, version: BigInt(c.version), status: c.status, generationEpoch: BigInt(c.generationEpoch) }
  }
  const tree = validatedMaskOf(request.readMask, LIST_TARGETS_MASK, TargetSchema)

  // "expired" reads the open entries, "claimable" reads every entry, then both filter below.
  const indexStatus = statusFilter === 'expired' ? 'open' : statusFilter === 'claimable' ? undefined : statusFilter
  const entries = node.database.targetEntries({ status: indexStatus, generationEpoch: epochFilter }, cursor)[Symbol.iterator]()
  const targets: Target[] = []
  let bytes = 0
  try {
    for (let next = entries.next(); !next.done; next = entries.next()) {
      const entry = next.value
      const object = node.store.getObjectAtVersion(entry.id, entry.version)
      if (object === undefined) continue
      const target = targetOf(object)
      const expired = target.status.Open !== undefined && target.generationEpoch < currentEpoch
      const filledClaimable = target.status.Filled !== undefined && currentEpoch > target.status.Filled.fillEpoch + 1n
      const claimable = expired || filledClaimable
      if (statusFilter === 'expired' && !expired) continue
      if (statusFilter === 'claimable' && !claimable) continue
      if (submitter !== undefined && target.submitter !== submitter) continue
      if (statusFilter === 'open' && expired) continue
      const proto = targetToProto(entry.id, target, tree)
      // As the reference: an expired open target reads "claimable" (claimable is checked first).
      if (proto.status !== undefined) {
        if (claimable) proto.status = 'claimable'
        else if (expired) proto.status = 'expired'
      }
      bytes += encodedLength(proto)
      targets.push(proto)
      if (targets.length >= pageSize || bytes >= MAX_PAGE_BYTES) break
    }
    // The next index entry (before the post-filters) is where the next page starts.
    const following = entries.next()
    if (following.done) return { targets }
    const next = following.value
    return {
      targets,
      nextPageToken: PageToken.serialize({
        statusFilter: statusFilter ?? null,
        epochFilter: epochFilter ?? null,
        submitterFilter: request.submitterFilter ?? null,
        cursor: { targetId: next.id, version: next.version, status: next.status, generationEpoch: next.generationEpoch },
      }).toBytes(),
    }
  } finally {
    entries.return?.()
  }
}

function encodedLength(target: Target): number {
  return toBinary(TargetSchema, target).length
}
