/** startLocalnet over real sockets on 127.0.0.1: faucet, admin, epoch clock, restart, keystore. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Ed25519Keypair } from '@soma-ts/sdk'
import { AdminClient, FaucetClient, FileKeystore, ScoringClient, defaultKeystorePath } from '@soma-ts/sdk/node'
import { afterEach, describe, expect, it } from 'vitest'

import { coinBalance } from '../src/chain/index.js'
import { FAUCET_AMOUNT, startLocalnet, type LocalnetOptions, type RunningLocalnet } from '../src/index.js'

const dirs: string[] = []
const running: RunningLocalnet[] = []
const clients: { close(): void }[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const r of running.splice(0)) await r.stop()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'soma-localnet-'))
  dirs.push(dir)
  return dir
}

async function start(options: LocalnetOptions): Promise<RunningLocalnet> {
  const net = await startLocalnet({ faucet: { host: '127.0.0.1', port: 0 }, adminPort: 0, rpcPort: 0, scoring: false, ...options })
  running.push(net)
  return net
}

async function stop(net: RunningLocalnet): Promise<void> {
  running.splice(running.indexOf(net), 1)
  await net.stop()
}

describe('startLocalnet', () => {
  it('serves the faucet and admin, puts the genesis keys into the keystore, and resumes after a restart', async () => {
    const configDir = tempDir()
    let net = await start({ configDir, committeeSize: 2 })
    expect(net.freshGenesis).toBe(true)
    const keystore = FileKeystore.load(defaultKeystorePath(configDir))
    const aliases = keystore.entries().map((e) => e.alias)
    expect(aliases.filter((a) => a.startsWith('localnet-validator-'))).toHaveLength(2)
    expect(aliases.filter((a) => a.startsWith('localnet-faucet-'))).toHaveLength(1)

    const recipient = Ed25519Keypair.generate().toSomaAddress()
    const faucet = new FaucetClient({ url: net.urls.faucet! })
    clients.push(faucet)
    const response = await faucet.requestGas(recipient)
    expect(response.status).toBe('Success')
    expect(response.coinsSent).toHaveLength(1)
    expect(response.coinsSent[0]!.amount).toBe(FAUCET_AMOUNT)
    const coin = net.node.getObject(response.coinsSent[0]!.id)!
    expect(coinBalance(coin)).toBe(FAUCET_AMOUNT)
    expect(net.node.getTransaction(response.coinsSent[0]!.transferTxDigest)).toBeDefined()

    await expect(faucet.requestGas('not-an-address')).rejects.toThrow(/Invalid address/)

    const admin = new AdminClient({ url: net.urls.admin })
    clients.push(admin)
    expect(await admin.advanceEpoch()).toBe(1n)
    const checkpoint = net.node.latestCheckpoint()
    faucet.close()
    admin.close()
    clients.splice(0)
    await stop(net)

    net = await start({ configDir })
    expect(net.freshGenesis).toBe(false)
    expect(net.node.epoch()).toBe(1n)
    expect(net.node.latestCheckpoint()).toEqual(checkpoint)
    expect(coinBalance(net.node.getObject(coin.id)!)).toBe(FAUCET_AMOUNT)
    // The faucet key came back from the database: it still pays.
    const again = new FaucetClient({ url: net.urls.faucet! })
    clients.push(again)
    expect((await again.requestGas(recipient)).status).toBe('Success')
  })

  it('advances epochs on their duration with the injected clock', async () => {
    let clock = 10_000_000
    const net = await start({ configDir: tempDir(), epochDurationMs: 1_000, now: () => clock, faucet: false })
    expect(net.urls.faucet).toBeUndefined()
    expect(net.node.epoch()).toBe(0n)
    clock += 1_000
    await expect.poll(() => net.node.epoch(), { timeout: 3_000, interval: 50 }).toBe(1n)
    clock += 500
    await new Promise((r) => setTimeout(r, 300))
    expect(net.node.epoch()).toBe(1n)
  })

  it('starts its own scoring service (data under <configDir>/scoring-data) and stops it with the network', async () => {
    const configDir = tempDir()
    const net = await start({ configDir, faucet: false, smallModel: true, scoring: { host: '127.0.0.1', port: 0 } })
    expect(net.urls.scoring).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const scoring = new ScoringClient({ url: net.urls.scoring! })
    clients.push(scoring)
    expect(await scoring.health()).toBe(true)
    expect(existsSync(join(configDir, 'scoring-data', 'weights'))).toBe(true)
    await stop(net)
    await expect(scoring.health({ timeoutMs: 2_000 })).rejects.toThrow()
  })

  it('forceRegenesis starts over', async () => {
    const configDir = tempDir()
    let net = await start({ configDir, faucet: false })
    await net.node.advanceEpoch()
    await stop(net)
    net = await start({ configDir, faucet: false, forceRegenesis: true })
    expect(net.freshGenesis).toBe(true)
    expect(net.node.epoch()).toBe(0n)
  })

  it('rejects a bad committee size with a RangeError and leaves nothing running', async () => {
    await expect(startLocalnet({ configDir: tempDir(), committeeSize: 0, faucet: false, adminPort: 0, scoring: false })).rejects.toBeInstanceOf(RangeError)
  })
})
