import { blake2b256Js, deriveObjectId } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import { assertSupplyConserved, deterministicObjectId, embeddingCommitmentOf, modelStateName, supplyBreakdown } from '../src/chain/index.js'
import { USERS, VALIDATOR_KEYS, balanceOf, coinsOf, decodeEffects, genesisModel, manifestOf, newChain, ownedObjects, refOf, sign, targets } from './chain-helpers.js'

const SOMA = 1_000_000_000n
const alice = USERS[0]!
const bob = USERS[1]!
const carol = USERS[2]!
const T0 = 1_000_000n
const EPOCH = 60_000n

function gasOf(chain: ReturnType<typeof newChain>, key: (typeof USERS)[number], index = 0) {
  return refOf(coinsOf(chain, key.toSomaAddress())[index]!)
}

describe('genesis models and targets', () => {
  it('test_genesis_model_bootstrap: one Active model, pool = initial stake = total_model_stake', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const state = chain.systemState()
    const modelId = deterministicObjectId(1n) // after the validator pool
    const model = state.modelRegistry.models.get(modelId)!
    expect(modelStateName(model)).toBe('Active')
    const active = model.V1.Active!
    expect(active.owner).toBe(alice.toSomaAddress())
    expect(active.architectureVersion).toBe(1n)
    expect(active.commissionRate).toBe(0n)
    expect(active.stakingPool.somaBalance).toBe(5n * SOMA)
    expect(state.modelRegistry.totalModelStake).toBe(5n * SOMA)
    expect(state.modelRegistry.stakingPoolMappings.get(active.stakingPool.id)).toBe(modelId)
    expect(active.embedding.values).toHaveLength(2048)
    assertSupplyConserved(chain.store)
  })

  it('test_genesis_target_bootstrap: 100 open epoch-0 targets, reward 5.48 SOMA each', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const state = chain.systemState()
    expect(state.targetState.rewardPerTarget).toBe(5_480_000_000n)
    expect(state.targetState.distanceThreshold.values[0]).toBeCloseTo(1.05, 6)
    const all = targets(chain)
    expect(all).toHaveLength(100)
    for (const { object, target } of all) {
      expect(target.status.$kind).toBe('Open')
      expect(target.generationEpoch).toBe(0n)
      expect(target.rewardPool).toBe(5_480_000_000n)
      expect(target.embedding.values).toHaveLength(2048)
      expect(object.owner).toEqual({ kind: 'Shared', initialSharedVersion: 1n })
    }
    assertSupplyConserved(chain.store)
  })

  it('test_genesis_target_bootstrap_3_models: each target gets the 3 models, the emission pool stays > 0', () => {
    const owners = [alice, bob, carol].map((k) => k.toSomaAddress())
    const chain = newChain(1, EPOCH, owners.map((o) => genesisModel(o)))
    const all = targets(chain)
    expect(all).toHaveLength(100)
    for (const { target } of all) expect(new Set(target.modelIds).size).toBe(3)
    expect(chain.systemState().emissionPool.balance).toBeGreaterThan(0n)
  })
})

function submit(chain: ReturnType<typeof newChain>, key = bob, overrides: Record<string, unknown> = {}) {
  const { object, target } = targets(chain).find((t) => t.target.status.$kind === 'Open' && t.target.generationEpoch === chain.systemState().epoch)!
  const threshold = target.distanceThreshold.values[0]!
  const gas = gasOf(chain, key)
  const args = {
    targetId: object.id,
    dataManifest: { manifest: manifestOf(1024n) },
    modelId: target.modelIds[0]!,
    embedding: { values: new Array(target.embedding.values.length).fill(0), shape: [BigInt(target.embedding.values.length)] },
    distanceScore: { values: [threshold - 0.1], shape: [1n] },
    lossScore: { values: [0.5], shape: [1n] },
    bondCoin: gas,
    ...overrides,
  }
  return { result: chain.execute(sign(key, { SubmitData: args }, [gas])), targetId: object.id, target }
}

describe('submissions', () => {
  it('test_submit_data_fills_target: the target is Filled, a replacement is issued, bond 66_560 from the gas coin', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const before = targets(chain).length
    const { result, targetId } = submit(chain)
    expect(result.errorName).toBeUndefined()
    const filled = targets(chain).find((t) => t.object.id === targetId)!.target
    expect(filled.status).toEqual({ $kind: 'Filled', Filled: { fillEpoch: 0n } })
    expect(filled.bondAmount).toBe(66_560n)
    expect(filled.submitter).toBe(bob.toSomaAddress())
    expect(filled.winningModelOwner).toBe(alice.toSomaAddress())
    expect(targets(chain)).toHaveLength(before + 1)
    const spawned = chain.store.getObject(deriveObjectId(result.transactionDigest, 2))!
    expect(spawned.type).toBe('Target')
    // Target + SystemState + gas (also the bond coin) + replacement = 4 writes.
    expect(decodeEffects(result.effects).transactionFee).toEqual({ baseFee: 1000n, operationFee: 1200n, valueFee: 0n, totalFee: 2200n })
    expect(chain.systemState().targetState.hitsThisEpoch).toBe(1n)
    assertSupplyConserved(chain.store, chain.epochFees)
  })

  it('test_submit_data_validation_errors: distance above threshold, wrong dimension, model not in target; racing submitters', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const t = targets(chain)[0]!.target
    const dim = t.embedding.values.length
    expect(submit(chain, bob, { distanceScore: { values: [t.distanceThreshold.values[0]! + 0.5], shape: [1n] } }).result.errorName).toBe('DistanceExceedsThreshold')
    expect(submit(chain, bob, { embedding: { values: new Array(dim - 10).fill(0), shape: [BigInt(dim - 10)] } }).result.errorName).toBe('EmbeddingDimensionMismatch')
    expect(submit(chain, bob, { modelId: bob.toSomaAddress() }).result.errorName).toBe('ModelNotInTarget')
    expect(submit(chain, bob, { distanceScore: { values: [0.1, 0.1], shape: [2n] } }).result.errorName).toBe('InvalidArguments')
    expect(submit(chain, bob, { dataManifest: { manifest: manifestOf(2_000_000n) } }).result.errorName).toBe('DataExceedsMaxSize')
    const first = submit(chain, bob)
    expect(first.result.errorName).toBeUndefined()
    const gas = gasOf(chain, carol)
    const again = chain.execute(
      sign(carol, {
        SubmitData: {
          targetId: first.targetId,
          dataManifest: { manifest: manifestOf(10n) },
          modelId: first.target.modelIds[0]!,
          embedding: { values: new Array(dim).fill(0), shape: [BigInt(dim)] },
          distanceScore: { values: [0], shape: [1n] },
          lossScore: { values: [0], shape: [1n] },
          bondCoin: gas,
        },
      }, [gas]),
    )
    expect(again.errorName).toBe('TargetNotOpen')
    assertSupplyConserved(chain.store, chain.epochFees)
  })

  it('test_claim_rewards_after_audit_window: AuditWindowOpen until fill+2, then 49.75/49.75/0.5 and the bond back', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const { targetId } = submit(chain)
    const claim = () => chain.execute(sign(carol, { ClaimRewards: { targetId } }, [gasOf(chain, carol)]))
    expect(claim().errorName).toBe('AuditWindowOpen')
    chain.advanceEpoch(T0 + EPOCH)
    expect(claim().errorName).toBe('AuditWindowOpen')
    chain.advanceEpoch(T0 + 2n * EPOCH)
    const r = claim()
    expect(r.errorName).toBeUndefined()
    expect(chain.store.getObject(targetId)).toBeUndefined()
    const made = (n: number) => balanceOf(chain.store.getObject(deriveObjectId(r.transactionDigest, n))!)
    // protocol.md §9 example: 5_480_000_000 → 2_726_300_000 / 2_726_300_000 / 27_400_000, bond separately.
    expect([made(0), made(1), made(2), made(3)]).toEqual([2_726_300_000n, 2_726_300_000n, 27_400_000n, 66_560n])
    expect(decodeEffects(r.effects).transactionFee.valueFee).toBe((5_480_000_000n * (chain.systemState().parameters.valueFeeBps / 2n)) / 10_000n)
    expect(claim).toThrow(expect.objectContaining({ code: 'ObjectNotFound' }))
    chain.advanceEpoch(T0 + 3n * EPOCH)
  })

  it('a fraud claim (report quorum) pays the bond to the reporters and mints nothing (§17.2 fixed)', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const validator = VALIDATOR_KEYS[0]!
    const { targetId } = submit(chain)
    const report = () => chain.execute(sign(validator, { ReportSubmission: { targetId } }, [refOf(coinsOf(chain, validator.toSomaAddress())[0]!)]))
    expect(report().errorName).toBe('AuditWindowClosed')
    chain.advanceEpoch(T0 + EPOCH)
    const r = report()
    expect(r.errorName).toBeUndefined()
    // Only the Target and the gas are charged; the SystemState is written for free.
    expect(decodeEffects(r.effects).transactionFee.operationFee).toBe(600n)
    expect(decodeEffects(r.effects).changedObjects).toHaveLength(3)
    expect(chain.execute(sign(bob, { ReportSubmission: { targetId } }, [gasOf(chain, bob)])).errorName).toBe('NotAValidator')
    chain.advanceEpoch(T0 + 2n * EPOCH)
    const poolBefore = chain.systemState().emissionPool.balance
    const claim = chain.execute(sign(carol, { ClaimRewards: { targetId } }, [gasOf(chain, carol)]))
    expect(claim.errorName).toBeUndefined()
    expect(balanceOf(chain.store.getObject(deriveObjectId(claim.transactionDigest, 0))!)).toBe(66_560n) // bond to the reporter
    expect(balanceOf(chain.store.getObject(deriveObjectId(claim.transactionDigest, 1))!)).toBe(27_400_000n) // claimer
    expect(chain.systemState().emissionPool.balance).toBe(poolBefore + 5_480_000_000n - 27_400_000n)
    assertSupplyConserved(chain.store, chain.epochFees)
  })

  it('test_epoch_boundary_issues_new_targets and test_claim_expired_unfilled_target', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const open0 = targets(chain).find((t) => t.target.status.$kind === 'Open')!.object.id
    expect(chain.execute(sign(carol, { ClaimRewards: { targetId: open0 } }, [gasOf(chain, carol)])).errorName).toBe('TargetNotFilled')
    chain.advanceEpoch(T0 + EPOCH)
    const all = targets(chain)
    expect(all.filter((t) => t.target.generationEpoch === 1n)).toHaveLength(100)
    expect(all.filter((t) => t.target.generationEpoch === 0n)).toHaveLength(100)
    expect(chain.systemState().targetState.rewardPerTarget).toBe(12_685_185n)
    expect(all.find((t) => t.target.generationEpoch === 1n)!.target.rewardPool).toBe(12_685_185n)
    const r = chain.execute(sign(carol, { ClaimRewards: { targetId: open0 } }, [gasOf(chain, carol)]))
    expect(r.errorName).toBeUndefined()
    expect(chain.store.getObject(open0)).toBeUndefined()
    expect(balanceOf(chain.store.getObject(deriveObjectId(r.transactionDigest, 0))!)).toBe(27_400_000n)
    chain.advanceEpoch(T0 + 2n * EPOCH)
  })
})

describe('model lifecycle', () => {
  const key = new Uint8Array(32).fill(0x42)
  const embedding = { values: Array.from({ length: 10 }, (_, i) => i / 10), shape: [10n] }
  const commitArgs = (modelId: string) => ({
    modelId,
    manifest: manifestOf(1000n, 'https://example.com/m.bin'),
    weightsCommitment: new Uint8Array(32).fill(1),
    embeddingCommitment: embeddingCommitmentOf(embedding),
    decryptionKeyCommitment: blake2b256Js(key),
  })

  it('test_model_commit_reveal_round_trip: Created → Pending → (epoch) → Active with a 5 SOMA pool', () => {
    const chain = newChain()
    const gas = gasOf(chain, alice)
    const created = chain.execute(sign(alice, { CreateModel: { stakeAmount: 5n * SOMA, commissionRate: 0n, architectureVersion: 1n } }, [gas]))
    expect(created.errorName).toBeUndefined()
    expect(decodeEffects(created.effects).transactionFee).toEqual({ baseFee: 1000n, operationFee: 900n, valueFee: 2_500_000n, totalFee: 2_501_900n })
    const modelId = deriveObjectId(created.transactionDigest, 0)
    expect(modelStateName(chain.systemState().modelRegistry.models.get(modelId)!)).toBe('Created')
    const staked = chain.store.getObject(deriveObjectId(created.transactionDigest, 2))!
    expect(staked.type).toBe('StakedSoma')
    expect(chain.execute(sign(bob, { CommitModel: commitArgs(modelId) }, [gasOf(chain, bob)])).errorName).toBe('NotModelOwner')
    const commit = chain.execute(sign(alice, { CommitModel: commitArgs(modelId) }, [gasOf(chain, alice)]))
    expect(commit.errorName).toBeUndefined()
    expect(decodeEffects(commit.effects).transactionFee.operationFee).toBe(600n)
    const pending = chain.systemState().modelRegistry.models.get(modelId)!
    expect(pending.V1.Pending!.commitEpoch).toBe(0n)
    const reveal = (k = key) => chain.execute(sign(alice, { RevealModel: { modelId, decryptionKey: k, embedding } }, [gasOf(chain, alice)]))
    expect(reveal().errorName).toBe('ModelRevealEpochMismatch')
    chain.advanceEpoch(T0 + EPOCH)
    expect(modelStateName(chain.systemState().modelRegistry.models.get(modelId)!)).toBe('Pending')
    expect(reveal(new Uint8Array(32)).errorName).toBe('ModelDecryptionKeyCommitmentMismatch')
    expect(reveal().errorName).toBeUndefined()
    const state = chain.systemState()
    const active = state.modelRegistry.models.get(modelId)!.V1.Active!
    expect(active.stakingPool.somaBalance).toBe(5n * SOMA)
    expect(state.modelRegistry.totalModelStake).toBe(5n * SOMA)
    expect(state.modelRegistry.stakingPoolMappings.get(active.stakingPool.id)).toBe(modelId)
    // A 10-dim model is not used for 2048-dim targets (the reference would panic, §17.6), so no targets.
    chain.advanceEpoch(T0 + 2n * EPOCH)
    expect(targets(chain)).toHaveLength(0)
  })

  it('CreateModel errors in order; stake, commission, deactivate, reports and their errors', () => {
    const chain = newChain()
    const create = (args: { stakeAmount: bigint; commissionRate: bigint; architectureVersion: bigint }) =>
      chain.execute(sign(alice, { CreateModel: args }, [gasOf(chain, alice)]))
    expect(create({ stakeAmount: SOMA, commissionRate: 0n, architectureVersion: 2n }).errorName).toBe('ModelArchitectureVersionMismatch')
    expect(create({ stakeAmount: SOMA - 1n, commissionRate: 0n, architectureVersion: 1n }).errorName).toBe('ModelMinStakeNotMet')
    expect(create({ stakeAmount: SOMA, commissionRate: 10_001n, architectureVersion: 1n }).errorName).toBe('ModelCommissionRateTooHigh')
    expect(create({ stakeAmount: 400_000n * SOMA, commissionRate: 0n, architectureVersion: 1n }).errorName).toBe('InsufficientCoinBalance')
    const ok = create({ stakeAmount: 2n * SOMA, commissionRate: 100n, architectureVersion: 1n })
    const modelId = deriveObjectId(ok.transactionDigest, 0)
    // AddStakeToModel on a Created (preactive) model is processed at once.
    const add = chain.execute(sign(bob, { AddStakeToModel: { modelId, coinRef: gasOf(chain, bob), amount: 3n * SOMA } }, [gasOf(chain, bob)]))
    expect(add.errorName).toBeUndefined()
    expect(chain.systemState().modelRegistry.models.get(modelId)!.V1.Created!.stakingPool.somaBalance).toBe(5n * SOMA)
    expect(chain.execute(sign(bob, { AddStakeToModel: { modelId: bob.toSomaAddress(), coinRef: gasOf(chain, bob, 1), amount: SOMA } }, [gasOf(chain, bob)])).errorName).toBe('ModelNotFound')
    expect(chain.execute(sign(alice, { SetModelCommissionRate: { modelId, newRate: 5n } }, [gasOf(chain, alice)])).errorName).toBe('ModelNotActive')
    expect(chain.execute(sign(alice, { DeactivateModel: { modelId } }, [gasOf(chain, alice)])).errorName).toBe('ModelNotActive')
    const validator = VALIDATOR_KEYS[0]!
    expect(chain.execute(sign(bob, { ReportModel: { modelId } }, [gasOf(chain, bob)])).errorName).toBe('NotAValidator')
    expect(chain.execute(sign(validator, { ReportModel: { modelId } }, [refOf(coinsOf(chain, validator.toSomaAddress())[0]!)])).errorName).toBe('ModelNotActive')
    assertSupplyConserved(chain.store, chain.epochFees)
  })

  it('AddStakeToModel(None) from the gas coin keeps the fee on it and mints nothing (§17.13 fixed)', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress())])
    const modelId = deterministicObjectId(1n)
    const gas = gasOf(chain, bob)
    const r = chain.execute(sign(bob, { AddStakeToModel: { modelId, coinRef: gas, amount: null } }, [gas]))
    expect(r.errorName).toBeUndefined()
    const fee = decodeEffects(r.effects).transactionFee
    // StakedSoma + SystemState + gas = 3 writes; the value fee is half of 10 bps of the whole coin.
    expect(fee).toEqual({ baseFee: 1000n, operationFee: 900n, valueFee: 150n * SOMA, totalFee: 150n * SOMA + 1900n })
    const staked = chain.store.getObject(deriveObjectId(r.transactionDigest, 0))!
    expect(staked.type).toBe('StakedSoma')
    // What the coin held minus the fees is staked; the coin kept exactly the fee and is gone after paying it.
    expect(chain.systemState().modelRegistry.models.get(modelId)!.V1.Active!.stakingPool.pendingStake).toBe(300_000n * SOMA - fee.totalFee)
    expect(chain.store.getObject(gas.objectId as string)).toBeUndefined()
    assertSupplyConserved(chain.store, chain.epochFees)
  })

  it('a model reported by a quorum is slashed 95% at the boundary; the slash returns to the emission pool (§17.3 fixed)', () => {
    const chain = newChain(1, EPOCH, [genesisModel(alice.toSomaAddress(), 10n * SOMA)])
    const modelId = deterministicObjectId(1n)
    const validator = VALIDATOR_KEYS[0]!
    const vgas = () => refOf(coinsOf(chain, validator.toSomaAddress())[0]!)
    expect(chain.execute(sign(validator, { UndoReportModel: { modelId } }, [vgas()])).errorName).toBe('ReportRecordNotFound')
    expect(chain.execute(sign(validator, { ReportModel: { modelId } }, [vgas()])).errorName).toBeUndefined()
    chain.advanceEpoch(T0 + EPOCH)
    const model = chain.systemState().modelRegistry.models.get(modelId)!
    expect(modelStateName(model)).toBe('Inactive')
    expect(model.V1.Inactive!.stakingPool.somaBalance).toBe(SOMA / 2n)
    expect(model.V1.Inactive!.stakingPool.deactivationEpoch).toBe(1n)
    // The owner withdraws what is left; the pool never pays more than it holds.
    const staked = ownedObjects(chain, alice.toSomaAddress(), 'StakedSoma')[0]!
    const w = chain.execute(sign(alice, { WithdrawStake: { stakedSoma: refOf(staked) } }, [gasOf(chain, alice)]))
    expect(w.errorName).toBeUndefined()
    expect(balanceOf(chain.store.getObject(deriveObjectId(w.transactionDigest, 0))!)).toBe(SOMA / 2n)
    chain.advanceEpoch(T0 + 2n * EPOCH)
    expect(supplyBreakdown(chain.store).total).toBe(10n ** 16n)
  })

  it('a Created model not committed in time is slashed 50% at the boundary into create+2', () => {
    const chain = newChain()
    const r = chain.execute(sign(alice, { CreateModel: { stakeAmount: 4n * SOMA, commissionRate: 0n, architectureVersion: 1n } }, [gasOf(chain, alice)]))
    const modelId = deriveObjectId(r.transactionDigest, 0)
    chain.advanceEpoch(T0 + EPOCH)
    expect(chain.systemState().modelRegistry.models.get(modelId)!.V1.Created!.stakingPool.somaBalance).toBe(4n * SOMA)
    chain.advanceEpoch(T0 + 2n * EPOCH)
    const created = chain.systemState().modelRegistry.models.get(modelId)!.V1.Created!
    expect(created.stakingPool.somaBalance).toBe(2n * SOMA)
    expect(created.stakingPool.deactivationEpoch).toBe(2n)
    const add = chain.execute(sign(bob, { AddStakeToModel: { modelId, coinRef: gasOf(chain, bob, 1), amount: SOMA } }, [gasOf(chain, bob)]))
    expect(add.errorName).toBe('ModelAlreadyInactive')
  })
})

