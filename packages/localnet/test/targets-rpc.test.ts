/** StateService.GetTarget / ListTargets over gRPC against a started local network with a real model. */
import { Ed25519Keypair, RpcError } from '@soma-ts/sdk'
import type { Target } from '@soma-ts/sdk/generated/soma/rpc/system_state_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { activateModel, execute, fund, gasCoin, startTestNet, DIM, type TestNet } from './localnet-helpers.js'

let t: TestNet
let modelId: string
const owner = Ed25519Keypair.generate()
const submitter = Ed25519Keypair.generate()
let filledId: string

async function all(options: Parameters<TestNet['client']['listTargets']>[0] = {}): Promise<Target[]> {
  const out: Target[] = []
  for await (const target of t.client.listTargets(options)) out.push(target)
  return out
}

const trimmed = (id: string) => `0x${id.slice(2).replace(/^0+/, '')}`

beforeAll(async () => {
  t = await startTestNet()
  modelId = await activateModel(t, owner)
  // Fill one open target of this epoch with bob's data.
  await fund(t.faucet, submitter, 2)
  const open = (await all({ status: 'open', readMask: 'id,model_ids,distance_threshold' }))[0]!
  filledId = open.id!
  const bond = await gasCoin(t.client, submitter.toSomaAddress())
  await execute(t.client, submitter, {
    SubmitData: {
      targetId: open.id!,
      dataManifest: { manifest: { V1: { url: 'https://example.com/data.bin', metadata: { V1: { checksum: new Uint8Array(32).fill(9), size: 1024n } } } } },
      modelId: open.modelIds[0]!,
      embedding: { values: new Array(DIM).fill(0), shape: [BigInt(DIM)] },
      distanceScore: { values: [open.distanceThreshold! - 0.1], shape: [1n] },
      lossScore: { values: [0.5], shape: [1n] },
      bondCoin: bond,
    },
  }, bond)
}, 60_000)

afterAll(async () => {
  await t?.close()
})

describe('GetTarget', () => {
  it('answers the default mask and the full conversion (ids 0x+trimmed hex, addresses 64 hex)', async () => {
    const { target } = await t.client.state.getTarget({ targetId: filledId })
    const present = Object.entries(target!).filter(([k, v]) => k !== '$typeName' && v !== undefined && !(Array.isArray(v) && v.length === 0))
    expect(present.map(([k]) => k).sort()).toEqual(['distanceThreshold', 'generationEpoch', 'id', 'rewardPool', 'status'])
    const full = await t.client.getTarget(filledId, { readMask: '*' })
    expect(full.id).toBe(trimmed(filledId))
    expect(full.status).toBe('filled')
    expect(full.fillEpoch).toBe(2n)
    expect(full.generationEpoch).toBe(2n)
    expect(full.submitter).toBe(submitter.toSomaAddress().slice(2))
    expect(full.winningModelId).toBe(trimmed(modelId))
    expect(full.winningModelOwner).toBe(owner.toSomaAddress().slice(2))
    expect(full.modelIds).toContain(trimmed(modelId))
    expect(full.bondAmount).toBe(66_560n)
    expect(full.dataUrl).toBe('https://example.com/data.bin')
    expect(full.embedding).toHaveLength(DIM)
    // The same object read through GetObject is a Target shared object.
    expect((await t.client.getObject(filledId, { readMask: 'object_type' })).objectType).toBe('Target')
  })

  it('refuses a missing or bad id, a non-Target object and an unknown mask path; unknown id is NOT_FOUND', async () => {
    await expect(t.client.state.getTarget({})).rejects.toMatchObject({ grpcCode: 3, message: expect.stringContaining('target_id') })
    await expect(t.client.getTarget('0xzz')).rejects.toMatchObject({ grpcCode: 3 })
    await expect(t.client.getTarget(`0x${'ab'.repeat(32)}`)).rejects.toMatchObject({ grpcCode: 5 })
    const coin = await gasCoin(t.client, owner.toSomaAddress())
    await expect(t.client.getTarget(coin.objectId as string)).rejects.toThrow(/is not a Target \(type: Coin\)/)
    await expect(t.client.getTarget(filledId, { readMask: 'nonsense' })).rejects.toThrow(/invalid read_mask path: nonsense/)
    await expect(t.client.getTarget(filledId, { readMask: 'status.x' })).rejects.toBeInstanceOf(RpcError)
  })
})

describe('ListTargets', () => {
  it('filters by status (case-insensitive), epoch and submitter, with the reference default mask', async () => {
    const open = await all({ status: 'OPEN' })
    expect(open.length).toBeGreaterThan(1)
    expect(open.every((x) => x.status === 'open' && x.generationEpoch === 2n)).toBe(true)
    expect(open.map((x) => x.id)).not.toContain(trimmed(filledId))
    const defaults = (await t.client.state.listTargets({ pageSize: 1 })).targets[0]!
    expect(defaults.embedding).toEqual([])
    expect(defaults.distanceThreshold).toBeUndefined()
    expect(defaults.id).toBeDefined()
    expect(defaults.rewardPool).toBeGreaterThan(0n)

    const filled = await all({ status: 'filled', readMask: 'id,status,submitter' })
    expect(filled).toEqual([expect.objectContaining({ id: trimmed(filledId), status: 'filled', submitter: submitter.toSomaAddress().slice(2) })])
    // No status filter: every status; the submitter's filled target only.
    expect((await all({ submitter: submitter.toSomaAddress(), readMask: 'id' })).map((x) => x.id)).toEqual([trimmed(filledId)])
    expect(await all({ status: 'open', submitter: submitter.toSomaAddress() })).toEqual([])
    expect((await all({ status: 'filled', submitter: owner.toSomaAddress() })).length).toBe(0)
    expect((await all({ status: 'open', epoch: 1n })).length).toBe(0)
    expect((await all({ status: 'open', epoch: 2n })).length).toBe(open.length)
    // Unfiltered, in key order: status by length then text, so every "open" entry before "filled".
    const everything = await all({ readMask: 'id,status' })
    expect(everything).toHaveLength(open.length + 1)
    expect(everything.at(-1)).toMatchObject({ id: trimmed(filledId), status: 'filled' })
    expect(await all({ status: 'claimed' })).toEqual([])
    expect(await all({ status: 'expired' })).toEqual([])
    expect(await all({ status: 'claimable' })).toEqual([])
  })

  it('pages in key order with BCS page tokens; a token for other filters is refused; page_size is clamped', async () => {
    const open = await all({ status: 'open', readMask: 'id' })
    const paged = await all({ status: 'open', readMask: 'id', pageSize: 7 })
    expect(paged.map((x) => x.id)).toEqual(open.map((x) => x.id))
    // Key order within one status and epoch is the id (bytes).
    const full = (id: string) => id.slice(2).padStart(64, '0')
    expect(open.map((x) => full(x.id!))).toEqual(open.map((x) => full(x.id!)).sort())
    const first = await t.client.state.listTargets({ statusFilter: 'open', pageSize: 3 })
    expect(first.targets).toHaveLength(3)
    expect(first.nextPageToken).toBeDefined()
    await expect(t.client.state.listTargets({ statusFilter: 'filled', pageToken: first.nextPageToken })).rejects.toThrow(/page_token parameters do not match/)
    await expect(t.client.state.listTargets({ statusFilter: 'open', pageToken: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/invalid page_token/)
    expect((await t.client.state.listTargets({ statusFilter: 'open', pageSize: 0 })).targets).toHaveLength(1)
    expect((await t.client.state.listTargets({ statusFilter: 'open', pageSize: 5000 })).targets).toHaveLength(open.length)
    await expect(t.client.state.listTargets({ statusFilter: 'pending' })).rejects.toThrow(/invalid status_filter: 'pending'/)
    await expect(t.client.state.listTargets({ submitterFilter: 'nope' })).rejects.toMatchObject({ grpcCode: 3 })
  })

  it('after the epoch: last epoch\'s open targets are expired and read "claimable"; a filled target past its audit window too', async () => {
    const openBefore = await all({ status: 'open', readMask: 'id' })
    await t.net.node.advanceEpoch() // epoch 3
    const expired = await all({ status: 'Expired' })
    expect(expired.map((x) => x.id).sort()).toEqual(openBefore.map((x) => x.id).sort())
    expect(new Set(expired.map((x) => x.status))).toEqual(new Set(['claimable']))
    const open = await all({ status: 'open' })
    expect(open.every((x) => x.generationEpoch === 3n && x.status === 'open')).toBe(true)
    // Filled in epoch 2: the audit window is epoch 3, so not claimable yet.
    expect((await all({ status: 'claimable', readMask: 'id' })).map((x) => x.id)).not.toContain(trimmed(filledId))
    expect((await all({ status: 'filled' }))[0]!.status).toBe('filled')
    await t.net.node.advanceEpoch() // epoch 4
    const claimable = await all({ status: 'claimable', readMask: 'id,status,fill_epoch' })
    expect(claimable).toContainEqual(expect.objectContaining({ id: trimmed(filledId), status: 'claimable', fillEpoch: 2n }))
    expect((await all({ status: 'filled', readMask: 'id,status' }))[0]!.status).toBe('claimable')
    // Without `status` in the mask there is nothing to rewrite.
    expect((await all({ status: 'filled', readMask: 'id' }))[0]!.status).toBeUndefined()
  })
})
