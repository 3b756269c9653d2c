#!/usr/bin/env node
// The main job: a local network in this process, and the seeds' journeys walked through the SDK
// as a model trainer and a data submitter would, each step with its figures and the `soma`
// command that does the same from a shell:
//
//   faucet → publish a model (weights file → encrypt + upload to the blob store → commit)
//   → advance the epoch → reveal → advance (targets are generated at the boundary) → targets
//   → score data against a target (the network's scoring service) → submit → advance twice
//   → claim → balances, with the reward split checked to the shannon against the protocol's rule
//
// Everything lives in a fresh temporary directory (config, chain state, blob store), every
// server listens on 127.0.0.1 on a free port, and nothing prompts. If a step fails the demo says
// which and why and exits 1; the network is stopped and the directory removed either way.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const load = (path) => import(pathToFileURL(join(root, path)).href)
const sdk = await load('packages/sdk/dist/index.js')
const sdkNode = await load('packages/sdk/dist/node.js')
const { BlobStoreStorage } = await load('packages/sdk/dist/storage/index.js')
const { startLocalnet } = await load('packages/localnet/dist/index.js')

// The fixtures: a small-model weights file in the reference layout, sample data, and the
// embedding that model gives that data (fixtures/goldens/expected.json), used as the model's
// committed embedding.
const goldens = join(root, 'fixtures', 'goldens')
const goldenCase = JSON.parse(readFileSync(join(goldens, 'expected.json'), 'utf8')).cases.find((c) => c.name === 'e1024')
const weightsFile = join(goldens, goldenCase.models[0])
const dataFile = join(goldens, goldenCase.data)
const modelEmbedding = goldenCase.embeddings[0]

// The protocol's reward rule (protocol.md §1, §5.5 ClaimRewards, §9), stated here so that the
// chain's payout is checked against it rather than against itself.
const BPS = 10_000n
const SUBMITTER_SHARE_BPS = 4975n
const MODEL_SHARE_BPS = 4975n
const CLAIMER_INCENTIVE_BPS = 50n
const BOND_PER_BYTE = 65n
const bpsMul = (amount, bps) => (amount * bps) / BPS

const soma = (shannons) => `${sdk.formatSoma(shannons)} SOMA`
const short = (id) => `${id.slice(0, 10)}…${id.slice(-4)}`
const show = (label, value) => console.log(`  ${label.padEnd(24)} ${value}`)
const cli = (command) => console.log(`  \u21b3 soma ${command}`)
const vector = (values) => `[${Array.from(values.slice(0, 4), (x) => x.toFixed(3)).join(', ')}, …] (${values.length} values)`

class StepFailed extends Error {}

let stepNumber = 0
let currentStep = 'setting up'
async function step(title, run) {
  stepNumber += 1
  currentStep = `${stepNumber}. ${title}`
  console.log(`\n\u2500\u2500 ${currentStep} ${'\u2500'.repeat(Math.max(0, 70 - currentStep.length))}`)
  return run()
}

/** A check of the demo's own: failing it fails the step it is in. */
function check(ok, what) {
  if (!ok) throw new StepFailed(what)
}

function cosineDistance(a, b) {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i]
    na += a[i] * a[i]
    nb += b[i] * b[i]
  }
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb))
}

const work = mkdtempSync(join(tmpdir(), 'soma-demo-'))
let net
let client
let finished = false

async function cleanUp() {
  client?.close()
  await net?.stop().catch(() => undefined)
  rmSync(work, { recursive: true, force: true })
}

// A step that hangs is a failure too; the network calls have their own timeouts, this is the backstop.
const watchdog = setTimeout(async () => {
  console.error(`demo: step "${currentStep}" did not finish within 10 minutes`)
  await cleanUp()
  process.exit(1)
}, 600_000)
watchdog.unref()

try {
  await step('start a local network (small model, fresh config directory, free ports)', async () => {
    net = await startLocalnet({
      configDir: join(work, 'config'),
      forceRegenesis: true,
      smallModel: true,
      rpcHost: '127.0.0.1',
      rpcPort: 0,
      faucet: { host: '127.0.0.1', port: 0 },
      adminPort: 0,
      blobStorePort: 0,
      scoring: { host: '127.0.0.1', port: 0 },
    })
    client = sdkNode.createSomaClient({
      rpcUrl: net.urls.rpc,
      faucetUrl: net.urls.faucet,
      adminUrl: net.urls.admin,
      scoringUrl: net.urls.scoring,
      blobStoreUrl: net.urls.blobStore,
    })
    const info = await client.getChainInfo()
    const params = await client.getNetworkParameters()
    show('fullnode', net.urls.rpc)
    show('faucet / admin', `${net.urls.faucet} / ${net.urls.admin}`)
    show('scoring service', net.urls.scoring)
    show('blob store', net.urls.blobStore)
    show('chain id', info.chainId)
    show('protocol version', String(params.protocolVersion))
    show('embedding dimension', `${params.embeddingDim} (the small model)`)
    cli('start localnet --force-regenesis --small-model')
  })

  const trainer = sdk.Ed25519Keypair.generate()
  const submitter = sdk.Ed25519Keypair.generate()
  const claimer = sdk.Ed25519Keypair.generate()
  const address = (who) => who.toSomaAddress()
  const balance = (who) => client.getBalance({ address: address(who) })

  await step('faucet: fund a model trainer, a data submitter and a claimer', async () => {
    for (const [name, who, requests] of [['trainer', trainer, 3], ['submitter', submitter, 1], ['claimer', claimer, 1]]) {
      for (let i = 0; i < requests; i++) await client.requestFaucet({ address: address(who) })
      show(name, `${address(who)}  ${soma(await balance(who))}`)
    }
    cli('faucet --address <ADDRESS>')
  })

  const published = await step('publish a model: encrypt the weights, upload them to the blob store, commit', async () => {
    let uploaded = 0
    const result = await client.publishModel({
      signer: trainer,
      weightsFile,
      embedding: modelEmbedding,
      commissionRate: 1000,
      stakeAmount: '1',
      onProgress: (p) => {
        if (p.phase === 'upload') uploaded = p.transferred
      },
    })
    const model = await client.getModel({ modelId: result.modelId })
    check(model.status === 'pending', `the model is ${model.status}, expected pending after the commit`)
    show('weights file', `${relative(root, weightsFile)} (${result.size} bytes, plain safetensors)`)
    show('uploaded', `${uploaded} encrypted bytes to ${result.url}`)
    show('checksum', result.checksum)
    show('model id', `${result.modelId} (${model.status})`)
    show('stake / commission', `${soma(model.stake)} / ${model.commissionRate} bps`)
    show('decryption key', 'kept on this machine until the reveal')
    cli('model create --stake-amount 1 --commission-rate 1000')
    cli('model publish <MODEL_ID> --weights-file weights.safetensors --embedding "…"')
    return result
  })

  await step('advance the epoch (the reveal is due in the epoch after the commit)', async () => {
    show('epoch', String(await client.advanceEpoch()))
    cli('advance-epoch')
  })

  await step('reveal the model: the key and the embedding go on chain', async () => {
    const reveal = await client.revealModel({ signer: trainer, modelId: published.modelId, decryptionKey: published.decryptionKey, embedding: modelEmbedding })
    const model = await client.getModel({ modelId: published.modelId })
    check(model.status === 'active', `the model is ${model.status} after the reveal, expected active`)
    show('reveal transaction', `${reveal.digest} (checkpoint ${reveal.checkpoint})`)
    show('model', `${short(published.modelId)} ${model.status}`)
    cli('model reveal <MODEL_ID> --decryption-key <KEY> --embedding "…"')
  })

  const { epoch, targets } = await step('advance the epoch: targets are generated from the active models', async () => {
    const epoch = await client.advanceEpoch()
    const targets = await client.getTargets({ status: 'open', epoch, limit: 1000 })
    check(targets.length > 0, `no open targets in epoch ${epoch}`)
    check(
      targets.every((t) => t.modelIds.includes(published.modelId)),
      'a target was generated whose assigned models do not include the published one',
    )
    show('epoch', String(epoch))
    show('open targets', String(targets.length))
    for (const t of targets.slice(0, 3)) {
      show(`  target ${short(t.id)}`, `reward ${soma(t.rewardPool)}, threshold ${t.distanceThreshold.toFixed(3)}, models ${t.modelIds.map(short).join(', ')}`)
    }
    cli('advance-epoch')
    cli('target list --status open')
    return { epoch, targets }
  })

  const data = new Uint8Array(readFileSync(dataFile))
  const { target, scored, dataUrl, manifests } = await step('score data against a target on the network\u2019s scoring service', async () => {
    // The scoring service and the validators fetch the data by URL: put it in the blob store.
    const dataUrl = (await new BlobStoreStorage({ url: net.urls.blobStore }).upload(data, { key: 'data/sample.bin' })).url
    const manifests = await client.getModelManifests({ models: targets[0] })
    check(manifests.length === 1 && manifests[0].decryptionKey === published.decryptionKey, 'the revealed model\u2019s manifest has no decryption key')
    // A score's embedding depends on the data and the model, not on the target: score once,
    // pick the target nearest to it, and score against that target (what a submitter submits).
    const first = await client.score({ dataUrl, data, models: manifests, targetEmbedding: targets[0].embedding })
    const target = targets.reduce((best, t) => (cosineDistance(first.embedding, t.embedding) < cosineDistance(first.embedding, best.embedding) ? t : best))
    const scored = await client.score({ dataUrl, data, models: manifests, targetEmbedding: target.embedding })
    check(scored.distance[0] <= target.distanceThreshold, `distance ${scored.distance[0]} exceeds the nearest target's threshold ${target.distanceThreshold}`)
    show('data', `${relative(root, dataFile)} (${data.length} bytes) at ${dataUrl}`)
    show('target', `${target.id}`)
    show('winner', `model ${short(target.modelIds[scored.winner])}`)
    show('loss', scored.lossScore[0].toFixed(6))
    show('embedding', vector(scored.embedding))
    show('distance / threshold', `${scored.distance[0].toFixed(6)} \u2264 ${target.distanceThreshold.toFixed(6)}`)
    cli('target score <TARGET_ID> --data-file sample.bin')
    return { target, scored, dataUrl, manifests }
  })

  await step('score the same data on this machine (score({ local: true })): the same result', async () => {
    const local = await client.score({ dataUrl, data, models: manifests, targetEmbedding: target.embedding, local: true })
    check(JSON.stringify(local) === JSON.stringify(scored), 'the local score differs from the scoring service\u2019s')
    show('loss / distance', `${local.lossScore[0].toFixed(6)} / ${local.distance[0].toFixed(6)} (identical)`)
    cli('target score <TARGET_ID> --data-file sample.bin --local')
  })

  const bond = BOND_PER_BYTE * BigInt(data.length)
  const before = {}
  await step('submit the data (with a bond of 65 shannons per byte)', async () => {
    before.trainer = await balance(trainer)
    const submitterBefore = await balance(submitter)
    const submitted = await client.submitData({
      signer: submitter,
      targetId: target.id,
      data,
      dataUrl,
      modelId: target.modelIds[scored.winner],
      embedding: scored.embedding,
      distanceScore: scored.distance[0],
      lossScore: scored.lossScore,
    })
    const fee = submitted.effects.fee.totalFee
    before.submitter = await balance(submitter)
    check(submitterBefore - before.submitter === bond + fee, `the submitter paid ${submitterBefore - before.submitter} shannons, expected bond ${bond} + fee ${fee}`)
    const filled = await client.getTarget({ targetId: target.id })
    check(filled.status === 'filled' && filled.submitter === address(submitter), `the target is ${filled.status} after the submission`)
    show('transaction', `${submitted.digest} (checkpoint ${submitted.checkpoint})`)
    show('bond', `${soma(bond)} (${data.length} bytes \u00d7 65)`)
    show('fee', soma(fee))
    show('target', `${filled.status} in epoch ${filled.fillEpoch}`)
    cli('target submit --target-id <TARGET_ID> --data-file sample.bin --data-url <URL>')
  })

  await step('advance twice: the audit window (one epoch) passes, the claim opens', async () => {
    const audit = await client.advanceEpoch()
    show('epoch', `${audit} (validators may report the submission in this epoch)`)
    const claimEpoch = await client.advanceEpoch()
    check(claimEpoch === epoch + 2n, `epoch ${claimEpoch}, expected ${epoch + 2n}`)
    const claimable = await client.getTargets({ status: 'claimable', submitter: address(submitter) })
    check(claimable.some((t) => t.id === target.id), 'the filled target is not claimable')
    show('epoch', `${claimEpoch} (claimable targets of the submitter: ${claimable.length})`)
    cli('advance-epoch   # twice')
  })

  await step('claim the rewards; check the split to the shannon', async () => {
    const claimerBefore = await balance(claimer)
    const claimed = await client.claimRewards({ signer: claimer, targetId: target.id })
    const fee = claimed.effects.fee.totalFee
    const reward = target.rewardPool
    // The rule: 49.75% to the submitter (plus the rounding remainder), 49.75% to the winning
    // model's owner, 0.5% to whoever claims; the bond goes back to the submitter.
    const modelShare = bpsMul(reward, MODEL_SHARE_BPS)
    const claimerShare = bpsMul(reward, CLAIMER_INCENTIVE_BPS)
    const submitterShare = bpsMul(reward, SUBMITTER_SHARE_BPS)
    const remainder = reward - submitterShare - modelShare - claimerShare
    const expected = { submitter: submitterShare + remainder + bond, trainer: modelShare, claimer: claimerShare - fee }
    const got = {
      submitter: (await balance(submitter)) - before.submitter,
      trainer: (await balance(trainer)) - before.trainer,
      claimer: (await balance(claimer)) - claimerBefore,
    }
    show('claim transaction', `${claimed.digest} (fee ${soma(fee)})`)
    show('target reward pool', `${soma(reward)} (${reward} shannons)`)
    console.log(`  ${'who'.padEnd(24)} ${'expected (shannons)'.padStart(20)} ${'received (shannons)'.padStart(20)}`)
    const rows = [
      ['submitter (49.75% + rem.)', 'submitter', `  = ${submitterShare} + ${remainder} + bond ${bond}`],
      ['model owner (49.75%)', 'trainer', ''],
      ['claimer (0.5% \u2212 fee)', 'claimer', `  = ${claimerShare} \u2212 fee ${fee}`],
    ]
    for (const [label, key, detail] of rows) {
      console.log(`  ${label.padEnd(24)} ${String(expected[key]).padStart(20)} ${String(got[key]).padStart(20)}${detail}`)
    }
    for (const key of Object.keys(expected)) {
      check(got[key] === expected[key], `the ${key} received ${got[key]} shannons; the protocol's rule gives ${expected[key]}`)
    }
    show('split', 'matches the protocol\u2019s rule to the shannon')
    cli('target claim <TARGET_ID>')
  })

  await step('balances', async () => {
    for (const [name, who] of [['trainer', trainer], ['submitter', submitter], ['claimer', claimer]]) show(name, soma(await balance(who)))
    cli('balance <ADDRESS>')
  })
  finished = true
} catch (err) {
  const why = err instanceof StepFailed ? err.message : err instanceof sdk.BaseError ? `${err.name} (${err.code}): ${err.message}` : err instanceof Error ? err.message : String(err)
  console.error(`\ndemo: step "${currentStep}" failed: ${why}`)
  process.exitCode = 1
} finally {
  clearTimeout(watchdog)
  await cleanUp()
}

if (finished) console.log('\nThe local network is stopped and its temporary directory removed. Every step completed.')
