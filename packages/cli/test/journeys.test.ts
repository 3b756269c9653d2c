/**
 * The CLI run as a separate process against one local network (committee of 4, started in this
 * process on free loopback ports), with a client.yaml + keystore in the reference layout:
 * transfers and pay, staking and withdrawal, validator report/undo, the transaction flags,
 * SOMA_SECRET_KEY (environment and .env), and the --json error shape.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { RunningLocalnet } from '@soma-ts/localnet'
import { Ed25519Keypair } from '@soma-ts/sdk'
import { createSomaClient, readClientConfig, writeClientConfig } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startCliLocalnet } from './cli-localnet.js'
import { somaAsync, type CliResult } from './cli.js'

let dir: string
let net: RunningLocalnet
let env: Record<string, string>

beforeAll(async () => {
  ;({ dir, net } = await startCliLocalnet('soma-cli-journeys-', { committeeSize: 4, faucet: { host: '127.0.0.1', port: 0 } }))
  env = { SOMA_CONFIG_DIR: dir, SOMA_SECRET_KEY: '' }
}, 120_000)

afterAll(async () => {
  await net?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 120_000)

/** Runs the CLI with `--json`, expects exit 0, returns the parsed stdout. */
async function json<T = Record<string, unknown>>(args: string[], extraEnv: Record<string, string> = {}, cwd?: string): Promise<T> {
  const r = await somaAsync([...args, '--json'], { env: { ...env, ...extraEnv }, ...(cwd ? { cwd } : {}) })
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(0)
  return JSON.parse(r.stdout) as T
}

/** Runs the CLI with `--json`, expects exit 1 and one error line. */
async function jsonError(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: string; message: string; hint?: string }> {
  const r: CliResult = await somaAsync([...args, '--json'], { env: { ...env, ...extraEnv } })
  expect(r.status, r.stderr).toBe(1)
  expect(r.stdout).toBe('')
  const lines = r.stderr.trim().split('\n')
  return (JSON.parse(lines.at(-1)!) as { error: { code: string; message: string; hint?: string } }).error
}

interface TxResponse {
  digest: string
  status: 'Success' | { Failure: { error: string } }
  executed_epoch: number
  checkpoint: number
  fee: { base_fee: number; operation_fee: number; value_fee: number; total_fee: number }
  created?: { object_id: string; version: number; digest: string; owner: { type: string; address?: string } }[]
  mutated?: { object_id: string }[]
  gas_object: { object_id: string }
  balance_changes?: { address: string; amount: number }[]
}

const balanceOf = async (who: string) => (await json<{ total_balance: number; coin_count: number }>(['balance', who])).total_balance
const changeOf = (tx: TxResponse, address: string) => tx.balance_changes?.find((b) => b.address === address)?.amount ?? 0
const fresh = () => Ed25519Keypair.generate().toSomaAddress()

describe('soma CLI journeys against a local network', { timeout: 600_000 }, () => {
  it('transfers and pay: faucet → balance → send → pay → transfer → merge-coins', async () => {
    const created = await json<{ alias: string; address: string }>(['wallet', 'new', '--alias', 'alice'])
    const alice = created.address
    await json(['wallet', 'switch', 'alice'])
    const bob = fresh()
    const carol = fresh()

    const faucet = await json<{ coins_sent: { amount: number }[] }>(['faucet', '--url', net.urls.faucet!])
    expect(faucet.coins_sent.map((c) => c.amount)).toEqual([2_000_000_000])
    expect(await json(['balance'])).toEqual({ address: alice, total_balance: 2_000_000_000, coin_count: 1 })

    const send = await json<TxResponse>(['send', '--to', bob, '--amount', '0.5'])
    expect(send.status).toBe('Success')
    expect(send.fee.total_fee).toBeGreaterThan(0)
    expect(changeOf(send, bob)).toBe(500_000_000)
    expect(changeOf(send, alice)).toBe(-(500_000_000 + send.fee.total_fee))
    expect(await balanceOf(bob)).toBe(500_000_000)
    expect(await balanceOf('alice')).toBe(1_500_000_000 - send.fee.total_fee)

    const pay = await json<TxResponse>(['pay', '--recipients', bob, carol, '--amounts', '0.1', '.25'])
    expect(pay.status).toBe('Success')
    expect(await balanceOf(bob)).toBe(600_000_000)
    expect(await balanceOf(carol)).toBe(250_000_000)
    expect(await balanceOf(alice)).toBe(1_150_000_000 - send.fee.total_fee - pay.fee.total_fee)

    // Two more faucet coins: one goes to bob as an object, the others are merged.
    await json(['faucet', '--url', net.urls.faucet!])
    await json(['faucet', '--url', net.urls.faucet!])
    const gas = await json<{ coins: [[string, number, string], number][] }>(['objects', 'gas'])
    expect(gas.coins).toHaveLength(3)
    const [coinId, , ] = gas.coins.find(([, balance]) => balance === 2_000_000_000)![0]
    const before = await balanceOf(alice)
    const transfer = await json<TxResponse>(['transfer', '--to', bob, '--object-id', coinId])
    expect(transfer.status).toBe('Success')
    expect(await json(['balance', bob])).toMatchObject({ total_balance: 2_600_000_000, coin_count: 3 })
    expect(await balanceOf(alice)).toBe(before - 2_000_000_000 - transfer.fee.total_fee)

    const beforeMerge = await json<{ total_balance: number; coin_count: number }>(['balance'])
    expect(beforeMerge.coin_count).toBe(2)
    const merged = await json<TxResponse>(['merge-coins'])
    expect(merged.status).toBe('Success')
    const afterMerge = await json<{ total_balance: number; coin_count: number }>(['balance'])
    expect(afterMerge.total_balance).toBe(beforeMerge.total_balance - merged.fee.total_fee)

    // Text mode: the reference's table and format_soma.
    const text = await somaAsync(['balance', bob], { env })
    expect(text.status).toBe(0)
    expect(text.stdout).toContain('2.6 SOMA')
    expect(text.stdout).toContain('2600000000')
  })

  it('staking and withdrawal: stake --validator → advance-epoch → unstake', async () => {
    await json(['wallet', 'new', '--alias', 'staker'])
    await json(['wallet', 'switch', 'staker'])
    await json(['faucet', '--url', net.urls.faucet!])
    const { validators } = await json<{ validators: { address: string; status: string }[] }>(['validator', 'list'])
    expect(validators).toHaveLength(4)
    expect(validators.every((v) => v.status === 'Active')).toBe(true)

    const stake = await json<TxResponse>(['stake', '--validator', validators[0]!.address, '--amount', '1'])
    expect(stake.status).toBe('Success')
    type ObjectOutput = { object_id: string; object_type: string; owner: { type: string; address?: string }; content?: { principal: number } }
    const staked = (await json<{ objects: ObjectOutput[] }>(['objects', 'list'])).objects.filter((o) => o.object_type === 'StakedSoma')
    expect(staked).toHaveLength(1)
    expect(staked[0]!.content?.principal).toBe(1_000_000_000)
    // ListOwnedObjects and GetObject send ids and owners without `0x` (wire.md §8.3); the CLI
    // prints them `0x` + 64, as before.
    const staker = (await json<string>(['wallet', 'active'])) as string
    expect(staked[0]!.object_id).toMatch(/^0x[0-9a-f]{64}$/)
    expect(staked[0]!.owner).toEqual({ type: 'address_owner', address: staker })
    const shown = await json<ObjectOutput>(['objects', 'get', staked[0]!.object_id])
    expect(shown.object_id).toBe(staked[0]!.object_id)
    expect(shown.owner).toEqual({ type: 'address_owner', address: staker })
    const afterStake = await balanceOf('staker')
    expect(afterStake).toBe(1_000_000_000 - stake.fee.total_fee)

    const advanced = await json<{ epoch: number }>(['advance-epoch', '--url', net.urls.admin])
    expect(advanced.epoch).toBe(1)

    const unstake = await json<TxResponse>(['unstake', staked[0]!.object_id])
    expect(unstake.status).toBe('Success')
    // The principal comes back (plus any reward), less the fee; the balance moves by exactly the change.
    expect(changeOf(unstake, staker)).toBeGreaterThanOrEqual(1_000_000_000 - unstake.fee.total_fee)
    expect(await balanceOf('staker')).toBe(afterStake + changeOf(unstake, staker))
    expect((await json<{ objects: { object_type: string }[] }>(['objects', 'list'])).objects.some((o) => o.object_type === 'StakedSoma')).toBe(false)
  })

  it('validator report and undo, signed by validator keys from the keystore', async () => {
    const { addresses } = await json<{ addresses: [string, string][] }>(['wallet', 'list'])
    const validatorAliases = addresses.map(([alias]) => alias).filter((a) => a.startsWith('localnet-validator-'))
    expect(validatorAliases).toHaveLength(4)
    const [reporter, reportee] = validatorAliases
    await json(['wallet', 'switch', reporter!])
    await json(['faucet', '--url', net.urls.faucet!])
    const reporteeAddress = addresses.find(([alias]) => alias === reportee)![1]

    const report = await json<TxResponse>(['validator', 'report-validator', reportee!])
    expect(report.status).toBe('Success')
    const client = createSomaClient({ rpcUrl: net.urls.rpc })
    const reporterAddress = addresses.find(([alias]) => alias === reporter)![1]
    expect([...((await client.getLatestSystemState()).validatorReportRecords.get(reporteeAddress) ?? [])]).toEqual([reporterAddress])

    const undo = await json<TxResponse>(['validator', 'report-validator', reportee!, '--undo-report'])
    expect(undo.status).toBe('Success')
    expect((await client.getLatestSystemState()).validatorReportRecords.get(reporteeAddress)).toBeUndefined()
    client.close()

    // Not self, and only validators may report.
    expect((await jsonError(['validator', 'report-validator', reporter!])).message).toMatch(/Cannot report yourself/)
    await json(['wallet', 'switch', 'alice'])
    expect((await jsonError(['validator', 'report-validator', reportee!])).message).toMatch(/is not a validator/)
    const shown = await json<{ address: string; status?: string }>(['validator', 'display-metadata', reporteeAddress])
    expect(shown.status).toBe('Active')
  })

  it('the transaction flags: --tx-digest, --simulate, both serialize forms, execute-serialized/-combined-signed, tx info', async () => {
    await json(['wallet', 'new', '--alias', 'flags'])
    await json(['wallet', 'switch', 'flags'])
    await json(['faucet', '--url', net.urls.faucet!])
    const to = fresh()
    const start = await balanceOf('flags')

    const digest = await json<string>(['send', '--to', to, '--amount', '0.1', '--tx-digest'])
    expect(digest).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/)
    const simulated = await json<{ status: string; gas_used: number; created: { owner: { address?: string } }[] }>(['send', '--to', to, '--amount', '0.1', '--simulate'])
    expect(simulated.status).toBe('Success')
    expect(simulated.gas_used).toBeGreaterThan(0)
    // The coin the recipient would get.
    expect(simulated.created.map((c) => c.owner.address)).toEqual([to])
    const unsigned = await json<string>(['send', '--to', to, '--amount', '0.1', '--serialize-unsigned-transaction'])
    expect(Buffer.from(unsigned, 'base64').length).toBeGreaterThan(100)
    // Nothing was executed so far.
    expect(await balanceOf(to)).toBe(0)
    expect(await balanceOf('flags')).toBe(start)

    const executed = await json<TxResponse>(['tx', 'execute-serialized', unsigned])
    expect(executed.status).toBe('Success')
    // One coin only, so the built transaction is the one whose digest was printed.
    expect(executed.digest).toBe(digest)
    expect(await balanceOf(to)).toBe(100_000_000)

    const signed = await json<string>(['send', '--to', to, '--amount', '0.2', '--serialize-signed-transaction'])
    const combined = await json<TxResponse>(['tx', 'execute-combined-signed', '--signed-tx-bytes', signed])
    expect(combined.status).toBe('Success')
    expect(await balanceOf(to)).toBe(300_000_000)

    const info = await json<TxResponse & { timestamp?: string }>(['tx', 'info', combined.digest])
    expect(info.digest).toBe(combined.digest)
    expect(info.fee).toEqual(combined.fee)

    const both = await jsonError(['send', '--to', to, '--amount', '0.1', '--serialize-unsigned-transaction', '--serialize-signed-transaction'])
    expect(both.code).toBe('SOMA_INVALID_ARGUMENT')
    expect(both.message).toMatch(/cannot be used together/)

    // Text forms.
    const text = await somaAsync(['send', '--to', to, '--amount', '0.1', '--tx-digest'], { env })
    expect(text.stdout).toMatch(/^Transaction Digest: [1-9A-HJ-NP-Za-km-z]{43,44}\n$/)
  })

  it('uses SOMA_SECRET_KEY (environment, then ./.env) and never prints it', async () => {
    const key = Ed25519Keypair.generate()
    const secret = key.toBech32()
    const address = key.toSomaAddress()
    await json(['faucet', '--url', net.urls.faucet!, '--address', address])
    const to = fresh()
    const r = await somaAsync(['send', '--to', to, '--amount', '0.3', '--json'], { env: { ...env, SOMA_SECRET_KEY: secret } })
    expect(r.status, r.stderr).toBe(0)
    const tx = JSON.parse(r.stdout) as TxResponse
    expect(changeOf(tx, address)).toBe(-(300_000_000 + tx.fee.total_fee))
    expect(r.stderr.match(/SOMA_SECRET_KEY/g)).toHaveLength(1)
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(secret)
      expect(out).not.toContain(Buffer.from(key.getSecretKey()).toString('hex'))
    }

    // From ./.env, which does not override a value set in the environment.
    const cwd = mkdtempSync(join(tmpdir(), 'soma-dotenv-'))
    try {
      writeFileSync(join(cwd, '.env'), `SOMA_SECRET_KEY=${secret}\n`)
      const fromFile = await somaAsync(['send', '--to', to, '--amount', '0.1', '--json'], { env: { SOMA_CONFIG_DIR: dir }, cwd })
      expect(fromFile.status, fromFile.stderr).toBe(0)
      expect(fromFile.stderr).toContain('.env')
      expect(fromFile.stderr).not.toContain(secret)
      expect(changeOf(JSON.parse(fromFile.stdout) as TxResponse, address)).toBeLessThan(-100_000_000)
      const other = Ed25519Keypair.generate()
      await json(['faucet', '--url', net.urls.faucet!, '--address', other.toSomaAddress()])
      const overridden = await somaAsync(['send', '--to', to, '--amount', '0.1', '--json'], { env: { SOMA_CONFIG_DIR: dir, SOMA_SECRET_KEY: other.toBech32() }, cwd })
      expect(overridden.status, overridden.stderr).toBe(0)
      expect(changeOf(JSON.parse(overridden.stdout) as TxResponse, other.toSomaAddress())).toBeLessThan(0)
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }

    const bad = await jsonError(['send', '--to', to, '--amount', '0.1'], { SOMA_SECRET_KEY: 'somaprivkey1notakey' })
    expect(bad.code).toBe('SOMA_INVALID_KEY')
    expect(JSON.stringify(bad)).not.toContain('somaprivkey1notakey')
  })

  it('keeps the reference layout of client.yaml, and errors are one JSON line with a code and hint', async () => {
    const yaml = readFileSync(join(dir, 'client.yaml'), 'utf8')
    expect(yaml).toMatch(/keystore:\n\s+File: /)
    expect(yaml).toContain(net.urls.rpc)
    const envs = await json<{ envs: { alias: string; rpc: string }[]; active: string }>(['env', 'list'])
    expect(envs.active).toBe('localnet')
    expect(envs.envs.map((e) => e.alias)).toEqual(['testnet', 'local', 'localnet'])
    expect((await json<{ chain_id: string }>(['env', 'chain-id'])).chain_id).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/)

    const zero = await jsonError(['send', '--to', fresh(), '--amount', '0'])
    expect(zero.code).toBe('SOMA_INVALID_ARGUMENT')
    const precision = await jsonError(['send', '--to', fresh(), '--amount', '1.0000000001'])
    expect(precision.code).toBe('SOMA_INVALID_ARGUMENT')
    const alias = await jsonError(['send', '--to', 'no-such-alias', '--amount', '1'])
    expect(alias.message).toMatch(/Cannot resolve alias no-such-alias/)
    // advance-epoch refuses a non-local env before any network call.
    const remote = await jsonError(['advance-epoch', '--client.env', 'testnet'])
    expect(remote.message).toMatch(/local network only/)
    expect(remote.hint).toMatch(/env switch/)
    // A fullnode that is not there (a port this test held and closed): the reference's hint.
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo
        server.close(() => resolve(port))
      })
    })
    const config = readClientConfig(join(dir, 'client.yaml'))
    config.envs.push({ alias: 'down', rpc: `http://127.0.0.1:${closedPort}`, basic_auth: null })
    writeClientConfig(config, join(dir, 'client.yaml'))
    const down = await jsonError(['balance', '--client.env', 'down'])
    expect(down.hint).toMatch(/Is the network running\?/)
    // Help shows an example.
    const help = await somaAsync(['send', '--help'], { env })
    expect(help.stdout).toMatch(/Examples:\n\s+\$ soma send --to/)
  })
})
