/**
 * protocol.md §16: the reference's e2e scenarios (e2e-tests/tests/*.rs) against a started local
 * network over gRPC, each `it` named after its reference test. One network (4 validators, as the
 * reference TestCluster, `smallModel` so targets are 16-dim) runs these in order: the model
 * scenarios reveal the model that the target scenarios then use. What could not be reproduced,
 * and why, is in docs/scenarios.md.
 */
import { Ed25519Keypair, blake2b256Js, deriveObjectId, fromBase58Text } from '@soma-ts/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { SYSTEM_STATE_OBJECT_ID, embeddingCommitmentOf, modelStateName } from '../src/chain/index.js'
import {
  SOMA,
  advanceEpoch,
  assertSupply,
  coinsOf,
  errorOf,
  execute,
  gasOf,
  isCreatedShared,
  isGone,
  manifest,
  sign,
  startTestNet,
  systemState,
  targetOf,
  type TestNet,
} from './e2e-helpers.js'

let t: TestNet
beforeAll(async () => {
  t = await startTestNet({ committeeSize: 4 })
  expect(t.users.length).toBeGreaterThanOrEqual(4)
})
afterAll(async () => {
  await t?.stop()
})

const DIM = 16
const key = new Uint8Array(32).fill(0xaa)
const embedding = { values: Array.from({ length: DIM }, (_, i) => (i + 1) / DIM), shape: [BigInt(DIM)] }
let modelId: string
/** Targets created by the last boundary (open, of the current epoch). */
let openTargets: string[] = []

describe('models (model_tests.rs)', () => {
  it('test_model_commit_reveal_round_trip: Created → Pending (commit_epoch) → reconfigure → still Pending → Active with a 5 SOMA pool', async () => {
    const owner = t.users[3]!
    const created = await execute(t, owner, { CreateModel: { stakeAmount: 5n * SOMA, commissionRate: 0n, architectureVersion: 1n } })
    expect(errorOf(created)).toBeUndefined()
    modelId = deriveObjectId(created.effects!.transactionDigest!, 0)
    let state = await systemState(t)
    expect([...state.modelRegistry.models.values()].filter((m) => modelStateName(m) === 'Created')).toHaveLength(1)
    expect(modelStateName(state.modelRegistry.models.get(modelId)!)).toBe('Created')

    const commit = await execute(t, owner, {
      CommitModel: {
        modelId,
        manifest: manifest(4096n, 'https://example.com/weights.bin'),
        weightsCommitment: new Uint8Array(32).fill(0xbb),
        embeddingCommitment: embeddingCommitmentOf(embedding),
        decryptionKeyCommitment: blake2b256Js(key),
      },
    })
    expect(errorOf(commit)).toBeUndefined()
    state = await systemState(t)
    expect(state.modelRegistry.models.get(modelId)!.V1.Pending!.commitEpoch).toBe(state.epoch)

    await advanceEpoch(t)
    expect(modelStateName((await systemState(t)).modelRegistry.models.get(modelId)!)).toBe('Pending')
    const reveal = await execute(t, owner, { RevealModel: { modelId, decryptionKey: key, embedding } })
    expect(errorOf(reveal)).toBeUndefined()
    state = await systemState(t)
    const active = state.modelRegistry.models.get(modelId)!.V1.Active!
    expect(active.stakingPool.somaBalance).toBe(5n * SOMA)
    expect(state.modelRegistry.totalModelStake).toBe(5n * SOMA)
    expect(state.modelRegistry.stakingPoolMappings.get(active.stakingPool.id)).toBe(modelId)
    assertSupply(t)
  })

  it('test_genesis_model_bootstrap (the revealed model in place of a genesis one): owner, arch 1, commission 0, key, pool == stake, no pending or inactive models', async () => {
    const state = await systemState(t)
    const active = state.modelRegistry.models.get(modelId)!.V1.Active!
    expect(active.owner).toBe(t.users[3]!.toSomaAddress())
    expect(active.architectureVersion).toBe(1n)
    expect(active.commissionRate).toBe(0n)
    expect(fromBase58Text(String(active.decryptionKey))).toEqual(key)
    expect(active.stakingPool.somaBalance).toBe(state.modelRegistry.totalModelStake)
    expect([...state.modelRegistry.models.values()].map(modelStateName)).toEqual(['Active'])
  })
})

describe('targets (target_tests.rs)', () => {
  it('test_genesis_target_bootstrap (targets from the first boundary with an Active model): threshold > 0, reward > 0, exactly initial_targets_per_epoch open targets of this epoch', async () => {
    const { epoch, createdTargets } = await advanceEpoch(t)
    const state = await systemState(t)
    expect(createdTargets).toHaveLength(Number(state.parameters.targetInitialTargetsPerEpoch))
    for (const id of createdTargets.slice(0, 10)) {
      const { target, owner } = await targetOf(t, id)
      expect(target.status.$kind).toBe('Open')
      expect(target.generationEpoch).toBe(epoch)
      expect(target.distanceThreshold.values[0]).toBeGreaterThan(0)
      expect(target.rewardPool).toBeGreaterThan(0n)
      expect(target.modelIds).toEqual([modelId])
      expect(target.embedding.shape).toEqual([BigInt(DIM)])
      expect(owner).toMatchObject({ version: expect.any(BigInt) }) // shared
    }
    expect(state.emissionPool.balance).toBeGreaterThan(0n)
    openTargets = createdTargets
    assertSupply(t)
  })

  let filled: { id: string; submitter: Ed25519Keypair; fillEpoch: bigint } | undefined

  it('test_submit_data_fills_target: SubmitData (1024-byte manifest, zero embedding, distance = threshold − 0.1, loss [0.5], bond coin == gas coin) fills it and a replacement is created', async () => {
    const submitter = t.users[0]!
    const id = openTargets[0]!
    const { target, ref: before } = await targetOf(t, id)
    const threshold = target.distanceThreshold.values[0]!
    const gas = await gasOf(t, submitter.toSomaAddress())
    const executed = await execute(
      t,
      submitter,
      {
        SubmitData: {
          targetId: id,
          dataManifest: { manifest: manifest(1024n) },
          modelId,
          embedding: { values: new Array(DIM).fill(0), shape: [BigInt(DIM)] },
          distanceScore: { values: [threshold - 0.1], shape: [1n] },
          lossScore: { values: [0.5], shape: [1n] },
          bondCoin: gas,
        },
      },
      [gas],
    )
    expect(errorOf(executed)).toBeUndefined()
    const after = await targetOf(t, id)
    expect(after.target.status.$kind).toBe('Filled')
    expect(after.target.submitter).toBe(submitter.toSomaAddress())
    expect(after.ref.version).toBeGreaterThan(before.version)
    // shared_object_tests.rs: the Target stays Shared, and both shared inputs (Target, SystemState) are in the effects.
    expect(after.owner).toMatchObject({ version: expect.any(BigInt) })
    const changed = executed.effects!.changedObjects.map((c) => c.objectId)
    expect(changed).toContain(id)
    expect(changed).toContain(SYSTEM_STATE_OBJECT_ID)
    const replacements = executed.effects!.changedObjects.filter(isCreatedShared)
    expect(replacements).toHaveLength(1)
    const replacement = await targetOf(t, replacements[0]!.objectId!)
    expect(replacement.target.status.$kind).toBe('Open')
    openTargets = [...openTargets.slice(1), replacement.ref.objectId]
    filled = { id, submitter, fillEpoch: (await systemState(t)).epoch }
    assertSupply(t)
  })

  it('test_submit_data_validation_errors: distance > threshold, wrong embedding dim (dim − 10), a model not in the target: failed effects with the chain error', async () => {
    const submitter = t.users[1]!
    const id = openTargets[0]!
    const { target } = await targetOf(t, id)
    const threshold = target.distanceThreshold.values[0]!
    const attempt = async (over: { distance?: number; dim?: number; model?: string }) => {
      const gas = await gasOf(t, submitter.toSomaAddress())
      const dim = over.dim ?? DIM
      return errorOf(
        await execute(
          t,
          submitter,
          {
            SubmitData: {
              targetId: id,
              dataManifest: { manifest: manifest(1024n) },
              modelId: over.model ?? modelId,
              embedding: { values: new Array(dim).fill(0), shape: [BigInt(dim)] },
              distanceScore: { values: [over.distance ?? threshold - 0.1], shape: [1n] },
              lossScore: { values: [0.5], shape: [1n] },
              bondCoin: gas,
            },
          },
          [gas],
        ),
      )
    }
    expect(await attempt({ distance: threshold + 0.5 })).toBe('DistanceExceedsThreshold')
    expect(await attempt({ dim: DIM - 10 })).toBe('EmbeddingDimensionMismatch')
    expect(await attempt({ model: `0x${'ab'.repeat(32)}` })).toBe('ModelNotInTarget')
    // Nothing changed on the target.
    expect((await targetOf(t, id)).target.status.$kind).toBe('Open')
    assertSupply(t)
  })

  it('test_bond_coin_lock_released_after_protocol_upgrade (the V2+ half): a failed SubmitData to a filled target advances the bond coin, which can be reused', async () => {
    const submitter = t.users[2]!
    const gas = await gasOf(t, submitter.toSomaAddress())
    const failed = await execute(
      t,
      submitter,
      {
        SubmitData: {
          targetId: filled!.id,
          dataManifest: { manifest: manifest(1024n) },
          modelId,
          embedding: { values: new Array(DIM).fill(0), shape: [BigInt(DIM)] },
          distanceScore: { values: [0.1], shape: [1n] },
          lossScore: { values: [0.5], shape: [1n] },
          bondCoin: gas,
        },
      },
      [gas],
    )
    expect(errorOf(failed)).toBe('TargetNotOpen')
    const coin = (await coinsOf(t, submitter.toSomaAddress())).find((c) => c.objectId === gas.objectId)!
    expect(coin.version).toBeGreaterThan(gas.version)
    const reuse = await execute(t, submitter, { TransferCoin: { coin, amount: 1n, recipient: submitter.toSomaAddress() } }, [coin])
    expect(errorOf(reuse)).toBeUndefined()
  })

  it('racing submitters (shared_object_tests.rs): concurrent SubmitData on one open target, exactly 1 succeeds', async () => {
    const id = openTargets[0]!
    const { target } = await targetOf(t, id)
    const racers = [t.users[1]!, t.users[2]!, t.users[3]!]
    const signed = await Promise.all(
      racers.map(async (r) => {
        const gas = await gasOf(t, r.toSomaAddress())
        return sign(
          t,
          r,
          {
            SubmitData: {
              targetId: id,
              dataManifest: { manifest: manifest(1024n) },
              modelId,
              embedding: { values: new Array(DIM).fill(0), shape: [BigInt(DIM)] },
              distanceScore: { values: [target.distanceThreshold.values[0]! - 0.1], shape: [1n] },
              lossScore: { values: [0.5], shape: [1n] },
              bondCoin: gas,
            },
          },
          [gas],
        )
      }),
    )
    const results = await Promise.all(signed.map((s) => t.client.executeTransaction(s.proto, s.signatures)))
    const errors = results.map(errorOf)
    expect(errors.filter((e) => e === undefined)).toHaveLength(1)
    expect(errors.filter((e) => e === 'TargetNotOpen')).toHaveLength(2)
    openTargets = openTargets.slice(1)
  })

  let epochTargets: string[] = []
  it('test_epoch_boundary_issues_new_targets: one reconfiguration gives exactly initial_targets_per_epoch targets of the new epoch; the old ones are still there', async () => {
    const previous = openTargets
    const { epoch, createdTargets } = await advanceEpoch(t)
    const state = await systemState(t)
    expect(createdTargets).toHaveLength(Number(state.parameters.targetInitialTargetsPerEpoch))
    for (const id of createdTargets.slice(0, 5)) expect((await targetOf(t, id)).target.generationEpoch).toBe(epoch)
    // Expired targets are not garbage-collected (§17.12).
    for (const id of previous.slice(0, 5)) expect((await targetOf(t, id)).target.generationEpoch).toBe(epoch - 1n)
    epochTargets = createdTargets
    assertSupply(t)
  })

  it('test_claim_expired_unfilled_target: after a reconfiguration, ClaimRewards on an open target of the previous epoch succeeds and deletes it', async () => {
    const id = openTargets[0]!
    const claimer = t.users[3]!
    const executed = await execute(t, claimer, { ClaimRewards: { targetId: id } })
    expect(errorOf(executed)).toBeUndefined()
    expect(await isGone(t, id)).toBe(true)
    // An open target of the current epoch is not claimable yet.
    expect(errorOf(await execute(t, claimer, { ClaimRewards: { targetId: epochTargets[0]! } }))).toBe('TargetNotFilled')
    assertSupply(t)
  })

  it('test_claim_rewards_after_audit_window: the filled target is claimable after two reconfigurations; the claim deletes it and pays the submitter', async () => {
    const claimer = t.users[3]!
    // Still inside the audit window one epoch after the fill.
    expect(errorOf(await execute(t, claimer, { ClaimRewards: { targetId: filled!.id } }))).toBe('AuditWindowOpen')
    await advanceEpoch(t)
    const submitter = filled!.submitter.toSomaAddress()
    const before = (await coinsOf(t, submitter)).length
    const executed = await execute(t, claimer, { ClaimRewards: { targetId: filled!.id } })
    expect(errorOf(executed)).toBeUndefined()
    expect(await isGone(t, filled!.id)).toBe(true)
    // shared_object_tests.rs: reward coins are created, and the submitter receives some.
    const created = executed.effects!.changedObjects.filter((c) => c.idOperation === 2)
    expect(created.some((c) => c.outputOwner?.address === submitter)).toBe(true)
    expect((await coinsOf(t, submitter)).length).toBeGreaterThan(before)
    assertSupply(t)
  })
})

describe('shared and owned objects (shared_object_tests.rs, transaction_orchestrator_tests.rs)', () => {
  it('conflicting owned transactions spending the same coin: one wins, the other is refused', async () => {
    const user = t.users[1]!
    const gas = await gasOf(t, user.toSomaAddress())
    const a = await sign(t, user, { TransferCoin: { coin: gas, amount: SOMA, recipient: t.users[2]!.toSomaAddress() } }, [gas])
    const b = await sign(t, user, { TransferCoin: { coin: gas, amount: SOMA, recipient: t.users[3]!.toSomaAddress() } }, [gas])
    const outcomes = await Promise.allSettled([t.client.executeTransaction(a.proto, a.signatures), t.client.executeTransaction(b.proto, b.signatures)])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
    expect(refused.reason).toMatchObject({ grpcCode: 3 })
    expect(String(refused.reason.message)).toMatch(/version/)
  })

  it('replaying the same signed transaction gives identical effects', async () => {
    const user = t.users[2]!
    const gas = await gasOf(t, user.toSomaAddress())
    const s = await sign(t, user, { TransferCoin: { coin: gas, amount: 7n, recipient: t.users[0]!.toSomaAddress() } }, [gas])
    const first = await t.client.executeTransaction(s.proto, s.signatures)
    const again = await t.client.executeTransaction(s.proto, s.signatures)
    expect(again.effects).toEqual(first.effects)
    expect(again.effects!.transactionDigest).toBe(s.digest)
  })

  it('dependency tracking: the effects depend on the transaction that wrote each input', async () => {
    const user = t.users[3]!
    const first = await execute(t, user, { TransferCoin: { coin: await gasOf(t, user.toSomaAddress()), amount: 5n, recipient: user.toSomaAddress() } })
    const gas = await gasOf(t, user.toSomaAddress())
    const object = await t.client.getObject(gas.objectId)
    const second = await execute(t, user, { TransferCoin: { coin: gas, amount: 5n, recipient: user.toSomaAddress() } }, [gas])
    expect(second.effects!.dependencies).toContain(object.previousTransaction)
    expect(first.effects!.status!.success).toBe(true)
  })

  it('test_expired_locks / stale version rejected: an ObjectRef from epoch N, spent in N, is refused in N+1', async () => {
    const user = t.users[0]!
    const gas = await gasOf(t, user.toSomaAddress())
    expect(errorOf(await execute(t, user, { TransferCoin: { coin: gas, amount: 1n, recipient: user.toSomaAddress() } }, [gas]))).toBeUndefined()
    await advanceEpoch(t)
    const stale = await sign(t, user, { TransferCoin: { coin: gas, amount: 2n, recipient: user.toSomaAddress() } }, [gas])
    await expect(t.client.executeTransaction(stale.proto, stale.signatures)).rejects.toMatchObject({ grpcCode: 3 })
  })
})

describe('locks (lock_tests.rs)', () => {
  it('test_lock_persists_after_insufficient_gas: a 10-shannon dust coin as gas gets InsufficientGas and is consumed, not left locked', async () => {
    const funder = t.users[1]!
    const dustOwner = Ed25519Keypair.generate()
    const sent = await execute(t, funder, { TransferCoin: { coin: await gasOf(t, funder.toSomaAddress()), amount: 10n, recipient: dustOwner.toSomaAddress() } })
    expect(errorOf(sent)).toBeUndefined()
    const [dust] = await coinsOf(t, dustOwner.toSomaAddress())
    expect(dust!.balance).toBe(10n)
    const executed = await execute(t, dustOwner, { TransferCoin: { coin: dust!, amount: 1n, recipient: funder.toSomaAddress() } }, [dust!])
    expect(errorOf(executed)).toBe('InsufficientGas')
    expect(await isGone(t, dust!.objectId)).toBe(true)
    assertSupply(t)
  })
})

describe('supply (supply_conservation_tests.rs)', () => {
  it('test_supply_conservation_across_epoch_with_staking: 3 × AddStake of 1_000_000, then reconfigure; the staking total rises and the epoch is +1', async () => {
    const before = await systemState(t)
    const staker = t.users[2]!
    const validator = t.validators[0]!.toSomaAddress()
    for (let i = 0; i < 3; i++) {
      const coin = (await coinsOf(t, staker.toSomaAddress()))[1]!
      const executed = await execute(t, staker, { AddStake: { address: validator, coinRef: coin, amount: 1_000_000n } }, [await gasOf(t, staker.toSomaAddress(), [coin.objectId])])
      expect(errorOf(executed)).toBeUndefined()
    }
    const { epoch } = await advanceEpoch(t)
    const after = await systemState(t)
    expect(epoch).toBe(before.epoch + 1n)
    expect(after.validators.totalStake).toBeGreaterThan(before.validators.totalStake)
    assertSupply(t)
  })

  it('test_supply_conservation_multi_epoch: AddStake 500_000 each epoch for 3 epochs', async () => {
    const staker = t.users[3]!
    const validator = t.validators[1]!.toSomaAddress()
    for (let e = 0; e < 3; e++) {
      const before = await systemState(t)
      const coin = (await coinsOf(t, staker.toSomaAddress()))[1]!
      expect(errorOf(await execute(t, staker, { AddStake: { address: validator, coinRef: coin, amount: 500_000n } }, [await gasOf(t, staker.toSomaAddress(), [coin.objectId])]))).toBeUndefined()
      await advanceEpoch(t)
      const after = await systemState(t)
      expect(after.epoch).toBe(before.epoch + 1n)
      expect(after.validators.totalStake).toBeGreaterThan(before.validators.totalStake)
      assertSupply(t)
    }
  })

  it('test_emission_pool_accounting: the staking total rises after AddStake plus a reconfiguration, and the emission pool stays positive', async () => {
    const before = await systemState(t)
    const staker = t.users[0]!
    const coin = (await coinsOf(t, staker.toSomaAddress()))[1]!
    expect(errorOf(await execute(t, staker, { AddStake: { address: t.validators[2]!.toSomaAddress(), coinRef: coin, amount: 10n * SOMA } }, [await gasOf(t, staker.toSomaAddress(), [coin.objectId])]))).toBeUndefined()
    await advanceEpoch(t)
    const after = await systemState(t)
    expect(after.validators.totalStake).toBeGreaterThanOrEqual(before.validators.totalStake + 10n * SOMA)
    expect(after.emissionPool.balance).toBeGreaterThan(0n)
    assertSupply(t)
  })
})
