/**
 * protocol.md §16, validator-set and plumbing scenarios (reconfiguration_tests.rs,
 * dynamic_committee_tests.rs, multisig_tests.rs, checkpoint_tests.rs) against started local
 * networks over gRPC, with `committeeSize` validators whose account keys come from the keystore.
 */
import { Ed25519Keypair, MultiSigSigner, buildTransaction, combineMultiSig, signingDigest, userSignatureToProto, type MultiSigCommittee } from '@soma-ts/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { signProofOfPossession } from '../src/chain/index.js'
import { verifyCheckpointSignature } from '../src/index.js'
import { blsSecret } from './chain-helpers.js'
import { SOMA, advanceEpoch, assertSupply, coinsOf, errorOf, execute, gasOf, startTestNet, systemState, waitFor, type TestNet } from './e2e-helpers.js'

const str = (s: string) => new Uint8Array([s.length, ...new TextEncoder().encode(s)])

/** AddValidator (real BLS proof of possession) plus AddStake of `stake` on itself, from a funded account. */
async function join(t: TestNet, who: Ed25519Keypair, i: number, stake: bigint): Promise<Uint8Array> {
  const address = who.toSomaAddress()
  const { publicKey, proof } = signProofOfPossession(blsSecret(40 + i), address)
  const add = await execute(t, who, {
    AddValidator: {
      pubkeyBytes: publicKey,
      networkPubkeyBytes: Ed25519Keypair.generate().getPublicKey().toRawBytes(),
      workerPubkeyBytes: Ed25519Keypair.generate().getPublicKey().toRawBytes(),
      proofOfPossession: proof,
      netAddress: str(`/ip4/10.0.0.${i}/tcp/1/http`),
      p2pAddress: str(`/ip4/10.0.1.${i}/tcp/1/http`),
      primaryAddress: str(`/ip4/10.0.2.${i}/tcp/1/http`),
      proxyAddress: str(`/ip4/10.0.3.${i}/tcp/1/http`),
    },
  })
  expect(errorOf(add)).toBeUndefined()
  const coin = (await coinsOf(t, address))[1]!
  const staked = await execute(t, who, { AddStake: { address, coinRef: coin, amount: stake } }, [await gasOf(t, address, [coin.objectId])])
  expect(errorOf(staked)).toBeUndefined()
  return publicKey
}

async function remove(t: TestNet, validator: Ed25519Keypair): Promise<void> {
  const executed = await execute(t, validator, { RemoveValidator: { pubkeyBytes: new Uint8Array() } })
  expect(errorOf(executed)).toBeUndefined()
}

const members = async (t: TestNet) => (await systemState(t)).validators.validators.map((v) => v.metadata.somaAddress)

describe('reconfiguration_tests.rs: committee changes (10 validators)', () => {
  let t: TestNet
  beforeAll(async () => {
    t = await startTestNet({ committeeSize: 10, faucet: false })
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('the validator account keys are in the keystore under aliases, one per genesis validator', async () => {
    expect(t.validators).toHaveLength(10)
    expect(new Set(await members(t))).toEqual(new Set(t.validators.map((v) => v.toSomaAddress())))
  })

  it('test_reconfig_with_committee_change_basic, test_validator_candidate_pool_read, test_inactive_validator_pool_read: 10 → 11 → 10', async () => {
    const candidate = t.users[0]!
    const total = (await systemState(t)).validators.totalStake
    await join(t, candidate, 1, (total * 20n) / 10_000n) // 0.20% of the total stake
    let state = await systemState(t)
    const pending = state.validators.pendingValidators.find((v) => v.metadata.somaAddress === candidate.toSomaAddress())!
    expect(pending.stakingPool.activationEpoch).toBeNull()
    expect(pending.stakingPool.somaBalance + pending.stakingPool.pendingStake).toBeGreaterThan(0n)

    await advanceEpoch(t)
    state = await systemState(t)
    expect(state.validators.validators).toHaveLength(11)
    const active = state.validators.validators.find((v) => v.metadata.somaAddress === candidate.toSomaAddress())!
    expect(active.stakingPool.activationEpoch).toBe(state.epoch)
    expect(active.stakingPool.somaBalance).toBeGreaterThan(0n)

    await remove(t, candidate)
    await advanceEpoch(t)
    state = await systemState(t)
    expect(state.validators.validators).toHaveLength(10)
    const inactive = state.validators.inactiveValidators.get(active.stakingPool.id)!
    expect(inactive.metadata.somaAddress).toBe(candidate.toSomaAddress())
    expect(inactive.stakingPool.deactivationEpoch).toBe(state.epoch)
    assertSupply(t)
  })

  it('fuzz_dynamic_committee: random AddStake (500–1,000 SOMA) each epoch; soma_balance and pending_stake after each boundary', async () => {
    let seed = 20_251_202
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }
    for (let epoch = 0; epoch < 3; epoch++) {
      const before = await systemState(t)
      const added = new Map<string, bigint>()
      for (let k = 0; k < 4; k++) {
        const staker = t.users[rand(t.users.length)]!
        const target = before.validators.validators[rand(before.validators.validators.length)]!.metadata.somaAddress
        const amount = BigInt(500 + rand(501)) * SOMA
        const coin = (await coinsOf(t, staker.toSomaAddress()))[1]!
        const executed = await execute(t, staker, { AddStake: { address: target, coinRef: coin, amount } }, [await gasOf(t, staker.toSomaAddress(), [coin.objectId])])
        expect(errorOf(executed)).toBeUndefined()
        added.set(target, (added.get(target) ?? 0n) + amount)
      }
      const mid = await systemState(t)
      for (const [address, amount] of added) {
        const pool = mid.validators.validators.find((v) => v.metadata.somaAddress === address)!.stakingPool
        expect(pool.pendingStake).toBe(amount)
      }
      await advanceEpoch(t)
      const after = await systemState(t)
      for (const v of after.validators.validators) {
        const earlier = before.validators.validators.find((b) => b.metadata.somaAddress === v.metadata.somaAddress)!
        expect(v.stakingPool.pendingStake).toBe(0n)
        expect(v.stakingPool.somaBalance).toBeGreaterThanOrEqual(earlier.stakingPool.somaBalance + (added.get(v.metadata.somaAddress) ?? 0n))
      }
      assertSupply(t)
    }
  })
})

describe('reconfiguration_tests.rs: test_reconfig_with_committee_change_stress_normal (7 validators)', () => {
  let t: TestNet
  beforeAll(async () => {
    t = await startTestNet({ committeeSize: 7, faucet: false })
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('2 joins and 2 removals per epoch keep the committee at 7', async () => {
    const rounds = [
      { joins: [t.users[0]!, t.users[1]!], leaves: [t.validators[6]!, t.validators[5]!] },
      { joins: [t.users[2]!, t.users[3]!], leaves: [t.validators[4]!, t.validators[3]!] },
    ]
    let i = 0
    for (const { joins, leaves } of rounds) {
      const total = (await systemState(t)).validators.totalStake
      for (const j of joins) await join(t, j, ++i, (total * 20n) / 10_000n)
      for (const l of leaves) await remove(t, l)
      await advanceEpoch(t)
      const now = await members(t)
      expect(now).toHaveLength(7)
      for (const j of joins) expect(now).toContain(j.toSomaAddress())
      for (const l of leaves) expect(now).not.toContain(l.toSomaAddress())
      assertSupply(t)
    }
  })
})

describe('passive reconfiguration, checkpoints and multisig (1 validator, injected clock)', () => {
  let t: TestNet
  beforeAll(async () => {
    t = await startTestNet({ committeeSize: 1, epochDurationMs: 1_000, fakeClock: true })
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('test_passive_reconfig_normal: 1 s epochs advance on the clock alone, to epoch 4', async () => {
    for (let epoch = 1n; epoch <= 4n; epoch++) {
      t.clock += 1_000
      await waitFor(`epoch ${epoch}`, async () => ((await t.client.getEpoch()).epoch! >= epoch ? true : undefined))
    }
    expect((await systemState(t)).epoch).toBe(4n)
    assertSupply(t)
  })

  it('basic_reconfig_end_to_end_test and checkpoint_tests.rs: AdvanceEpoch gives epoch + 1; checkpoints carry the committee signature and non-decreasing timestamps', async () => {
    const before = (await t.client.getEpoch()).epoch!
    const { epoch } = await advanceEpoch(t)
    expect(epoch).toBe(before + 1n)
    expect((await t.client.getEpoch()).epoch).toBe(epoch)
    const latest = t.net.node.latestCheckpoint().sequence
    let previous = 0n
    for (let s = 0n; s <= latest; s++) {
      const cp = await t.client.getCheckpoint({ sequenceNumber: s })
      const ms = BigInt(cp.summary!.timestamp!.seconds) * 1000n + BigInt(Math.floor(cp.summary!.timestamp!.nanos / 1e6))
      expect(ms).toBeGreaterThanOrEqual(previous)
      previous = ms
      const stored = t.net.node.database.getCheckpoint(s)!
      expect(verifyCheckpointSignature(stored.summary, stored.epoch, stored, t.net.node.committee.map((m) => m.blsPublicKey))).toBe(true)
    }
  })

  it('multisig_tests.rs: a 2-of-3 Ed25519 multisig succeeds; below the threshold, no signatures and a wrong sender fail', async () => {
    const keys = [0, 1, 2].map(() => Ed25519Keypair.generate())
    const committee: MultiSigCommittee = { members: keys.map((k) => ({ publicKey: k.getPublicKey(), weight: 1 })), threshold: 2 }
    const multisig = new MultiSigSigner(committee, [keys[0]!, keys[2]!])
    const address = multisig.toSomaAddress()
    const funder = t.users[0]!
    expect(errorOf(await execute(t, funder, { TransferCoin: { coin: await gasOf(t, funder.toSomaAddress()), amount: 10n * SOMA, recipient: address } }))).toBeUndefined()
    const coin = await gasOf(t, address)
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin, amount: SOMA, recipient: funder.toSomaAddress() } }, sender: address, gasPayment: [coin] } })

    // Below the threshold: one member's signature in the multisig envelope.
    const one = combineMultiSig(committee, [{ publicKey: keys[1]!.getPublicKey(), signature: await keys[1]!.sign(signingDigest(tx.bcs)) }])
    await expect(t.client.executeTransaction(tx.proto, [userSignatureToProto(one)])).rejects.toMatchObject({ grpcCode: 3 })
    // No signatures at all.
    await expect(t.client.executeTransaction(tx.proto, [])).rejects.toMatchObject({ grpcCode: 3 })
    // A member's plain signature is from another address than the sender.
    const { signature: plain } = await keys[0]!.signTransaction(tx.bcs)
    await expect(t.client.executeTransaction(tx.proto, [userSignatureToProto(plain)])).rejects.toMatchObject({ grpcCode: 3 })

    const { signature } = await multisig.signTransaction(tx.bcs)
    const executed = await t.client.executeTransaction(tx.proto, [userSignatureToProto(signature)])
    expect(errorOf(executed)).toBeUndefined()
    expect(await t.client.getBalance(address)).toBeLessThan(9n * SOMA)
  })
})
