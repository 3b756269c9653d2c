/**
 * A new validator's whole life over the CLI as a process, against a local network started in this
 * process (default committee of 1, free loopback ports): a funded new account writes its key files
 * and validator.info, joins, stakes enough to pass the activation threshold (protocol.md §11:
 * raw voting power ≥ 12 of 10_000), becomes Active at the epoch boundary, stages new metadata
 * (network address and protocol key with a new proof of possession), and leaves.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { RunningLocalnet } from '@soma-ts/localnet'
import { BlsKeypair, Ed25519Keypair, fromBase64, toBase64, verifyProofOfPossession } from '@soma-ts/sdk'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { somaAsync } from './cli.js'
import { startCliLocalnet } from './cli-localnet.js'

let dir: string
let work: string
let net: RunningLocalnet
let env: Record<string, string>

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'soma-cli-validator-files-'))
  ;({ dir, net } = await startCliLocalnet('soma-cli-validator-'))
  env = { SOMA_CONFIG_DIR: dir, SOMA_SECRET_KEY: '' }
}, 120_000)

afterAll(async () => {
  await net?.stop()
  for (const d of [dir, work]) if (d) rmSync(d, { recursive: true, force: true })
}, 120_000)

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await somaAsync([...args, '--json'], { env, cwd: work })
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(0)
  return JSON.parse(r.stdout) as T
}

async function jsonError(args: string[]): Promise<{ code: string; message: string; hint?: string }> {
  const r = await somaAsync([...args, '--json'], { env, cwd: work })
  expect(r.status, r.stderr).toBe(1)
  expect(r.stdout).toBe('')
  return (JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string; hint?: string } }).error
}

interface ValidatorRow {
  address: string
  status: string
  network_address: string
  p2p_address: string
  protocol_pubkey: string
  network_pubkey: string
  worker_pubkey: string
}
const validators = async () => (await json<{ validators: ValidatorRow[] }>(['validator', 'list'])).validators
const advance = () => json<{ epoch: number }>(['advance-epoch', '--url', net.urls.admin])

describe('soma validator: make-validator-info → join-committee → stake → Active → update-metadata → leave-committee', { timeout: 600_000 }, () => {
  it('walks a new validator through the committee', async () => {
    const { address } = await json<{ address: string }>(['wallet', 'new', '--alias', 'val'])
    expect((await json<{ status: string }>(['send', '--to', 'val', '--amount', '1000'])).status).toBe('Success')
    await json(['wallet', 'switch', 'val'])

    // Key files and validator.info, in the working directory.
    const made = await json<{ output_dir: string; validator_info_file: string; files: string[] }>(['validator', 'make-validator-info', 'val.example.com'])
    expect(made.files).toEqual(['protocol.key', 'account.key', 'network.key', 'worker.key', 'validator.info'])
    expect(made.validator_info_file).toBe(join(made.output_dir, 'validator.info'))
    for (const f of made.files) expect(statSync(join(work, f)).mode & 0o777).toBe(0o600)
    const protocolKey = BlsKeypair.fromBase64(readFileSync(join(work, 'protocol.key'), 'utf8'))
    expect(fromBase64(readFileSync(join(work, 'protocol.key'), 'utf8'))).toHaveLength(32)
    expect(Ed25519Keypair.fromKeystoreString(readFileSync(join(work, 'account.key'), 'utf8')).toSomaAddress()).toBe(address)
    const network = Ed25519Keypair.fromKeystoreString(readFileSync(join(work, 'network.key'), 'utf8'))
    const info = (parse(readFileSync(join(work, 'validator.info'), 'utf8')) as { info: Record<string, unknown> }).info
    expect(Object.keys(info)).toEqual([
      'account-address',
      'protocol-key',
      'worker-key',
      'network-key',
      'proof-of-possession',
      'commission-rate',
      'network-address',
      'p2p-address',
      'primary-address',
      'proxy-address',
    ])
    expect(info).toMatchObject({
      'account-address': address,
      'protocol-key': toBase64(protocolKey.publicKeyBytes()),
      'network-key': toBase64(network.getPublicKey().toRawBytes()),
      'commission-rate': 200,
      'network-address': '/dns/val.example.com/tcp/8080/http',
      'p2p-address': '/dns/val.example.com/tcp/8084/http',
      'primary-address': '/dns/val.example.com/tcp/8081/http',
      'proxy-address': '/dns/val.example.com/tcp/8090/http',
    })
    expect(verifyProofOfPossession(Uint8Array.from(info['proof-of-possession'] as number[]), protocolKey.publicKeyBytes(), address)).toBe(true)
    // validator.info is never replaced.
    expect((await jsonError(['validator', 'make-validator-info', 'other.example.com'])).message).toMatch(/already exists/)

    // Join (pending), stake, and the boundary activates it.
    expect((await json<{ status: string }>(['validator', 'join-committee', 'validator.info'])).status).toBe('Success')
    expect((await validators()).find((v) => v.address === address)?.status).toBe('Pending')
    expect((await jsonError(['validator', 'join-committee', 'validator.info'])).message).toMatch(/DuplicateValidator/)
    expect((await json<{ status: string }>(['stake', '--validator', address, '--amount', '100'])).status).toBe('Success')
    await advance()
    const active = (await validators()).find((v) => v.address === address)
    expect(active).toMatchObject({ status: 'Active', network_address: '/dns/val.example.com/tcp/8080/http', protocol_pubkey: toBase64(protocolKey.publicKeyBytes()) })

    // Staged metadata: a new network address and a new protocol key (with its proof of possession).
    expect((await jsonError(['validator', 'update-metadata', 'network-address', '/dns/val2.example.com/udp/8080'])).message).toMatch(/TCP address/)
    expect((await jsonError(['validator', 'update-metadata', 'p2p-address', 'not-a-multiaddr'])).code).toBe('SOMA_INVALID_ARGUMENT')
    const newProtocolKey = BlsKeypair.generate()
    writeFileSync(join(work, 'protocol-2.key'), newProtocolKey.toBase64(), { mode: 0o600 })
    expect((await json<{ status: string }>(['validator', 'update-metadata', 'network-address', '/dns/val2.example.com/tcp/8080/http'])).status).toBe('Success')
    expect((await json<{ status: string }>(['validator', 'update-metadata', 'protocol-pub-key', 'protocol-2.key'])).status).toBe('Success')
    expect((await validators()).find((v) => v.address === address)?.network_address).toBe('/dns/val.example.com/tcp/8080/http')
    await advance()
    expect((await validators()).find((v) => v.address === address)).toMatchObject({
      status: 'Active',
      network_address: '/dns/val2.example.com/tcp/8080/http',
      protocol_pubkey: toBase64(newProtocolKey.publicKeyBytes()),
    })

    // Leave: gone after the boundary; then it is no validator any more.
    expect((await json<{ status: string }>(['validator', 'leave-committee'])).status).toBe('Success')
    await advance()
    const after = await validators()
    expect(after.some((v) => v.address === address)).toBe(false)
    expect(after).toHaveLength(1)
    expect((await jsonError(['validator', 'leave-committee'])).message).toMatch(/is not a validator/)
  })

  it('join-committee refuses a validator.info for another address, and a malformed one names the field', async () => {
    await json(['wallet', 'new', '--alias', 'other'])
    await json(['wallet', 'switch', 'other'])
    const refused = await jsonError(['validator', 'join-committee', 'validator.info'])
    expect(refused.message).toMatch(/is for 0x[0-9a-f]{64}, but the signer is/)
    const bad = readFileSync(join(work, 'validator.info'), 'utf8').replace(/network-key: .*/, 'network-key: "AAAA"')
    writeFileSync(join(work, 'bad.info'), bad)
    expect((await jsonError(['validator', 'join-committee', 'bad.info'])).message).toMatch(/`network-key` must be Base64 of 32 bytes/)
    expect((await jsonError(['validator', 'join-committee', 'missing.info'])).code).toBe('SOMA_IO')
  })
})
