/**
 * `LedgerService.GetEpoch` as the reference serves it (`rpc/src/api/grpc/ledger_service/get_epoch.rs`):
 * the epoch record the node keeps (first checkpoint, start and end timestamps, protocol version,
 * the system state at its start), the protocol config of that version, and the committee of the
 * epoch's active validators. `last_checkpoint` is never set: the reference's index does not record
 * it either (the line is commented out there), so clients see the same on both. A mask that names
 * `system_state` (or any path under it) gets the whole SystemState, as the reference's merge does:
 * the current epoch's from the live object, a past epoch's as recorded at its start.
 */
import { create } from '@bufbuild/protobuf'
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt'
import { Code, ConnectError } from '@connectrpc/connect'
import type { GetEpochRequest } from '@soma-ts/sdk/generated/soma/rpc/ledger_service_pb'
import { ValidatorCommitteeSchema, type ValidatorCommittee } from '@soma-ts/sdk/generated/soma/rpc/signature_pb'
import { EpochSchema, ProtocolConfigSchema, type Epoch, type ProtocolConfig } from '@soma-ts/sdk/generated/soma/rpc/system_state_pb'

import { decodeSystemStateContents, type SystemStateValue } from '../chain/system-state.js'
import type { LocalNode } from '../node/node.js'
import { applyMask, validatedMaskOf } from './mask.js'
import { systemStateToProto } from './system-state.js'

const GET_EPOCH_MASK = 'epoch,committee,first_checkpoint,last_checkpoint,start,end,protocol_config.protocol_version'

/**
 * Protocol version 5's `attr_map` for a chain that is neither mainnet nor testnet, as the
 * reference's snapshot lists it (values as their Rust `to_string`); no feature flags.
 */
const PROTOCOL_V5_ATTRIBUTES: Readonly<Record<string, string>> = {
  base_fee: '1000',
  buffer_stake_for_protocol_upgrade_bps: '5000',
  consensus_bad_nodes_stake_threshold: '30',
  consensus_commit_rate_estimation_window_size: '10',
  consensus_gc_depth: '60',
  consensus_max_num_transactions_in_block: '512',
  consensus_max_transaction_size_bytes: '262144',
  consensus_max_transactions_in_block_bytes: '524288',
  epoch_duration_ms: '86400000',
  execution_version: '2',
  fee_adjustment_rate_bps: '1250',
  initial_value_fee_bps: '10',
  max_checkpoint_size_bytes: '31457280',
  max_submission_data_size: '1048576',
  max_transactions_per_checkpoint: '20000',
  max_value_fee_bps: '50',
  min_checkpoint_interval_ms: '200',
  min_value_fee_bps: '1',
  model_architecture_version: '1',
  model_min_stake: '1000000000',
  model_reveal_slash_rate_bps: '5000',
  model_tally_slash_rate_bps: '9500',
  mysticeti_num_leaders_per_round: '1',
  reward_slashing_rate_bps: '5000',
  submission_bond_per_byte: '65',
  target_claimer_incentive_bps: '50',
  target_difficulty_adjustment_rate_bps: '10000',
  target_embedding_dim: '2048',
  target_epoch_fee_collection: '1000000000',
  target_hits_ema_decay_bps: '9000',
  target_hits_per_epoch: '86400',
  target_initial_distance_threshold: '1.05',
  target_initial_targets_per_epoch: '100',
  target_max_distance_threshold: '2',
  target_min_distance_threshold: '0.95',
  target_model_reward_share_bps: '4975',
  target_models_per_target: '3',
  target_reward_allocation_bps: '8000',
  target_submitter_reward_share_bps: '4975',
  validator_reward_allocation_bps: '7000',
  write_object_fee: '300',
}

function timestampOf(ms: bigint): Timestamp {
  return create(TimestampSchema, { seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 })
}

function protocolConfigOf(version: bigint): ProtocolConfig {
  if (version !== 5n) throw new ConnectError(`Protocol version ${version} not found`, Code.NotFound)
  return create(ProtocolConfigSchema, { protocolVersion: version, featureFlags: {}, attributes: { ...PROTOCOL_V5_ATTRIBUTES } })
}

function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** The epoch's committee: its active validators by authority name (the BLS key), weight = voting power. */
function committeeOf(state: SystemStateValue): ValidatorCommittee {
  const validators = [...state.validators.validators].sort((a, b) => bytesCompare(a.metadata.protocolPubkey, b.metadata.protocolPubkey))
  return create(ValidatorCommitteeSchema, {
    epoch: state.epoch,
    members: validators.map((v) => ({
      authorityKey: v.metadata.protocolPubkey,
      weight: v.votingPower,
      networkMetadata: {
        consensusAddress: v.metadata.primaryAddress,
        hostname: v.metadata.netAddress,
        protocolKey: v.metadata.workerPubkey,
        networkKey: v.metadata.networkPubkey,
      },
    })),
  })
}

export function getEpoch(node: LocalNode, request: GetEpochRequest): { epoch: Epoch } {
  const tree = validatedMaskOf(request.readMask, GET_EPOCH_MASK, EpochSchema)
  const wants = (field: string) => tree === undefined || field in tree
  const current = node.epoch()
  const number = request.epoch ?? current
  const stored = node.database.getEpoch(number)
  const message = create(EpochSchema, { epoch: number })
  let systemState: SystemStateValue | undefined = wants('systemState') && number === current ? node.systemState() : undefined
  if (stored !== undefined) {
    if (stored.startCheckpoint !== undefined) message.firstCheckpoint = stored.startCheckpoint
    message.start = timestampOf(stored.startTimestampMs)
    if (stored.endTimestampMs !== undefined) message.end = timestampOf(stored.endTimestampMs)
    if (wants('protocolConfig')) message.protocolConfig = protocolConfigOf(stored.protocolVersion)
    if (systemState === undefined && wants('systemState')) systemState = decodeSystemStateContents(stored.systemState)
  }
  if (wants('committee')) {
    if (stored === undefined) throw new ConnectError(`Committee for epoch ${number} not found`, Code.NotFound)
    const state = number === current ? node.systemState() : decodeSystemStateContents(stored.systemState)
    message.committee = committeeOf(state)
  }
  const masked = applyMask(message, tree)
  // Whole, whatever sub-paths the mask names (the reference checks only `contains("system_state")`).
  if (systemState !== undefined) masked.systemState = systemStateToProto(systemState)
  return { epoch: masked }
}
