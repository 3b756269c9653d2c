/**
 * GetEpoch's `system_state` against the chain's SystemState object, field by field: the message is
 * turned back into a `SystemStateV1` the way the reference's client does it
 * (`TryFrom<SystemState> for types::system_state::SystemState`: every required field present, ids
 * and addresses parsed, scalars rebuilt as `SomaTensor::scalar`, embeddings as `[len]`) and must
 * re-encode to the object's exact BCS. The text forms are checked where they differ by field.
 */
import { Ed25519Keypair, bcsTypes, blake2b256Js, deriveObjectId, encodeBcs, normalizeAddress, toHex } from '@soma-ts/sdk'
import type { Manifest } from '@soma-ts/sdk/generated/soma/rpc/transaction_pb'
import type { Model, StakingPool, SystemState, Validator } from '@soma-ts/sdk/generated/soma/rpc/system_state_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { SYSTEM_STATE_OBJECT_ID, embeddingCommitmentOf } from '../src/chain/index.js'
import { DIM, MODEL_EMBEDDING, SOMA, activateModel, execute, fund, gasCoin, startTestNet, type TestNet } from './localnet-helpers.js'
import { runLocalnetDriver, somaSdkPython } from './python-helpers.js'

let t: TestNet
beforeAll(async () => {
  t = await startTestNet({ committeeSize: 2 })
}, 60_000)
afterAll(async () => {
  await t?.close()
})

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Missing ${what}`)
  return value
}

/** `SomaAddress::from_str` for the node's text (64 hex, no `0x`). */
function address(text: string | undefined, what: string): string {
  const raw = need(text, what)
  expect(raw, what).toMatch(/^[0-9a-f]{64}$/)
  return normalizeAddress(raw)
}

/** `ObjectID::from_str` for the node's text (`0x` + 64 hex). */
function objectId(text: string, what: string): string {
  expect(text, what).toMatch(/^0x[0-9a-f]{64}$/)
  return text
}

const bytes32 = (b: Uint8Array | undefined, what: string) => {
  const v = need(b, what)
  expect(v.length, what).toBe(32)
  return v
}
const scalar = (v: number | undefined, what: string) => ({ values: [need(v, what)], shape: [1n] })
const vector = (v: number[]) => ({ values: v, shape: [BigInt(v.length)] })

function pool(p: StakingPool | undefined): typeof bcsTypes.StakingPool.$inferInput {
  const v = need(p, 'staking_pool')
  return {
    id: objectId(need(v.id, 'id'), 'pool id'),
    activationEpoch: v.activationEpoch ?? null,
    deactivationEpoch: v.deactivationEpoch ?? null,
    somaBalance: need(v.somaBalance, 'soma_balance'),
    rewardsPool: need(v.rewardsPool, 'rewards_pool'),
    poolTokenBalance: need(v.poolTokenBalance, 'pool_token_balance'),
    exchangeRates: new Map(
      Object.entries(v.exchangeRates).map(([k, r]) => [BigInt(k), { somaAmount: need(r.somaAmount, 'soma_amount'), poolTokenAmount: need(r.poolTokenAmount, 'pool_token_amount') }]),
    ),
    pendingStake: need(v.pendingStake, 'pending_stake'),
    pendingTotalSomaWithdraw: need(v.pendingTotalSomaWithdraw, 'pending_total_soma_withdraw'),
    pendingPoolTokenWithdraw: need(v.pendingPoolTokenWithdraw, 'pending_pool_token_withdraw'),
  }
}

function validator(v: Validator): typeof bcsTypes.Validator.$inferInput {
  return {
    metadata: {
      somaAddress: address(v.somaAddress, 'soma_address'),
      protocolPubkey: need(v.protocolPubkey, 'protocol_pubkey'),
      networkPubkey: need(v.networkPubkey, 'network_pubkey'),
      workerPubkey: need(v.workerPubkey, 'worker_pubkey'),
      netAddress: need(v.netAddress, 'net_address'),
      p2pAddress: need(v.p2pAddress, 'p2p_address'),
      primaryAddress: need(v.primaryAddress, 'primary_address'),
      proxyAddress: v.proxyAddress ?? '',
      proofOfPossession: need(v.proofOfPossession, 'proof_of_possession'),
      nextEpochProtocolPubkey: v.nextEpochProtocolPubkey ?? null,
      nextEpochNetworkPubkey: v.nextEpochNetworkPubkey ?? null,
      nextEpochNetAddress: v.nextEpochNetAddress ?? null,
      nextEpochP2pAddress: v.nextEpochP2pAddress ?? null,
      nextEpochPrimaryAddress: v.nextEpochPrimaryAddress ?? null,
      nextEpochWorkerPubkey: v.nextEpochWorkerPubkey ?? null,
      nextEpochProofOfPossession: v.nextEpochProofOfPossession ?? null,
      nextEpochProxyAddress: v.nextEpochProxyAddress ?? null,
    },
    votingPower: need(v.votingPower, 'voting_power'),
    stakingPool: pool(v.stakingPool),
    commissionRate: need(v.commissionRate, 'commission_rate'),
    nextEpochStake: need(v.nextEpochStake, 'next_epoch_stake'),
    nextEpochCommissionRate: need(v.nextEpochCommissionRate, 'next_epoch_commission_rate'),
  }
}

function manifest(m: Manifest | undefined) {
  const v = need(m, 'manifest').version
  if (v.case !== 'v1') throw new Error('Missing manifest version')
  const meta = need(v.value.metadata, 'metadata').version
  if (meta.case !== 'v1') throw new Error('Missing metadata version')
  return { V1: { url: need(v.value.url, 'url'), metadata: { V1: { checksum: bytes32(meta.value.checksum, 'checksum'), size: need(meta.value.size, 'size') } } } }
}

function model(m: Model): typeof bcsTypes.Model.$inferInput {
  const head = {
    owner: address(m.owner, 'model owner'),
    architectureVersion: need(m.architectureVersion, 'architecture_version'),
    stakingPool: pool(m.stakingPool),
    commissionRate: need(m.commissionRate, 'commission_rate'),
    nextEpochCommissionRate: need(m.nextEpochCommissionRate, 'next_epoch_commission_rate'),
  }
  if (m.state === 'created') return { V1: { Created: { ...head, createEpoch: need(m.createEpoch, 'create_epoch') } } }
  const committed = {
    ...head,
    manifest: manifest(m.manifest),
    weightsCommitment: bytes32(m.weightsCommitment, 'weights_commitment'),
    embeddingCommitment: bytes32(m.embeddingCommitment, 'embedding_commitment'),
    decryptionKeyCommitment: bytes32(m.decryptionKeyCommitment, 'decryption_key_commitment'),
  }
  if (m.state === 'pending') return { V1: { Pending: { ...committed, commitEpoch: need(m.commitEpoch, 'commit_epoch') } } }
  const revealed = { ...committed, decryptionKey: bytes32(m.decryptionKey, 'decryption_key'), embedding: vector(m.embedding) }
  if (m.state === 'inactive') return { V1: { Inactive: revealed } }
  if (m.state !== 'active') throw new Error(`Unknown model state: ${m.state}`)
  const u = m.pendingUpdate
  const pendingUpdate =
    u === undefined
      ? null
      : {
          manifest: manifest(u.manifest),
          weightsCommitment: bytes32(u.weightsCommitment, 'weights_commitment'),
          embeddingCommitment: bytes32(u.embeddingCommitment, 'embedding_commitment'),
          decryptionKeyCommitment: bytes32(u.decryptionKeyCommitment, 'decryption_key_commitment'),
          commitEpoch: need(u.commitEpoch, 'commit_epoch'),
        }
  return { V1: { Active: { ...revealed, pendingUpdate } } }
}

const reporters = (records: { [key: string]: { reporters: string[] } }, key: (k: string) => string) =>
  new Map(Object.entries(records).map(([k, v]) => [key(k), v.reporters.map((r) => address(r, 'reporter'))]))

/** The reference client's rebuild of the Rust value. */
function rebuild(s: SystemState): typeof bcsTypes.SystemStateV1.$inferInput {
  const p = need(s.parameters, 'parameters')
  const set = need(s.validators, 'validators')
  const registry = need(s.modelRegistry, 'model_registry')
  const ts = need(s.targetState, 'target_state')
  const emission = need(s.emissionPool, 'emission_pool')
  return {
    epoch: need(s.epoch, 'epoch'),
    protocolVersion: need(s.protocolVersion, 'protocol_version'),
    validators: {
      totalStake: need(set.totalStake, 'total_stake'),
      validators: set.validators.map(validator),
      pendingValidators: set.pendingValidators.map(validator),
      pendingRemovals: set.pendingRemovals.map(BigInt),
      stakingPoolMappings: new Map(Object.entries(set.stakingPoolMappings).map(([k, v]) => [objectId(k, 'pool'), address(v, 'validator')])),
      inactiveValidators: new Map(Object.entries(set.inactiveValidators).map(([k, v]) => [objectId(k, 'pool'), validator(v)])),
      atRiskValidators: new Map(Object.entries(set.atRiskValidators).map(([k, v]) => [address(k, 'at risk'), v])),
    },
    parameters: {
      epochDurationMs: need(p.epochDurationMs, 'epoch_duration_ms'),
      validatorRewardAllocationBps: need(p.validatorRewardAllocationBps, 'validator_reward_allocation_bps'),
      modelMinStake: need(p.modelMinStake, 'model_min_stake'),
      modelArchitectureVersion: need(p.modelArchitectureVersion, 'model_architecture_version'),
      modelRevealSlashRateBps: need(p.modelRevealSlashRateBps, 'model_reveal_slash_rate_bps'),
      modelTallySlashRateBps: need(p.modelTallySlashRateBps, 'model_tally_slash_rate_bps'),
      targetEpochFeeCollection: need(p.targetEpochFeeCollection, 'target_epoch_fee_collection'),
      baseFee: need(p.baseFee, 'base_fee'),
      writeObjectFee: need(p.writeObjectFee, 'write_object_fee'),
      valueFeeBps: need(p.valueFeeBps, 'value_fee_bps'),
      minValueFeeBps: need(p.minValueFeeBps, 'min_value_fee_bps'),
      maxValueFeeBps: need(p.maxValueFeeBps, 'max_value_fee_bps'),
      feeAdjustmentRateBps: need(p.feeAdjustmentRateBps, 'fee_adjustment_rate_bps'),
      targetModelsPerTarget: need(p.targetModelsPerTarget, 'target_models_per_target'),
      targetEmbeddingDim: need(p.targetEmbeddingDim, 'target_embedding_dim'),
      targetInitialDistanceThreshold: scalar(p.targetInitialDistanceThreshold, 'target_initial_distance_threshold'),
      targetRewardAllocationBps: need(p.targetRewardAllocationBps, 'target_reward_allocation_bps'),
      targetHitsPerEpoch: need(p.targetHitsPerEpoch, 'target_hits_per_epoch'),
      targetHitsEmaDecayBps: need(p.targetHitsEmaDecayBps, 'target_hits_ema_decay_bps'),
      targetDifficultyAdjustmentRateBps: need(p.targetDifficultyAdjustmentRateBps, 'target_difficulty_adjustment_rate_bps'),
      targetMaxDistanceThreshold: scalar(p.targetMaxDistanceThreshold, 'target_max_distance_threshold'),
      targetMinDistanceThreshold: scalar(p.targetMinDistanceThreshold, 'target_min_distance_threshold'),
      targetInitialTargetsPerEpoch: need(p.targetInitialTargetsPerEpoch, 'target_initial_targets_per_epoch'),
      targetSubmitterRewardShareBps: need(p.targetSubmitterRewardShareBps, 'target_submitter_reward_share_bps'),
      targetModelRewardShareBps: need(p.targetModelRewardShareBps, 'target_model_reward_share_bps'),
      targetClaimerIncentiveBps: need(p.targetClaimerIncentiveBps, 'target_claimer_incentive_bps'),
      submissionBondPerByte: need(p.submissionBondPerByte, 'submission_bond_per_byte'),
      maxSubmissionDataSize: need(p.maxSubmissionDataSize, 'max_submission_data_size'),
    },
    epochStartTimestampMs: need(s.epochStartTimestampMs, 'epoch_start_timestamp_ms'),
    validatorReportRecords: reporters(s.validatorReportRecords, (k) => address(k, 'reportee')),
    modelRegistry: {
      models: new Map(Object.entries(registry.models).map(([k, v]) => [objectId(k, 'model id'), model(v)])),
      stakingPoolMappings: new Map(Object.entries(registry.stakingPoolMappings).map(([k, v]) => [objectId(k, 'pool'), objectId(v, 'model id')])),
      totalModelStake: need(registry.totalModelStake, 'total_model_stake'),
      modelReportRecords: reporters(registry.modelReportRecords, (k) => objectId(k, 'model id')),
    },
    emissionPool: { balance: need(emission.balance, 'balance'), emissionPerEpoch: need(emission.emissionPerEpoch, 'emission_per_epoch') },
    targetState: {
      distanceThreshold: scalar(ts.distanceThreshold, 'distance_threshold'),
      targetsGeneratedThisEpoch: need(ts.targetsGeneratedThisEpoch, 'targets_generated_this_epoch'),
      hitsThisEpoch: need(ts.hitsThisEpoch, 'hits_this_epoch'),
      hitsEma: need(ts.hitsEma, 'hits_ema'),
      rewardPerTarget: need(ts.rewardPerTarget, 'reward_per_target'),
    },
    safeMode: s.safeMode ?? false,
    safeModeAccumulatedFees: s.safeModeAccumulatedFees ?? 0n,
    safeModeAccumulatedEmissions: s.safeModeAccumulatedEmissions ?? 0n,
  }
}

/** What test/python/reads.py prints. */
interface PythonReads {
  epoch: number
  models: Record<string, string>
  pending_update: Record<string, boolean>
  validators: { address: string; voting_power: number; pending_stake: number; net_address: string }[]
  total_model_stake: number
  manifests: { url: string; checksum: string; size: number; decryption_key: string | null }[]
  active: string[]
}

/** The models the first test leaves in each state. */
const ids = { active: '', pending: '', created: '' }

const onChain = () => t.net.node.getObject(SYSTEM_STATE_OBJECT_ID)!.contents

describe('GetEpoch system_state', () => {
  it('is the chain SystemState field by field: validators, pools, every model state, pending update, parameters, target state', async () => {
    const { client } = t
    // A model in each state the registry holds: Active with a pending update, Pending, Created.
    const owner = Ed25519Keypair.generate()
    const active = await activateModel(t, owner)
    await fund(t.faucet, owner, 3)
    const key = new Uint8Array(32).fill(9)
    const commit = (modelId: string) => ({
      CommitModel: {
        modelId,
        manifest: { V1: { url: 'https://example.com/next.bin', metadata: { V1: { checksum: new Uint8Array(32).fill(3), size: 77n } } } },
        weightsCommitment: new Uint8Array(32).fill(4),
        embeddingCommitment: embeddingCommitmentOf(MODEL_EMBEDDING),
        decryptionKeyCommitment: blake2b256Js(key),
      },
    })
    await execute(client, owner, commit(active))
    const pending = deriveObjectId((await execute(client, owner, { CreateModel: { stakeAmount: SOMA, commissionRate: 250n, architectureVersion: 1n } })).digest, 0)
    await execute(client, owner, commit(pending))
    const created = deriveObjectId((await execute(client, owner, { CreateModel: { stakeAmount: SOMA, commissionRate: 7n, architectureVersion: 1n } })).digest, 0)
    Object.assign(ids, { active, pending, created })
    // Pending stake on a validator.
    const state = t.net.node.systemState()
    await execute(client, owner, { AddStake: { address: state.validators.validators[1]!.metadata.somaAddress, coinRef: await gasCoin(client, owner.toSomaAddress()), amount: SOMA } })

    const epoch = await client.getEpoch(undefined, { readMask: 'system_state' })
    const s = need(epoch.systemState, 'system_state')
    expect(toHex(encodeBcs(bcsTypes.SystemStateV1, rebuild(s)))).toBe(toHex(onChain().subarray(1)))
    // The registry holds the three states; the active model has its embedding and a pending update.
    expect(Object.fromEntries(Object.entries(s.modelRegistry!.models).map(([id, m]) => [id, m.state]))).toEqual({ [active]: 'active', [pending]: 'pending', [created]: 'created' })
    const a = s.modelRegistry!.models[active]!
    expect(a.embedding).toEqual(MODEL_EMBEDDING.values)
    expect(a.embedding).toHaveLength(DIM)
    expect(a.pendingUpdate?.commitEpoch).toBe(s.epoch)
    expect(s.modelRegistry!.models[created]!.manifest).toBeUndefined()
    expect(s.parameters!.targetEmbeddingDim).toBe(16n)
    expect(s.parameters!.challengerBondPerByte).toBeUndefined()
    expect(s.validators!.validators).toHaveLength(2)
    expect(s.validators!.validators[1]!.stakingPool!.pendingStake).toBe(SOMA)
    expect(s.submissionReportRecords).toEqual({})
    expect(s.safeMode).toBe(false)
    // Only `epoch` and `system_state` were asked for; the rest of the Epoch is absent.
    expect(epoch.committee).toBeUndefined()
    expect(epoch.protocolConfig).toBeUndefined()
  })

  it('is served whole for any mask under system_state, not at all by default, and for a past epoch as it was at its start', async () => {
    const { client } = t
    const sub = await client.getEpoch(undefined, { readMask: 'system_state.epoch' })
    expect(toHex(encodeBcs(bcsTypes.SystemStateV1, rebuild(sub.systemState!)))).toBe(toHex(onChain().subarray(1)))
    expect((await client.getEpoch()).systemState).toBeUndefined()
    const past = t.net.node.epoch() - 1n
    const stored = t.net.node.database.getEpoch(past)!.systemState
    const old = await client.getEpoch(past, { readMask: 'epoch,system_state' })
    expect(old.systemState?.epoch).toBe(past)
    expect(toHex(encodeBcs(bcsTypes.SystemStateV1, rebuild(old.systemState!)))).toBe(toHex(stored.subarray(1)))
    await expect(client.getEpoch(undefined, { readMask: 'system_state.nope' })).rejects.toThrow(/invalid read_mask path/)
  })

  it.skipIf('skip' in somaSdkPython)('is rebuilt by the reference Python client (soma-sdk): every model state, pending update, manifests, validators', async () => {
    const { active, pending, created } = ids
    expect(active).not.toBe('')
    const py = await runLocalnetDriver<PythonReads>('reads.py', { rpc: t.net.urls.rpc, models: [active, pending, created], simulate: [] })
    const state = t.net.node.systemState()
    expect(py.epoch).toBe(Number(state.epoch))
    expect(py.models).toEqual({ [active]: 'Active', [pending]: 'Pending', [created]: 'Created' })
    expect(py.pending_update).toEqual({ [active]: true })
    expect(py.active).toEqual([active])
    expect(py.total_model_stake).toBe(Number(state.modelRegistry.totalModelStake))
    // Created models have no manifest and are skipped; the pending one has no key yet.
    expect(py.manifests.map((m) => [m.url, m.size, m.decryption_key === null])).toEqual([
      ['https://example.com/weights.bin', 4096, false],
      ['https://example.com/next.bin', 77, true],
    ])
    // soma-sdk's serde writes a SomaAddress as 64 hex digits, without `0x`.
    expect(py.validators).toEqual(
      state.validators.validators.map((v) => ({
        address: v.metadata.somaAddress.slice(2),
        voting_power: Number(v.votingPower),
        pending_stake: Number(v.stakingPool.pendingStake),
        net_address: v.metadata.netAddress,
      })),
    )
  })
})
