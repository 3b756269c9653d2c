// Acceptance (issue 9): the reference Python `soma-sdk` (PyPI, a compiled build of the real Rust
// client, in the throwaway venv the SDK's test helper makes) drives a started local network through
// faucet, balance, transfer, pay, merge, stake/unstake, create/commit/reveal a model across an
// epoch, list targets and advance epoch. Every call must succeed, and what it reads back must be
// what the chain holds: balances to the shannon, the model active with its embedding, targets with
// their fields, epoch numbers. Skipped, with the reason printed, only when Python or PyPI is unreachable.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { normalizeAddress } from '@soma-ts/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { coinBalance, decodeSystemStateContents, digestOf, stakedSomaOf, targetOf } from '../src/chain/index.js'
import { startLocalnet, type RunningLocalnet } from '../src/index.js'
import { runLocalnetDriver, somaSdkPython } from './python-helpers.js'

if ('skip' in somaSdkPython) console.warn(`skipping the soma-sdk journey acceptance test: ${somaSdkPython.skip}`)

const SOMA = 1_000_000_000n
const DIM = 16
const EMBEDDING = Array.from({ length: DIM }, (_, i) => (i + 1) / DIM)

interface Effects {
  status: unknown
  digest: string
  fee: number
  epoch: number
}
interface PyTarget {
  id: string
  status: string
  embedding: number[]
  model_ids: string[]
  distance_threshold: number
  reward_pool: number
  generation_epoch: number
  bond_amount: number
  submitter: string | null
  winning_model_id: string | null
  data_url: string | null
}
interface Journey {
  steps: string[]
  addresses: Record<'alice' | 'bob' | 'carol' | 'dave', string>
  chain: string
  server_version: string
  api_version_checked: boolean
  protocol_version: number
  architecture_version: number
  embedding_dim: number
  model_min_stake: number
  faucet: { status: string; coins: { amount: number; id: string }[] }[]
  balance_funded: number
  transfer: Effects
  balance_after_transfer: Record<'alice' | 'bob', number>
  pay: Effects
  balance_after_pay: Record<'alice' | 'bob' | 'carol', number>
  coins_before_merge: { id: string; version: number }[]
  merge: Effects
  coins_after_merge: { id: string; version: number }[]
  balance_after_merge: number
  coin_object: { id: string; version: number; digest: string; owner: unknown; type: unknown }
  transfer_lookup: Effects
  validator: string
  stake: Effects
  staked: { id: string; version: number }[]
  balance_after_stake: number
  unstake: Effects
  staked_after_unstake: number
  balance_after_unstake: number
  weights: { encrypted: string; key: string; checksum: string }
  balance_owner_funded: number
  model_id: string
  commit: Effects
  manifests_committed: { url: string; checksum: string; size: number; decryption_key: string | null }[]
  epoch_after_commit: number
  reveal: Effects
  epoch_after_reveal: number
  active_models: {
    balance_owner_funded: number
  model_id: string
    owner: string
    embedding: number[]
    stake: number
    commission_rate: number
    next_epoch_commission_rate: number
    has_pending_update: boolean
  }[]
  upload: number
  fetched_model: string
  checkpoint: { sequence_number: number; epoch: number; fees: unknown }
  manifests: { url: string; checksum: string; size: number; decryption_key: string | null }[]
  list_targets: { targets: PyTarget[]; next_page_token: string | null }
  get_targets: PyTarget[]
  system_state: {
    epoch: number
    protocol_version: number
    epoch_start_timestamp_ms: number
    target_embedding_dim: number
    model_ids: string[]
    total_model_stake: number
    validators: string[]
    emission_pool: { balance: number; emission_per_epoch: number }
    safe_mode: boolean
  }
  epoch_info: { epoch: number; first_checkpoint_id: number; epoch_start_timestamp_ms: number; end_of_epoch_info: unknown }
  next_epoch_timestamp: number
  epoch_advanced: number
  epoch_info_after: { epoch: number }
  balances_final: Record<'alice' | 'bob' | 'carol' | 'dave', number>
}

let net: RunningLocalnet
let dir: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soma-pyj-'))
  net = await startLocalnet({
    configDir: dir,
    rpcPort: 0,
    rpcHost: '127.0.0.1',
    adminPort: 0,
    faucet: { host: '127.0.0.1', port: 0 },
    scoring: false,
    smallModel: true,
  })
}, 60_000)
afterAll(async () => {
  await net?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** soma-sdk's `get_balance`: shannons / 1e9 as an f64, which JS computes identically. */
const soma = (shannons: bigint) => Number(shannons) / 1e9
/** An f64 SOMA value back to shannons (exact for these magnitudes). */
const shannons = (value: number) => BigInt(Math.round(value * 1e9))
const fee = (e: Effects) => BigInt(e.fee)

function chainBalance(address: string): bigint {
  return net.node.database.ownedObjects(normalizeAddress(address), '', 1000).reduce((sum, o) => sum + (coinBalance(o) ?? 0n), 0n)
}

describe.skipIf('skip' in somaSdkPython)('the reference soma-sdk (Python) drives the local network', () => {
  it('faucet, balance, transfer, pay, merge, stake/unstake, create/commit/reveal across an epoch, targets, advance epoch', async () => {
    const out = await runLocalnetDriver<Journey>(
      'journey.py',
      {
        rpc: net.urls.rpc,
        faucet: net.urls.faucet,
        admin: net.urls.admin,
        faucet_requests: 4,
        transfer: 0.5,
        pay: [0.25, 0.125],
        stake: 1.0,
        commission_rate: 100,
        weights: 'ab'.repeat(64),
        weights_url: `${net.urls.blobStore}/blobs/models/journey.enc`,
        embedding: EMBEDDING,
      },
      240_000,
    )
    const { alice, bob, carol, dave } = out.addresses

    // Chain facts, read through the system state (GetEpoch system_state) and protocol config.
    expect(out.chain).toBe('localnet')
    // The reference's `<bin>/<version>` shape; check_api_version (soma-sdk 0.1.15, built at 0.1.19) accepts it.
    expect(out.server_version).toBe('soma-ts-localnet/0.1.19')
    expect(out.api_version_checked).toBe(true)
    expect(out.protocol_version).toBe(5)
    expect(out.architecture_version).toBe(1)
    expect(out.embedding_dim).toBe(DIM)
    expect(out.model_min_stake).toBe(Number(SOMA))

    // Faucet: four PayCoins of 2 SOMA each.
    expect(out.faucet).toHaveLength(4)
    for (const r of out.faucet) expect(r).toMatchObject({ status: 'Success', coins: [{ amount: 2 * Number(SOMA) }] })
    const funded = 8n * SOMA
    expect(out.balance_funded).toBe(soma(funded))

    // Every transaction succeeded, in the epoch it was sent.
    for (const name of ['transfer', 'pay', 'merge', 'stake', 'unstake', 'commit', 'reveal'] as const) {
      expect(out[name].status, name).toBe('Success')
      expect(net.node.getTransaction(out[name].digest), name).toBeDefined()
    }
    expect([out.transfer, out.pay, out.merge, out.stake, out.unstake, out.commit].map((e) => e.epoch)).toEqual([0, 0, 0, 0, 0, 0])
    expect(out.reveal.epoch).toBe(1)

    // Balances to the shannon, each step: what moved, less the fee the effects report.
    const afterTransfer = funded - SOMA / 2n - fee(out.transfer)
    expect(out.balance_after_transfer).toEqual({ alice: soma(afterTransfer), bob: soma(SOMA / 2n) })
    const afterPay = afterTransfer - SOMA / 4n - SOMA / 8n - fee(out.pay)
    expect(out.balance_after_pay).toEqual({ alice: soma(afterPay), bob: soma((3n * SOMA) / 4n), carol: soma(SOMA / 8n) })
    // merge_coins: the smallest coin moves to its owner, paid for by all the others smashed into one.
    expect(out.coins_before_merge).toHaveLength(4)
    expect(out.coins_after_merge).toHaveLength(2)
    const afterMerge = afterPay - fee(out.merge)
    expect(out.balance_after_merge).toBe(soma(afterMerge))
    // get_object and get_transaction read back what the chain holds.
    const coin = net.node.database.getObjectAtVersion(out.coin_object.id, BigInt(out.coin_object.version))!
    expect(out.coin_object).toEqual({ id: coin.id, version: Number(coin.version), digest: digestOf(coin), owner: { AddressOwner: alice }, type: 'Coin' })
    expect(out.transfer_lookup).toEqual(out.transfer)
    // Stake 1 SOMA with the genesis validator, then withdraw it in the same epoch: the principal returns.
    const validators = net.node.systemState().validators.validators.map((v) => v.metadata.somaAddress)
    expect(normalizeAddress(out.validator)).toBe(validators[0])
    expect(out.staked).toHaveLength(1)
    const staked = net.node.database.getObjectAtVersion(out.staked[0]!.id, BigInt(out.staked[0]!.version))
    expect(staked?.owner).toEqual({ kind: 'Address', address: normalizeAddress(alice) })
    expect(stakedSomaOf(staked!)?.principal).toBe(SOMA)
    const afterStake = afterMerge - SOMA - fee(out.stake)
    expect(out.balance_after_stake).toBe(soma(afterStake))
    expect(out.staked_after_unstake).toBe(0)
    const afterUnstake = afterStake + SOMA - fee(out.unstake)
    expect(out.balance_after_unstake).toBe(soma(afterUnstake))

    // The model: committed (manifest, no key yet), revealed next epoch, active after the next one.
    expect(out.epoch_after_commit).toBe(1)
    expect(out.epoch_after_reveal).toBe(2)
    const manifest = { url: `${net.urls.blobStore}/blobs/models/journey.enc`, checksum: out.weights.checksum, size: 64 }
    expect(out.manifests_committed).toEqual([{ ...manifest, decryption_key: null }])
    expect(out.manifests).toEqual([{ ...manifest, decryption_key: out.weights.key }])
    // fetch_model downloads the encrypted weights from the manifest URL (the local blob store).
    expect(out.upload).toBe(201)
    expect(out.fetched_model).toBe(out.weights.encrypted)
    const registry = net.node.systemState().modelRegistry
    const model = registry.models.get(out.model_id)?.V1
    expect(model?.Active).toBeDefined()
    expect(model!.Active!.embedding.values).toEqual(EMBEDDING)
    expect(model!.Active!.owner).toBe(normalizeAddress(dave))
    expect(out.active_models).toEqual([
      {
        model_id: out.model_id,
        owner: dave,
        embedding: EMBEDDING,
        stake: soma(model!.Active!.stakingPool.somaBalance),
        commission_rate: 100,
        next_epoch_commission_rate: 100,
        commit_epoch: 0,
        has_pending_update: false,
      },
    ])

    // Targets generated at epoch 2 with the one active model, each as the chain holds it.
    const targets = out.list_targets.targets
    expect(targets.length).toBeGreaterThan(0)
    expect(out.list_targets.next_page_token).toBeNull()
    for (const py of targets) {
      const id = normalizeAddress(py.id)
      const target = targetOf(net.node.getObject(id)!)
      expect(py).toEqual({
        id: py.id,
        status: 'open',
        embedding: target.embedding.values,
        model_ids: [out.model_id],
        distance_threshold: target.distanceThreshold.values[0],
        reward_pool: Number(target.rewardPool),
        generation_epoch: 2,
        bond_amount: Number(target.bondAmount),
        submitter: null,
        winning_model_id: null,
        data_url: null,
      })
      expect(target.embedding.values).toHaveLength(DIM)
      expect(target.modelIds).toEqual([out.model_id])
    }
    const epoch2 = decodeSystemStateContents(net.node.database.getEpoch(2n)!.systemState)
    expect(BigInt(targets.length)).toBe(epoch2.targetState.targetsGeneratedThisEpoch)
    expect(out.get_targets).toEqual(targets.slice(0, 2))

    // The system state as read at epoch 2, and the epoch helpers.
    expect(out.system_state).toEqual({
      epoch: 2,
      protocol_version: 5,
      epoch_start_timestamp_ms: Number(epoch2.epochStartTimestampMs),
      target_embedding_dim: DIM,
      model_ids: [out.model_id],
      total_model_stake: Number(SOMA),
      validators: validators.map((v) => v.slice(2)),
      emission_pool: { balance: Number(epoch2.emissionPool.balance), emission_per_epoch: Number(epoch2.emissionPool.emissionPerEpoch) },
      safe_mode: false,
    })
    expect(out.next_epoch_timestamp).toBe(Number(epoch2.epochStartTimestampMs + epoch2.parameters.epochDurationMs))
    // get_epoch asks only for `epoch,protocol_config.protocol_version`, so start and first checkpoint read as 0.
    expect(out.epoch_info).toEqual({ epoch: 2, first_checkpoint_id: 0, epoch_start_timestamp_ms: 0, end_of_epoch_info: null })
    // The latest checkpoint then was epoch 1's last (the epoch change); its rolling fees are the
    // fees of epoch 1's transactions: the reveal's.
    const checkpoint = net.node.database.getCheckpoint(BigInt(out.checkpoint.sequence_number))!
    expect(out.checkpoint.epoch).toBe(1)
    expect(checkpoint.epoch).toBe(1n)
    expect(net.node.database.getCheckpoint(checkpoint.sequence + 1n)?.epoch ?? 2n).toBe(2n)
    expect(out.checkpoint.fees).toMatchObject({ total_fee: out.reveal.fee })
    expect(out.epoch_advanced).toBe(3)
    expect(out.epoch_info_after.epoch).toBe(3)
    expect(net.node.epoch()).toBe(3n)

    // Final balances, to the shannon, as the chain holds them.
    expect(out.balances_final).toEqual({
      alice: soma(chainBalance(alice)),
      bob: soma(chainBalance(bob)),
      carol: soma(chainBalance(carol)),
      dave: soma(chainBalance(dave)),
    })
    expect(shannons(out.balances_final.alice)).toBe(afterUnstake)
    expect(shannons(out.balances_final.bob)).toBe((3n * SOMA) / 4n)
    expect(shannons(out.balances_final.carol)).toBe(SOMA / 8n)
    // The owner paid the model's stake and the fees of CreateModel (not reported by create_model,
    // which returns the id), CommitModel and RevealModel.
    expect(out.balance_owner_funded).toBe(soma(4n * SOMA))
    const createFee = 4n * SOMA - SOMA - fee(out.commit) - fee(out.reveal) - shannons(out.balances_final.dave)
    expect(createFee > 0n && createFee < SOMA / 100n).toBe(true)
  }, 300_000)
})
