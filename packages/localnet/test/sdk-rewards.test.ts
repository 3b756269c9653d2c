/**
 * The data journey through the SDK client on a local network, with real parts only: a real small
 * model published from its weights file to the blob store, revealed, assigned to targets; real data
 * scored on the network's scoring service and on this machine's engine; a submission, the audit
 * window, and the claim, whose payouts are checked to the shannon against the protocol's rule
 * (protocol.md §5.5 ClaimRewards, §9) computed here from the target's reward pool.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { DownloadFailedError, Ed25519Keypair, InvalidKeyError } from '@soma-ts/sdk'
import type { Target } from '@soma-ts/sdk/actions'
import { decryptWeights } from '@soma-ts/sdk/native'
import { SECRET_KEY_VARIABLE, signerFromEnv } from '@soma-ts/sdk/node'
import { BlobStoreStorage, type UploadOptions, type UploadResult, type UploadSource } from '@soma-ts/sdk/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSdkNetwork, type SdkNetwork } from './sdk-helpers.js'

const goldens = fileURLToPath(new URL('../../../fixtures/goldens/', import.meta.url))
const expected = JSON.parse(readFileSync(join(goldens, 'expected.json'), 'utf8')) as {
  cases: { name: string; data: string; seed: number; models: string[]; losses: number[]; embeddings: number[][] }[]
}
// e1024.bin scored by model-22 with seed 7: one model, so winner 0 and its loss and embedding.
const golden = expected.cases.find((c) => c.name === 'e1024')!
const weightsFile = join(goldens, golden.models[0]!)
const data = new Uint8Array(readFileSync(join(goldens, golden.data)))

// The protocol's rule (protocol.md §1, §5.5), stated here rather than read from the chain.
const BPS = 10_000n
const SUBMITTER_SHARE_BPS = 4975n
const MODEL_SHARE_BPS = 4975n
const CLAIMER_INCENTIVE_BPS = 50n
const BOND_PER_BYTE = 65n
const bpsMul = (amount: bigint, bps: bigint) => (amount * bps) / BPS

function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
  }
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb))
}

/** A blob store whose URLs percent-encode the key's slashes: the store itself refuses them
 * (400), the node's `/model` and `/data` routes decode them, so only the fallback delivers. */
class EncodedKeyBlobStore extends BlobStoreStorage {
  override async upload(source: UploadSource, options: UploadOptions): Promise<UploadResult> {
    const result = await super.upload(source, options)
    const at = result.url.indexOf('/blobs/') + '/blobs/'.length
    return { ...result, url: result.url.slice(0, at) + result.url.slice(at).replaceAll('/', '%2F') }
  }
}

let sdk: SdkNetwork
let work: string
beforeAll(async () => {
  sdk = await startSdkNetwork({ smallModel: true, scoring: { host: '127.0.0.1', port: 0 } })
  work = mkdtempSync(join(tmpdir(), 'soma-rewards-'))
}, 60_000)
afterAll(async () => {
  await sdk?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('SomaClient data journey on a local network', () => {
  it('publishes, reveals, scores (service and local), submits, claims; the split is exact', async () => {
    const { client } = sdk
    const owner = await sdk.fundedSigner(3)
    const submitter = await sdk.fundedSigner(2)
    const claimer = await sdk.fundedSigner()
    const modelEmbedding = golden.embeddings[0]!

    // One call from the weights file to a committed model, uploaded to the local blob store.
    const phases = new Set<string>()
    const published = await client.publishModel({
      signer: owner,
      weightsFile,
      embedding: modelEmbedding,
      commissionRate: 1000,
      stakeAmount: '1',
      onProgress: (p) => phases.add(p.phase),
    })
    expect(phases).toEqual(new Set(['encrypt', 'upload']))
    expect(published.url.startsWith(`${sdk.net.urls.blobStore}/blobs/models/`)).toBe(true)
    expect(published.size).toBe(readFileSync(weightsFile).length)
    expect((await client.getModel({ modelId: published.modelId })).status).toBe('pending')
    // Before the reveal the manifest has no key, and the bytes on the store are ciphertext.
    const [pending] = await client.getModelManifests({ models: [published.modelId] })
    expect(pending).toMatchObject({ url: published.url, checksum: published.checksum, size: BigInt(published.size), decryptionKey: undefined })
    const encrypted = await client.fetchModel({ modelId: published.modelId })
    expect(Buffer.from(encrypted).equals(readFileSync(weightsFile))).toBe(false)
    expect(Buffer.from(decryptWeights(encrypted, published.decryptionKey)).equals(readFileSync(weightsFile))).toBe(true)

    await client.advanceEpoch()
    await client.revealModel({ signer: owner, modelId: published.modelId, decryptionKey: published.decryptionKey, embedding: modelEmbedding })
    expect((await client.getModel({ modelId: published.modelId })).status).toBe('active')
    // Targets are generated at an epoch boundary from the active models.
    expect(await client.getTargets({ status: 'open' })).toHaveLength(0)
    const epoch = await client.advanceEpoch()
    const firstPage = await client.listTargets({ status: 'open', limit: 10 })
    expect(firstPage.targets).toHaveLength(10)
    expect(firstPage.nextPageToken).toBeDefined()
    const open = await client.getTargets({ status: 'open', epoch, limit: 1000 })
    expect(open.length).toBeGreaterThan(10)
    for (const t of open) {
      expect(t.modelIds).toEqual([published.modelId])
      expect(t.generationEpoch).toBe(epoch)
      expect(t.embedding).toHaveLength(16)
    }

    // The data goes to the blob store, where the scoring service (and validators) fetch it.
    const dataUrl = (await new BlobStoreStorage({ url: sdk.net.urls.blobStore }).upload(data, { key: 'data/e1024.bin' })).url
    const manifests = await client.getModelManifests({ models: open[0]! })
    expect(manifests).toEqual([{ modelId: published.modelId, url: published.url, checksum: published.checksum, size: BigInt(published.size), decryptionKey: published.decryptionKey }])
    const onService = await client.score({ dataUrl, data, models: manifests, targetEmbedding: open[0]!.embedding, seed: golden.seed })
    const progress: string[] = []
    const onThisMachine = await client.score({
      dataUrl,
      data,
      models: manifests,
      targetEmbedding: open[0]!.embedding,
      seed: golden.seed,
      local: true,
      onProgress: (p) => progress.push(p.phase),
    })
    expect(onThisMachine).toEqual(onService)
    expect(progress).toContain('download')
    expect(progress).toContain('score')
    // And both agree with the repository's goldens for this data, model and seed.
    expect(onService.winner).toBe(0)
    expect(onService.lossScore).toHaveLength(1)
    expect(onService.distance).toHaveLength(1)
    expect(onService.lossScore[0]!).toBeCloseTo(golden.losses[0]!, 3)
    onService.embedding.forEach((x, i) => expect(x).toBeCloseTo(modelEmbedding[i]!, 3))
    expect(onService.distance[0]!).toBeCloseTo(cosineDistance(onService.embedding, open[0]!.embedding), 5)

    // Submit against the two targets nearest to the data's embedding (each scored against its own target).
    const [target, second] = [...open].sort((a, b) => cosineDistance(onService.embedding, a.embedding) - cosineDistance(onService.embedding, b.embedding)) as [Target, Target]
    const scored = await client.score({ dataUrl, data, models: manifests, targetEmbedding: target.embedding, seed: golden.seed })
    expect(scored.distance[0]!).toBeLessThanOrEqual(target.distanceThreshold)
    const before = {
      owner: await client.getBalance({ address: owner.toSomaAddress() }),
      submitter: await client.getBalance({ address: submitter.toSomaAddress() }),
    }
    const submitted = await client.submitData({
      signer: submitter,
      targetId: target.id,
      data,
      dataUrl,
      modelId: target.modelIds[scored.winner]!,
      embedding: scored.embedding,
      distanceScore: scored.distance[0]!,
      lossScore: scored.lossScore,
    })
    const bond = BOND_PER_BYTE * BigInt(data.length)
    expect(before.submitter - (await client.getBalance({ address: submitter.toSomaAddress() }))).toBe(bond + submitted.effects.fee!.totalFee!)
    const filled = await client.getTarget({ targetId: target.id })
    expect(filled).toMatchObject({ status: 'filled', fillEpoch: epoch, bondAmount: bond, submitter: submitter.toSomaAddress(), winningModelId: published.modelId, winningModelOwner: owner.toSomaAddress(), dataUrl })
    expect(Buffer.from(await client.fetchSubmissionData({ targetId: target.id })).equals(Buffer.from(data))).toBe(true)
    const afterSubmit = await client.getBalance({ address: submitter.toSomaAddress() })

    // A second submission whose URL only the node's /data route can serve: the fallback.
    const encodedUrl = dataUrl.replace('/blobs/data/', '/blobs/data%2F')
    await expect(fetch(encodedUrl).then((r) => r.status)).resolves.toBe(400)
    const scoredSecond = await client.score({ dataUrl, data, models: manifests, targetEmbedding: second.embedding, seed: golden.seed })
    expect(scoredSecond.distance[0]!).toBeLessThanOrEqual(second.distanceThreshold)
    await client.submitData({
      signer: submitter,
      targetId: second.id,
      data,
      dataUrl: encodedUrl,
      modelId: published.modelId,
      embedding: scoredSecond.embedding,
      distanceScore: scoredSecond.distance[0]!,
      lossScore: scoredSecond.lossScore,
    })
    expect(Buffer.from(await client.fetchSubmissionData({ targetId: second.id })).equals(Buffer.from(data))).toBe(true)
    const afterSecond = await client.getBalance({ address: submitter.toSomaAddress() })

    // The claim opens two epochs after the fill (the audit window is the epoch between).
    await client.advanceEpoch()
    const early = await client.claimRewards({ signer: claimer, targetId: target.id }).catch((e: unknown) => e)
    expect(early).toMatchObject({ errorName: 'AuditWindowOpen' })
    await client.advanceEpoch()
    const claimable = await client.getTargets({ status: 'claimable', submitter: submitter.toSomaAddress() })
    expect(claimable.map((t) => t.id).sort()).toEqual([target.id, second.id].sort())

    const claimerBefore = await client.getBalance({ address: claimer.toSomaAddress() })
    const claimed = await client.claimRewards({ signer: claimer, targetId: target.id })
    const reward = target.rewardPool
    expect(reward).toBeGreaterThan(0n)
    const modelShare = bpsMul(reward, MODEL_SHARE_BPS)
    const claimerShare = bpsMul(reward, CLAIMER_INCENTIVE_BPS)
    const submitterShare = bpsMul(reward, SUBMITTER_SHARE_BPS) + (reward - bpsMul(reward, SUBMITTER_SHARE_BPS) - modelShare - claimerShare)
    expect(submitterShare + modelShare + claimerShare).toBe(reward)
    expect((await client.getBalance({ address: submitter.toSomaAddress() })) - afterSecond).toBe(submitterShare + bond)
    expect((await client.getBalance({ address: owner.toSomaAddress() })) - before.owner).toBe(modelShare)
    expect((await client.getBalance({ address: claimer.toSomaAddress() })) - claimerBefore).toBe(claimerShare - claimed.effects.fee!.totalFee!)
    // Three reward coins and the bond refund, as separate coins.
    expect(claimed.created.filter((c) => c.objectType === 'Coin')).toHaveLength(4)
    expect(afterSubmit).toBeGreaterThan(afterSecond)
    // A claimed target is deleted: a second claim fails on chain.
    await expect(client.claimRewards({ signer: claimer, targetId: target.id })).rejects.toThrow()
  }, 240_000)

  it('fetchModel falls back to the node /model route when the manifest URL does not serve', async () => {
    const { client } = sdk
    const owner = await sdk.fundedSigner(3)
    const published = await client.publishModel({
      signer: owner,
      weightsFile,
      embedding: golden.embeddings[0]!,
      commissionRate: 0,
      storage: new EncodedKeyBlobStore({ url: sdk.net.urls.blobStore }),
    })
    expect(published.url).toContain('%2F')
    await expect(fetch(published.url).then((r) => r.status)).resolves.toBe(400)
    const encrypted = await client.fetchModel({ modelId: published.modelId })
    expect(Buffer.from(decryptWeights(encrypted, published.decryptionKey)).equals(readFileSync(weightsFile))).toBe(true)
    // An unknown model: no manifest, and the node's route answers 404.
    await expect(client.fetchModel({ modelId: `0x${'ab'.repeat(32)}` })).rejects.toBeInstanceOf(DownloadFailedError)
  }, 120_000)
})

describe('signerFromEnv', () => {
  // A published ed25519 vector for m/44'/784'/0'/0'/0' (the Sui/SOMA derivation).
  const MNEMONIC = 'film crazy soon outside stand loop subway crumble thrive popular green nuclear struggle pistol arm wife phrase warfare march wheat nephew ask sunny firm'
  const MNEMONIC_ADDRESS = '0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133'

  it('reads SOMA_SECRET_KEY as somaprivkey or mnemonic; .env never overrides the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soma-env-'))
    try {
      const key = Ed25519Keypair.generate()
      const fromKey = signerFromEnv({ env: { [SECRET_KEY_VARIABLE]: key.toBech32() }, dotEnvDir: false })
      expect(fromKey?.signer.toSomaAddress()).toBe(key.toSomaAddress())
      expect(fromKey?.source).toBe('environment')
      const fromMnemonic = signerFromEnv({ env: { [SECRET_KEY_VARIABLE]: `  ${MNEMONIC}\n` }, dotEnvDir: false })
      expect(fromMnemonic?.signer.toSomaAddress()).toBe(MNEMONIC_ADDRESS)

      // .env is read when the environment has no key, and ignored when it has one.
      const other = Ed25519Keypair.generate()
      writeFileSync(join(dir, '.env'), `# wallet\n${SECRET_KEY_VARIABLE}="${other.toBech32()}"\n`)
      const fromFile = signerFromEnv({ env: {}, dotEnvDir: dir })
      expect(fromFile?.signer.toSomaAddress()).toBe(other.toSomaAddress())
      expect(fromFile?.source).toBe(join(dir, '.env'))
      const envWins = signerFromEnv({ env: { [SECRET_KEY_VARIABLE]: MNEMONIC }, dotEnvDir: dir })
      expect(envWins?.signer.toSomaAddress()).toBe(MNEMONIC_ADDRESS)
      expect(envWins?.source).toBe('environment')
      expect(signerFromEnv({ env: {}, dotEnvDir: false })).toBeUndefined()

      // A malformed value is a typed error that never repeats it.
      const secretish = 'somaprivkey1notreallyakeybutsecretlooking'
      const err = (() => {
        try {
          signerFromEnv({ env: { [SECRET_KEY_VARIABLE]: secretish }, dotEnvDir: false })
        } catch (e) {
          return e
        }
      })()
      expect(err).toBeInstanceOf(InvalidKeyError)
      expect(JSON.stringify({ message: (err as Error).message, details: (err as InvalidKeyError).details })).not.toContain('notreallyakey')

      // The signer from the environment signs for real on the local network.
      const funded = signerFromEnv({ env: { [SECRET_KEY_VARIABLE]: MNEMONIC }, dotEnvDir: false })!.signer
      await sdk.client.requestFaucet({ address: funded.toSomaAddress() })
      const recipient = Ed25519Keypair.generate().toSomaAddress()
      await sdk.client.transferCoin({ signer: funded, recipient, amount: '0.25' })
      expect(await sdk.client.getBalance({ address: recipient })).toBe(250_000_000n)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
