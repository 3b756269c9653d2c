/**
 * The role guides in docs/ run as written: each guide's TypeScript blocks, joined in order into
 * one module (imports first), are run against a started local network from the repository root.
 * One change is made: the guides' `chain: 'localnet'` preset (fixed ports 9000…) becomes this
 * test's free-port URLs. `SOMA_BLOB_STORE_URL` and `SOMA_CONFIG_DIR` are set as the guides tell
 * a user to. The shell blocks are not run here (the CLI has its own process tests).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { bcsTypes, decodeBcs, type Ed25519Keypair } from '@soma-ts/sdk'
import { FileKeystore, defaultKeystorePath } from '@soma-ts/sdk/node'
import { BlobStoreStorage } from '@soma-ts/sdk/storage'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import { startSdkNetwork, type SdkNetwork } from './sdk-helpers.js'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
// Inside the package, so that the module resolves @soma-ts/* as a user's project would.
const runDir = fileURLToPath(new URL('../.guides-run/', import.meta.url))
const CLIENT_PRESET = "chain: 'localnet'"

/** The guide's ```ts blocks as one module: every import line first (deduplicated), then the code. */
function guideModule(markdown: string): string {
  const blocks = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
  const imports = new Set<string>()
  const body: string[] = []
  for (const block of blocks) {
    for (const line of block.split('\n')) (line.startsWith('import ') ? imports.add(line) : body.push(line))
  }
  return [...imports, '', ...body].join('\n')
}

let sdk: SdkNetwork
const saved = { cwd: process.cwd(), blob: process.env.SOMA_BLOB_STORE_URL, config: process.env.SOMA_CONFIG_DIR }

/** Runs a guide; returns what it printed, one string per console.log call. */
async function runGuide(name: string): Promise<string[]> {
  const source = guideModule(readFileSync(join(repoRoot, 'docs', name), 'utf8'))
  expect(source.split(CLIENT_PRESET).length - 1, `${name}: one client, on the localnet preset`).toBe(1)
  const { urls } = sdk.net
  const explicit = `...${JSON.stringify({ rpcUrl: urls.rpc, faucetUrl: urls.faucet, adminUrl: urls.admin, scoringUrl: urls.scoring })}`
  const file = join(runDir, name.replace(/\.md$/, '.ts'))
  writeFileSync(file, source.replace(CLIENT_PRESET, explicit))
  const printed: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map((a) => (typeof a === 'string' ? a : String(a))).join(' '))
  })
  process.chdir(repoRoot)
  try {
    await import(`${pathToFileURL(file).href}?run=${Date.now()}`)
  } finally {
    process.chdir(saved.cwd)
    log.mockRestore()
  }
  return printed
}

beforeAll(async () => {
  sdk = await startSdkNetwork({ smallModel: true, committeeSize: 4, scoring: { host: '127.0.0.1', port: 0 } })
  mkdirSync(runDir, { recursive: true })
  process.env.SOMA_BLOB_STORE_URL = sdk.net.urls.blobStore
  process.env.SOMA_CONFIG_DIR = sdk.net.configDir
}, 60_000)
afterAll(async () => {
  for (const [key, value] of [['SOMA_BLOB_STORE_URL', saved.blob], ['SOMA_CONFIG_DIR', saved.config]] as const) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  rmSync(runDir, { recursive: true, force: true })
  await sdk?.stop()
})

describe('docs/ guides run as written against a local network', () => {
  it('train-models.md: publish, reveal, update, commission, stake, deactivate', async () => {
    const out = await runGuide('train-models.md')
    const modelLine = out.find((l) => l.startsWith('model 0x'))
    expect(modelLine).toMatch(/^model (0x[0-9a-f]{64}) at http:\/\/127\.0\.0\.1:\d+\/blobs\/models\//)
    expect(out).toContain('pending')
    expect(out).toContain('active')
    const modelId = /^model (0x[0-9a-f]{64})/.exec(modelLine!)![1]!
    expect(out).toContain(`${sdk.net.urls.blobStore}/blobs/models/${modelId}/v2.enc`)
    expect((await sdk.client.getModel({ modelId })).status).toBe('inactive')
  }, 180_000)

  it('submit-data.md: targets, score (service and local agree), submit, claim', async () => {
    const out = await runGuide('submit-data.md')
    expect(out.find((l) => l.endsWith('open targets; more pages: false'))).toBeDefined()
    expect(out.find((l) => l.startsWith('distance '))).toMatch(/same locally: true$/)
    expect(out.find((l) => l.startsWith('submitted in '))).toMatch(/ filled$/)
    const received = /^received (\d+) shannons; fee (\d+)$/.exec(out.find((l) => l.startsWith('received ')) ?? '')
    expect(received).not.toBeNull()
    // Everything but 49.75 % for the model owner comes back to the claiming submitter, and the bond.
    expect(BigInt(received![1]!)).toBeGreaterThan(65n * 1024n)
  }, 240_000)

  it('run-a-validator.md: committee, key, commission, delegation, and the audit reports a false claim', async () => {
    // Give the audit something to check: two submissions in the epoch before the guide runs, one
    // honest and one whose claimed loss is made up (its distance is still under the threshold).
    const { client } = sdk
    const submitter: Ed25519Keypair = await sdk.fundedSigner(2)
    const data = new Uint8Array(readFileSync(join(repoRoot, 'fixtures/goldens/e1024.bin')))
    const dataUrl = (await new BlobStoreStorage({ url: sdk.net.urls.blobStore }).upload(data, { key: 'data/audit.bin' })).url
    const owner = await sdk.fundedSigner(2)
    const embedding = Array.from({ length: 16 }, (_, i) => Math.cos(i))
    const model = await client.publishModel({ signer: owner, weightsFile: join(repoRoot, 'fixtures/goldens/model-21.safetensors'), embedding, commissionRate: 0 })
    await client.advanceEpoch()
    await client.revealModel({ signer: owner, modelId: model.modelId, decryptionKey: model.decryptionKey, embedding })
    const epoch = await client.advanceEpoch()
    const open = await client.getTargets({ status: 'open', epoch, limit: 1000 })
    // The data's embedding does not depend on the target: score once, take the two nearest targets.
    const probe = await client.score({ dataUrl, data, models: await client.getModelManifests({ models: open[0]! }), targetEmbedding: open[0]!.embedding })
    const nearest = [...open].sort((x, y) => cosine(probe.embedding, x.embedding) - cosine(probe.embedding, y.embedding)).slice(0, 2)
    const fitting = await Promise.all(
      nearest.map(async (target) => ({ target, score: await client.score({ dataUrl, data, models: await client.getModelManifests({ models: target }), targetEmbedding: target.embedding }) })),
    )
    for (const { target, score } of fitting) expect(score.distance[0]!).toBeLessThanOrEqual(target.distanceThreshold)
    const [honest, dishonest] = fitting as [(typeof fitting)[0], (typeof fitting)[0]]
    for (const [{ target, score }, loss] of [[honest, score0(honest)], [dishonest, score0(dishonest) + 5]] as const) {
      await client.submitData({
        signer: submitter,
        targetId: target.id,
        data,
        dataUrl,
        modelId: target.modelIds[score.winner]!,
        embedding: score.embedding,
        distanceScore: score.distance[0]!,
        lossScore: [loss],
      })
    }
    await client.advanceEpoch()

    const out = await runGuide('run-a-validator.md')
    expect(out.filter((l) => / voting power \d+ commission \d+ bps$/.test(l))).toHaveLength(4)
    expect(out.find((l) => l.startsWith('validating as localnet-validator-0-'))).toBeDefined()
    expect(out.find((l) => l.startsWith('StakedSoma 0x'))).toBeDefined()
    expect(out).toContain(`audit ${honest.target.id} ok`)
    expect(out).toContain(`audit ${dishonest.target.id} report`)
    expect(out).toContain('audited 2 submission(s) of the previous epoch')
    // The report is on chain, from the validator the guide signed as.
    const validator = FileKeystore.load(defaultKeystorePath(sdk.net.configDir))
      .entries()
      .find((e) => e.alias.startsWith('localnet-validator-0-'))!.address
    const reported = decodeBcs(bcsTypes.Target, (await client.getObject({ objectId: dishonest.target.id })).contents!)
    expect([...reported.submissionReports].map(String)).toEqual([validator])
    const untouched = decodeBcs(bcsTypes.Target, (await client.getObject({ objectId: honest.target.id })).contents!)
    expect([...untouched.submissionReports]).toHaveLength(0)
  }, 300_000)
})

function cosine(a: readonly number[], b: readonly number[]): number {
  const dot = a.reduce((sum, x, i) => sum + x * b[i]!, 0)
  return 1 - dot / (Math.hypot(...a) * Math.hypot(...b))
}

function score0(s: { score: { lossScore: number[] } }): number {
  return s.score.lossScore[0]!
}
