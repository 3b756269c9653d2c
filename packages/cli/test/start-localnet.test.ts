/** `soma start localnet` as a process: ready line, faucet + RPC, SIGTERM shutdown, restart, usage errors. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Ed25519Keypair } from '@soma-ts/sdk'
import { AdminClient, createSomaRpcClient, FaucetClient, ScoringClient } from '@soma-ts/sdk/node'
import { afterEach, describe, expect, it } from 'vitest'

import { soma } from './cli.js'
import { startLocalnetProcess, type LocalnetProcess } from './start-process.js'

const dirs: string[] = []
const processes: LocalnetProcess[] = []

afterEach(() => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const PORTS = ['--fullnode-rpc-port', '0', '--admin-port', '0']
const FAUCET = '--with-faucet=127.0.0.1:0'

async function start(configDir: string, extra: string[] = [FAUCET]): Promise<LocalnetProcess> {
  const p = await startLocalnetProcess(['--network.config', configDir, ...PORTS, ...extra])
  processes.push(p)
  return p
}

describe('soma start localnet', () => {
  it('prints one ready line, serves faucet, RPC, scoring and admin, stops on SIGTERM and resumes on restart', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'soma-start-'))
    dirs.push(configDir)
    let p = await start(configDir, [FAUCET, '--committee-size', '2', '--epoch-duration-ms', '600000', '--scoring-port', '0', '--small-model'])
    expect(p.ready).toMatchObject({ event: 'ready', configDir, freshGenesis: true, epochDurationMs: '600000' })
    // Scoring is on by default, as the reference's localnet.
    const scoring = new ScoringClient({ url: p.ready.scoring! })
    expect(await scoring.health()).toBe(true)
    scoring.close()
    const recipient = Ed25519Keypair.generate().toSomaAddress()
    const faucet = new FaucetClient({ url: p.ready.faucet! })
    expect((await faucet.requestGas(recipient)).status).toBe('Success')
    faucet.close()
    const admin = new AdminClient({ url: p.ready.admin })
    expect(await admin.advanceEpoch()).toBe(1n)
    admin.close()
    const rpc = createSomaRpcClient({ url: p.ready.rpc })
    expect(await rpc.getBalance(recipient)).toBe(2_000_000_000n)

    p.child.kill('SIGTERM')
    expect(await p.exited).toEqual({ code: 0, signal: null })

    p = await start(configDir, [FAUCET, '--no-scoring'])
    expect(p.ready.freshGenesis).toBe(false)
    expect(p.ready.scoring).toBeUndefined()
    const again = createSomaRpcClient({ url: p.ready.rpc })
    expect(await again.getBalance(recipient)).toBe(2_000_000_000n)
    expect((await again.getServiceInfo()).epoch).toBe(1n)
    p.child.kill('SIGINT')
    expect(await p.exited).toEqual({ code: 0, signal: null })

    p = await start(configDir, ['--force-regenesis', '--no-faucet', '--no-scoring'])
    expect(p.ready.freshGenesis).toBe(true)
    expect(p.ready.faucet).toBeUndefined()
    expect(await createSomaRpcClient({ url: p.ready.rpc }).getBalance(recipient)).toBe(0n)
    p.child.kill('SIGTERM')
    expect(await p.exited).toEqual({ code: 0, signal: null })
  })

  it('refuses bad flags with one JSON error line and exit 1', () => {
    const configDir = mkdtempSync(join(tmpdir(), 'soma-start-'))
    dirs.push(configDir)
    for (const flags of [
      ['--with-faucet=nonsense'],
      ['--fullnode-rpc-port', '70000'],
      ['--committee-size', '0'],
      ['--with-faucet=127.0.0.1:0', '--no-faucet'],
      ['--scoring-port', '0', '--no-scoring'],
      ['--scoring-port', 'x'],
    ]) {
      const r = soma(['start', 'localnet', '--json', '--network.config', configDir, '--admin-port', '0', ...flags])
      expect(r.status, flags.join(' ')).toBe(1)
      const error = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }
      expect(error.error.code).toBe('SOMA_INVALID_ARGUMENT')
    }
  })
})
