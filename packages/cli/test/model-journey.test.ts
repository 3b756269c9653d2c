/**
 * The seed's guides through the `soma` CLI, each command a separate process against one started
 * local network (small model, free ports, a fresh config directory):
 * - register a model, command by command: encrypt → upload → commit (creating the model, as the
 *   seed's one-step commit) → info shows it committed → advance-epoch → reveal (with the seed's
 *   URL/checksum/size, checked against the commit) → info shows it active; a second model in one
 *   step with `soma model publish`;
 * - submit data: targets appear → score (locally, and on the scoring service inside submit) →
 *   submit (data uploaded to the blob store) → advance twice (with update-commit / update-reveal
 *   in between, as the guide's "Update Weights") → claim → the reward split checked to the
 *   shannon against protocol.md §5.5 / §9 (49.75 / 49.75 / 0.5, remainder and bond to the submitter);
 * - set-commission-rate → stake --model → deactivate → list;
 * - `--json` on each, and the seed's obsolete flags refused with the flags to use instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { clientConfigPath, readClientConfig, writeClientConfig } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { soma as run, type CliResult } from './cli.js'
import { startLocalnetProcess, type LocalnetProcess } from './start-process.js'

const GOLDENS = fileURLToPath(new URL('../../../fixtures/goldens/', import.meta.url))
const EMBEDDING_A = Array.from({ length: 16 }, (_, i) => ((i % 5) - 2) / 4)
const EMBEDDING_B = Array.from({ length: 16 }, (_, i) => (i + 1) / 16)
const csv = (v: number[]) => v.join(',')

let dir: string
let net: LocalnetProcess
let env: Record<string, string>
const accounts: Record<'owner' | 'submitter' | 'claimer', string> = { owner: '', submitter: '', claimer: '' }

/** Runs `soma …` as its own process with this network's config; the JSON it printed, or a failure with its stderr. */
function soma(args: string[], extra: Record<string, string> = {}): CliResult {
  return run(args, { ...env, ...extra })
}

function json<T = Record<string, unknown>>(args: string[], extra: Record<string, string> = {}): T {
  const r = soma([...args, '--json'], extra)
  if (r.status !== 0) throw new Error(`soma ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

/** The one JSON error line of a failed `--json` command. */
function jsonError(args: string[]): { code: string; message: string; hint?: string } {
  const r = soma([...args, '--json'])
  expect(r.status, r.stdout).toBe(1)
  return (JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string; hint?: string } }).error
}

/** Makes `name` the active address for the commands that follow. */
function as(name: keyof typeof accounts): void {
  const r = soma(['wallet', 'switch', accounts[name]])
  expect(r.status, r.stderr).toBe(0)
}

function advanceEpoch(): number {
  const out = json<{ epoch: number }>(['advance-epoch', '--url', net.ready.admin])
  return Number(out.epoch)
}

type Tx = { digest: string; status: unknown; fee: { total_fee: number }; balance_changes?: { address: string; amount: number }[] }

function change(tx: Tx, address: string): bigint {
  return BigInt(tx.balance_changes?.find((b) => b.address === address)?.amount ?? 0)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soma-cli-model-'))
  env = { SOMA_CONFIG_DIR: dir }
  // A config as the first run makes it (one key, active), plus two more addresses: the genesis funds all three.
  for (const alias of ['submitter', 'claimer']) {
    const r = soma(['-y', 'wallet', 'new', '--alias', alias, '--json'])
    expect(r.status, r.stderr).toBe(0)
    accounts[alias as 'submitter' | 'claimer'] = (JSON.parse(r.stdout) as { address: string }).address
  }
  const config = readClientConfig(clientConfigPath(dir))
  accounts.owner = config.activeAddress!
  // An env named `localnet`: the network rewrites its rpc to the port it gets.
  config.envs.push({ alias: 'localnet', rpc: 'http://127.0.0.1:9000', basic_auth: null })
  config.activeEnv = 'localnet'
  writeClientConfig(config, clientConfigPath(dir))
  net = await startLocalnetProcess(
    ['--network.config', dir, '--force-regenesis', '--small-model', '--fullnode-rpc-port', '0', '--admin-port', '0', '--scoring-port', '0', '--with-faucet=127.0.0.1:0'],
    60_000,
  )
  // The scoring service and the blob store of this network (their default ports are taken by nothing here).
  env = { ...env, SOMA_SCORING_URL: net.ready.scoring!.replace('0.0.0.0', '127.0.0.1'), SOMA_BLOB_STORE_URL: net.ready.blobStore }
}, 120_000)

afterAll(async () => {
  if (net && net.child.exitCode === null) {
    net.child.kill('SIGTERM')
    await net.exited
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('soma model and target: the seed guides as CLI processes', () => {
  let modelA = ''
  let modelB = ''
  let keyA = ''
  let keyB = ''
  let weightsUrlA = ''
  let checksumA = ''
  let sizeA = 0

  it("refuses the seed's obsolete commit flags, naming the flags to use, before touching anything", () => {
    const seedCommit = [
      'model',
      'commit',
      `0x${'1'.repeat(64)}`,
      '--weights-url-commitment',
      'ab'.repeat(32),
      '--weights-commitment',
      'cd'.repeat(32),
      '--stake-amount',
      '1',
      '--commission-rate',
      '100',
      '--staking-pool-id',
      `0x${'2'.repeat(64)}`,
    ]
    const e = jsonError(seedCommit)
    expect(e.code).toBe('SOMA_INVALID_ARGUMENT')
    expect(e.message).toMatch(/--weights-url-commitment and --staking-pool-id are not part of the current protocol/)
    expect(e.message).toMatch(/--weights-url <url>/)
    expect(e.message).toMatch(/soma model create --stake-amount --commission-rate/)
    expect(e.hint).toMatch(/--weights-file .* --weights-url .* --decryption-key .* --embedding/)
    const update = jsonError(['model', 'update-commit', `0x${'1'.repeat(64)}`, '--weights-url-commitment', 'ab'.repeat(32), '--weights-commitment', 'cd'.repeat(32)])
    expect(update.message).toMatch(/--weights-url-commitment is not part of the current protocol/)
    // Text mode: the same words on stderr, exit 1, no stack.
    const text = soma(seedCommit)
    expect(text.status).toBe(1)
    expect(text.stderr).toMatch(/^error: --weights-url-commitment and --staking-pool-id are not part of the current protocol\./)
    expect(text.stderr).not.toMatch(/\n\s+at /)
    expect(jsonError(['model', 'set-commission-rate', `0x${'1'.repeat(64)}`, '--commission-rate', '10001']).hint).toBe(
      'Commission rates are in basis points. Use 500 for 5%.',
    )
  })

  it('registers a model command by command: encrypt, upload, commit, info shows it committed', async () => {
    as('owner')
    const encrypted = join(dir, 'model-a.enc')
    const enc = json<{ decryptionKey: string; checksum: string; size: number }>([
      'weights',
      'encrypt',
      '--input',
      join(GOLDENS, 'model-22.safetensors'),
      '--output',
      encrypted,
    ])
    keyA = enc.decryptionKey
    // "Upload the encrypted weights to storage": here the local network's blob store.
    weightsUrlA = `${net.ready.blobStore}/blobs/models/a/weights.enc`
    const put = await fetch(weightsUrlA, { method: 'PUT', body: readFileSync(encrypted) })
    expect(put.status).toBe(201)
    checksumA = enc.checksum
    sizeA = enc.size

    // The seed's commit creates the model (stake, commission) and commits in one go.
    const committed = json<{ model_id: string; create: Tx; inner: Tx; next_epoch_hint: string }>([
      'model',
      'commit',
      '--commission-rate',
      '500',
      '--stake-amount',
      '1',
      '--weights-file',
      encrypted,
      '--weights-url',
      weightsUrlA,
      '--decryption-key',
      keyA,
      '--embedding',
      csv(EMBEDDING_A),
    ])
    expect(committed.create.status).toBe('Success')
    expect(committed.inner.status).toBe('Success')
    expect(committed.next_epoch_hint).toMatch(/^Next epoch in /)
    modelA = committed.model_id
    expect(modelA).toMatch(/^0x[0-9a-f]{64}$/)

    const info = json<{ model_id: string; status: string; summary: Record<string, unknown> }>(['model', 'info', modelA])
    expect(info).toMatchObject({ model_id: modelA, status: 'Pending', summary: { owner: accounts.owner, commission_rate: 500, stake_balance: 1_000_000_000, has_pending_update: false } })
    const text = soma(['model', 'info', modelA])
    expect(text.stdout).toMatch(/Model Information/)
    expect(text.stdout).toMatch(/Status\s+│ Pending/)
    expect(text.stdout).toMatch(/Commission Rate\s+│ 5\.00%/)
  })

  it('publishes a second model in one step: encrypt, upload to the blob store, commit; the key is printed for the reveal', () => {
    const created = json<{ model_id: string; inner: Tx }>(['model', 'create', '--commission-rate', '300'])
    expect(created.inner.status).toBe('Success')
    modelB = created.model_id
    const published = json<{ model_id: string; weights_url: string; weights_checksum: string; weights_size: number; decryption_key: string; digest: string }>([
      'model',
      'publish',
      modelB,
      '--weights-file',
      join(GOLDENS, 'model-21.safetensors'),
      '--embedding',
      csv(EMBEDDING_B),
    ])
    expect(published.model_id).toBe(modelB)
    expect(published.weights_url.startsWith(`${net.ready.blobStore}/blobs/`)).toBe(true)
    expect(published.weights_size).toBe(readFileSync(join(GOLDENS, 'model-21.safetensors')).length)
    expect(published.decryption_key).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/)
    keyB = published.decryption_key
    expect(json<{ status: string }>(['model', 'info', modelB]).status).toBe('Pending')
  })

  it('reveals both in the next epoch (the seed flags checked against the commit); info shows them active', () => {
    // Too early: the chain refuses a reveal in the commit epoch, with its error name.
    const early = jsonError(['model', 'reveal', modelA, '--decryption-key', keyA, '--embedding', csv(EMBEDDING_A)])
    expect(early.code).toBe('SOMA_TRANSACTION_FAILED')
    expect(early.message).toMatch(/ModelRevealEpochMismatch/)
    advanceEpoch()
    // The seed's reveal passes URL, checksum and size: a size that differs from the commit is caught before sending.
    const wrong = jsonError([
      'model',
      'reveal',
      modelA,
      '--weights-url',
      weightsUrlA,
      '--weights-checksum',
      checksumA,
      '--weights-size',
      String(sizeA + 1),
      '--decryption-key',
      keyA,
      '--embedding',
      csv(EMBEDDING_A),
    ])
    expect(wrong.message).toMatch(/does not match the commit: --weights-size \(committed: \d+\)/)
    const revealed = json<{ model_id: string; inner: Tx }>([
      'model',
      'reveal',
      modelA,
      '--weights-url',
      weightsUrlA,
      '--weights-checksum',
      checksumA,
      '--weights-size',
      String(sizeA),
      '--decryption-key',
      keyA,
      '--embedding',
      csv(EMBEDDING_A),
    ])
    expect(revealed).toMatchObject({ model_id: modelA, inner: { status: 'Success' } })
    expect(json<{ inner: Tx }>(['model', 'reveal', modelB, '--decryption-key', keyB, '--embedding', csv(EMBEDDING_B)]).inner.status).toBe('Success')
    expect(json<{ status: string }>(['model', 'info', modelA]).status).toBe('Active')
    expect(json<{ status: string }>(['model', 'info', modelB]).status).toBe('Active')
    expect(soma(['model', 'info', modelA]).stdout).toMatch(/Status\s+│ Active/)
    // The encrypted weights come back from the manifest URL, byte for byte.
    const out = join(dir, 'model-a.download')
    expect(json<{ model_id: string; size_bytes: number }>(['model', 'download', modelA, '--output', out])).toMatchObject({ model_id: modelA, size_bytes: sizeA })
    expect(readFileSync(out).equals(readFileSync(join(dir, 'model-a.enc')))).toBe(true)
  })

  let targetId = ''
  let fillEpoch = 0
  let submitTx: Tx | undefined

  it('targets appear with the models; the data is scored and submitted (uploaded to the blob store, scored on the service)', () => {
    // Targets are generated at the boundary, from the active models.
    const epoch = advanceEpoch()
    const { targets } = json<{ targets: { target_id: string; status: string; model_count: number; reward_pool: number; distance_threshold: number; generation_epoch: number }[] }>([
      'target',
      'list',
    ])
    expect(targets.length).toBeGreaterThan(0)
    for (const t of targets) expect(t).toMatchObject({ status: 'open', model_count: 2, generation_epoch: epoch })
    const dataFile = join(GOLDENS, 'e1024.bin')
    // Score against the first target on this machine: the data's embedding is the same for every
    // target (same models), so it tells which targets are within reach.
    const local = json<{ embedding: number[]; model_ids: string[]; winning_model_id: string; distance_score: number }>([
      'target',
      'score',
      targets[0]!.target_id,
      '--data-file',
      dataFile,
      '--local',
    ])
    expect(local.model_ids.sort()).toEqual([modelA, modelB].sort())
    const near = targets.find((t) => {
      const info = json<{ target: { embedding: { bytes: number[] } } }>(['target', 'info', t.target_id])
      const view = new DataView(new Uint8Array(info.target.embedding.bytes).buffer)
      const e = Array.from({ length: 16 }, (_, i) => view.getFloat32(i * 4, true))
      const dot = e.reduce((a, v, i) => a + v * local.embedding[i]!, 0)
      const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0))
      return 1 - dot / (norm(e) * norm(local.embedding)) < t.distance_threshold - 0.01
    })
    expect(near, 'a target within reach of the data').toBeDefined()
    targetId = near!.target_id
    fillEpoch = epoch

    as('submitter')
    const submitted = json<Tx & { data_url: string; score: { winning_model_id: string; distance_score: number; distance_threshold: number }; claim_epoch_hint: string }>([
      'target',
      'submit',
      '--target-id',
      targetId,
      '--data-file',
      dataFile,
    ])
    expect(submitted.status).toBe('Success')
    expect(submitted.data_url.startsWith(`${net.ready.blobStore}/blobs/data/`)).toBe(true)
    expect(submitted.score.winning_model_id).toBe(local.winning_model_id)
    expect(submitted.score.distance_score).toBeLessThanOrEqual(submitted.score.distance_threshold)
    expect(submitted.claim_epoch_hint).toMatch(/^Claiming available in /)
    submitTx = submitted
    const info = json<{ target: { status: unknown; submitter: string; bond_amount: number } }>(['target', 'info', targetId])
    expect(info.target.status).toEqual({ Filled: { fill_epoch: fillEpoch } })
    expect(info.target.submitter).toBe(accounts.submitter)
    // The data is back from the node's /data route, byte for byte.
    const out = join(dir, 'downloaded.data')
    expect(json<{ size_bytes: number }>(['target', 'download', targetId, '--output', out]).size_bytes).toBe(1024)
    expect(readFileSync(out).equals(readFileSync(dataFile))).toBe(true)
  })

  it("updates a model's weights in the two epochs before the claim (update-commit, update-reveal)", async () => {
    as('owner')
    const v2 = join(dir, 'model-a-v2.enc')
    const enc = json<{ decryptionKey: string }>(['weights', 'encrypt', '--input', join(GOLDENS, 'model-21.safetensors'), '--output', v2])
    const url = `${net.ready.blobStore}/blobs/models/a/weights-v2.enc`
    expect((await fetch(url, { method: 'PUT', body: readFileSync(v2) })).status).toBe(201)
    const committed = json<{ inner: Tx }>(['model', 'update-commit', modelA, '--weights-file', v2, '--weights-url', url, '--decryption-key', enc.decryptionKey, '--embedding', csv(EMBEDDING_A)])
    expect(committed.inner.status).toBe('Success')
    expect(json<{ summary: { has_pending_update: boolean } }>(['model', 'info', modelA]).summary.has_pending_update).toBe(true)
    // The claim is refused while the audit window is open.
    as('claimer')
    expect(jsonError(['target', 'claim', targetId]).message).toMatch(/AuditWindowOpen/)
    as('owner')
    advanceEpoch()
    const revealed = json<{ inner: Tx }>(['model', 'update-reveal', modelA, '--decryption-key', enc.decryptionKey, '--embedding', csv(EMBEDDING_A)])
    expect(revealed.inner.status).toBe('Success')
    expect(json<{ summary: { has_pending_update: boolean } }>(['model', 'info', modelA]).summary.has_pending_update).toBe(false)
    advanceEpoch()
  })

  it('claims: the reward splits 49.75 / 49.75 / 0.5 with the remainder and the bond to the submitter, to the shannon', () => {
    const before = json<{ target: { reward_pool: number; bond_amount: number; winning_model_owner: string } }>(['target', 'info', targetId]).target
    const reward = BigInt(before.reward_pool)
    const bond = BigInt(before.bond_amount)
    expect(reward).toBeGreaterThan(0n)
    expect(bond).toBe(1024n * 65n) // submission_bond_per_byte × size (protocol.md §9: 1024 bytes → 66_560)
    expect(before.winning_model_owner).toBe(accounts.owner)
    // The rule (protocol.md §5.5, §9), computed here independently of the chain.
    const bps = (x: bigint, b: bigint) => (x * b) / 10_000n
    const submitterShare = bps(reward, 4975n)
    const ownerShare = bps(reward, 4975n)
    const claimerShare = bps(reward, 50n)
    const remainder = reward - submitterShare - ownerShare - claimerShare

    as('claimer')
    const claimed = json<Tx>(['target', 'claim', targetId])
    expect(claimed.status).toBe('Success')
    expect(change(claimed, accounts.submitter)).toBe(submitterShare + remainder + bond)
    expect(change(claimed, accounts.owner)).toBe(ownerShare)
    expect(change(claimed, accounts.claimer)).toBe(claimerShare - BigInt(claimed.fee.total_fee))
    expect(jsonError(['target', 'info', targetId]).code).toMatch(/^SOMA_/)
    expect(submitTx?.status).toBe('Success')
  })

  it('sets the commission, stakes on the model, deactivates it, and lists the models', () => {
    as('owner')
    expect(json<Tx>(['model', 'set-commission-rate', modelA, '--commission-rate', '800']).status).toBe('Success')
    const stakeBefore = json<{ summary: { stake_balance: number } }>(['model', 'info', modelA]).summary.stake_balance
    as('claimer')
    const staked = json<Tx>(['stake', '--model', modelA, '--amount', '0.5'])
    expect(staked.status).toBe('Success')
    as('owner')
    advanceEpoch()
    const info = json<{ summary: { stake_balance: number; commission_rate: number } }>(['model', 'info', modelA]).summary
    expect(info.commission_rate).toBe(800)
    expect(BigInt(info.stake_balance)).toBe(BigInt(stakeBefore) + 500_000_000n)
    expect(json<Tx>(['model', 'deactivate', modelA]).status).toBe('Success')
    const { models } = json<{ models: { model_id: string; status: string; owner: string }[] }>(['model', 'list'])
    expect(models.find((m) => m.model_id === modelA)).toMatchObject({ status: 'Inactive', owner: accounts.owner })
    expect(models.find((m) => m.model_id === modelB)).toMatchObject({ status: 'Active', owner: accounts.owner })
    expect(soma(['model', 'list']).stdout).toMatch(/Models \(2 registered\)/)
    // The digest of a transaction that is not executed, as the reference prints it.
    const digest = json<{ model_id: string; inner: string }>(['model', 'create', '--commission-rate', '100', '--tx-digest'])
    expect(digest.model_id).toBe(`0x${'0'.repeat(64)}`)
    expect(digest.inner).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/)
  })
})
