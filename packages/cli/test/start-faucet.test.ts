/**
 * `soma start faucet` as a process: a standalone faucet paying from the funded keystore account of
 * a config directory through a local network's fullnode RPC (started in this process on free
 * loopback ports); `soma faucet` as a second process asks it for coins; SIGTERM stops it cleanly.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

import type { RunningLocalnet } from '@soma-ts/localnet'
import { Ed25519Keypair } from '@soma-ts/sdk'
import { readClientConfig } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { SOMA_BIN, somaAsync } from './cli.js'
import { startCliLocalnet } from './cli-localnet.js'

let dir: string
let net: RunningLocalnet

beforeAll(async () => {
  ;({ dir, net } = await startCliLocalnet('soma-cli-start-faucet-'))
}, 120_000)

afterAll(async () => {
  await net?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 120_000)

describe('soma start faucet', { timeout: 300_000 }, () => {
  it('serves RequestGas from the keystore account, prints its bound port, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [SOMA_BIN, 'start', 'faucet', '--port', '0', '--host', '127.0.0.1', '--amount', '1500000000', '--num-coins', '2', '--config-dir', dir], {
      env: { ...process.env, SOMA_CONFIG_DIR: join(dir, 'nowhere') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 60_000)
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString()
        const m = /Faucet gRPC server listening on 127\.0\.0\.1:(\d+)\n/.exec(stdout)
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      })
      void exited.then((code) => reject(new Error(`exited ${code} before listening; stderr: ${stderr}`)))
    })
    try {
      expect(port).toBeGreaterThan(0)
      const recipient = Ed25519Keypair.generate().toSomaAddress()
      const env = { SOMA_CONFIG_DIR: dir, SOMA_SECRET_KEY: '' }
      const r = await somaAsync(['faucet', '--url', `http://127.0.0.1:${port}`, '--address', recipient, '--json'], { env })
      expect(r.status, r.stderr).toBe(0)
      const answer = JSON.parse(r.stdout) as { coins_sent: { amount: number; id: string; transfer_tx_digest: string }[] }
      expect(answer.coins_sent.map((c) => c.amount)).toEqual([1_500_000_000, 1_500_000_000])
      expect(new Set(answer.coins_sent.map((c) => c.transfer_tx_digest)).size).toBe(1)
      const balance = await somaAsync(['balance', recipient, '--json'], { env })
      expect(JSON.parse(balance.stdout)).toEqual({ address: recipient, total_balance: 3_000_000_000, coin_count: 2 })
      const gas = JSON.parse((await somaAsync(['objects', 'gas', recipient, '--json'], { env })).stdout) as { coins: [[string, number, string], number][] }
      expect(gas.coins.map(([[id]]) => id).sort()).toEqual(answer.coins_sent.map((c) => c.id).sort())

      const bad = await somaAsync(['faucet', '--url', `http://127.0.0.1:${port}`, '--address', '0x1234zz', '--json'], { env })
      expect(bad.status).toBe(1)
      expect(bad.stderr).toMatch(/address/i)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(stderr).toMatch(/Faucet stopped\./)
  })

  it("the local network's SimulateTransaction returns balance_changes (soma send --simulate)", async () => {
    const recipient = Ed25519Keypair.generate().toSomaAddress()
    const r = await somaAsync(['send', '--to', recipient, '--amount', '0.5', '--simulate', '--json'], { env: { SOMA_CONFIG_DIR: dir, SOMA_SECRET_KEY: '' } })
    expect(r.status, r.stderr).toBe(0)
    const simulated = JSON.parse(r.stdout) as { status: string; gas_used: number; balance_changes?: { address: string; amount: number }[] }
    expect(simulated.status).toBe('Success')
    const sender = readClientConfig(join(dir, 'client.yaml')).activeAddress ?? ''
    expect(simulated.balance_changes).toEqual(
      [
        { address: recipient, amount: 500_000_000 },
        { address: sender, amount: -(500_000_000 + simulated.gas_used) },
      ].sort((a, b) => (a.address < b.address ? -1 : 1)),
    )
  })

  it('refuses a config directory without client.yaml, with a clear error', async () => {
    const r = await somaAsync(['start', 'faucet', '--port', '0', '--config-dir', join(dir, 'missing'), '--json'])
    expect(r.status).toBe(1)
    const error = (JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }).error
    expect(error.code).toBe('SOMA_CONFIG')
    expect(error.message).toMatch(/No soma config found/)
  })
})
