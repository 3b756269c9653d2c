/** LedgerService.GetEpoch for the current and past epochs over gRPC, kept across a restart. */
import { rmSync } from 'node:fs'

import { createSomaRpcClient } from '@soma-ts/sdk/node'
import { afterAll, describe, expect, it } from 'vitest'

import { startLocalnet } from '../src/index.js'
import { startTestNet, type TestNet } from './localnet-helpers.js'

let t: TestNet | undefined

afterAll(async () => {
  await t?.close()
})

const ms = (ts: { seconds: bigint; nanos: number } | undefined) => (ts === undefined ? undefined : ts.seconds * 1000n + BigInt(ts.nanos / 1_000_000))

describe('GetEpoch', () => {
  it('answers every past epoch with its first checkpoint, start and end, protocol config and committee; survives a restart', async () => {
    let clock = 1_700_000_000_123
    t = await startTestNet({ committeeSize: 2, now: () => clock, faucet: false })
    const { client, net } = t
    const genesisStart = BigInt(clock)
    clock += 5_000
    const first = await net.node.advanceEpoch()
    clock += 7_000
    const second = await net.node.advanceEpoch()
    expect(net.node.epoch()).toBe(2n)

    const e0 = await client.getEpoch(0n)
    expect(e0.epoch).toBe(0n)
    expect(e0.firstCheckpoint).toBe(0n)
    expect(ms(e0.start)).toBe(genesisStart)
    expect(ms(e0.end)).toBe(genesisStart + 5_000n)
    // As the reference's index: the last checkpoint is never recorded.
    expect(e0.lastCheckpoint).toBeUndefined()
    expect(e0.protocolConfig?.protocolVersion).toBe(5n)
    expect(e0.protocolConfig?.attributes).toEqual({}) // the default mask asks for protocol_version only
    expect(e0.committee?.epoch).toBe(0n)
    expect(e0.committee?.members).toHaveLength(2)
    const keys = e0.committee!.members.map((m) => Buffer.from(m.authorityKey!).toString('hex'))
    expect(keys).toEqual([...keys].sort())
    expect(new Set(keys)).toEqual(new Set(net.node.committee.map((m) => Buffer.from(m.blsPublicKey).toString('hex'))))
    expect(e0.committee!.members[0]!.networkMetadata?.consensusAddress).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/82\d\d\/http$/)

    const e1 = await client.getEpoch(1n)
    expect(e1.firstCheckpoint).toBe(first.checkpoint + 1n)
    expect(ms(e1.start)).toBe(genesisStart + 5_000n)
    expect(ms(e1.end)).toBe(genesisStart + 12_000n)
    const e2 = await client.getEpoch()
    expect(e2.epoch).toBe(2n)
    expect(e2.firstCheckpoint).toBe(second.checkpoint + 1n)
    expect(e2.end).toBeUndefined()

    const config = await client.getEpoch(1n, { readMask: 'epoch,protocol_config' })
    expect(config.protocolConfig?.attributes.model_architecture_version).toBe('1')
    expect(config.protocolConfig?.attributes.target_initial_distance_threshold).toBe('1.05')
    expect(config.committee).toBeUndefined()
    expect(config.start).toBeUndefined()

    // A future epoch: only the number without the committee; with it, NOT_FOUND as the reference.
    expect((await client.getEpoch(9n, { readMask: 'epoch,start' })).start).toBeUndefined()
    await expect(client.getEpoch(9n)).rejects.toMatchObject({ grpcCode: 5, message: expect.stringContaining('Committee for epoch 9 not found') })
    await expect(client.getEpoch(0n, { readMask: 'epoch,nope' })).rejects.toMatchObject({ grpcCode: 3, message: expect.stringContaining('invalid read_mask path: nope') })

    const { dir } = t
    await net.stop()
    const again = await startLocalnet({ configDir: dir, rpcPort: 0, rpcHost: '127.0.0.1', adminPort: 0, faucet: false, scoring: false, now: () => clock })
    t = {
      ...t,
      net: again,
      close: async () => {
        await again.stop()
        rmSync(dir, { recursive: true, force: true })
      },
    }
    const reopened = createSomaRpcClient({ url: again.urls.rpc })
    expect(await reopened.getEpoch(0n)).toEqual(e0)
    expect(await reopened.getEpoch(1n)).toEqual(e1)
  })
})
