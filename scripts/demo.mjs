#!/usr/bin/env node
// The main job, as far as the toolkit reaches today: a model trainer and a data submitter
// walk through their steps with the real `soma` CLI (run as a process) and the SDK.
//
//   1. a wallet in a fresh config directory (the reference CLI's layout)
//   2. model weights for the local network's small model, encrypted in one streaming pass
//   3. a target embedding from the reference RNG, and sample data scored against the
//      encrypted weights exactly as the network's scoring service does
//   4. CreateModel + CommitModel and SubmitData transactions built, signed with the
//      wallet's key by `soma keytool sign`, and verified by `soma keytool decode-or-verify-tx`
//
// Sending them needs a network: the local network (`soma start localnet`) is the next step
// of the journey and is not part of the toolkit yet.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const somaBin = join(root, 'packages', 'cli', 'bin', 'soma.js')
const sdk = await import(pathToFileURL(join(root, 'packages', 'sdk', 'dist', 'index.js')).href)
const sdkNative = await import(pathToFileURL(join(root, 'packages', 'sdk', 'dist', 'native.js')).href)
const core = await import(pathToFileURL(join(root, 'packages', 'core', 'dist', 'index.js')).href)

const work = mkdtempSync(join(tmpdir(), 'soma-demo-'))
const env = { ...process.env, SOMA_CONFIG_DIR: join(work, 'config') }

function soma(args, { json = true, show = true } = {}) {
  const printable = args.map((a) => (a.length > 72 ? `${a.slice(0, 32)}…(${a.length} chars)` : a)).join(' ')
  console.log(`\n$ soma ${printable}`)
  const r = spawnSync(process.execPath, [somaBin, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.status !== 0) {
    process.stderr.write(r.stderr)
    console.error(`demo: \`soma ${args[0]} ${args[1] ?? ''}\` failed (exit ${r.status})`)
    process.exit(1)
  }
  if (show) process.stdout.write(r.stdout.length > 1500 ? `${r.stdout.slice(0, 1500)}…\n` : r.stdout)
  return json ? JSON.parse(r.stdout) : r.stdout.trim()
}

function verified(out) {
  if (!out.result || !('Ok' in out.result)) {
    console.error(`demo: signature check failed: ${JSON.stringify(out.result)}`)
    process.exit(1)
  }
}

const heading = (text) => console.log(`\n\u2500\u2500 ${text} ${'\u2500'.repeat(Math.max(0, 70 - text.length))}`)

/** Small-model weights in the reference safetensors layout (a stand-in for trained ones). */
function writeSmallModelWeights(path, seed) {
  const { embeddingDim: d, numLayers, pwffHiddenDim: h, vocabSize: v } = core.SMALL_CONFIG
  const shapes = [['embedding.weight', [v, d]]]
  for (let l = 0; l < numLayers; l++) {
    const p = `encoder.layers.${l}`
    for (const n of ['query', 'key', 'value', 'output']) shapes.push([`${p}.attention.${n}.weight`, [d, d]], [`${p}.attention.${n}.bias`, [d]])
    shapes.push([`${p}.norm_1.gamma`, [d]], [`${p}.norm_1.beta`, [d]], [`${p}.norm_2.gamma`, [d]], [`${p}.norm_2.beta`, [d]])
    shapes.push([`${p}.pwff.linear_inner.weight`, [d, h]], [`${p}.pwff.linear_inner.bias`, [h]])
    shapes.push([`${p}.pwff.linear_outer.weight`, [h, d]], [`${p}.pwff.linear_outer.bias`, [d]])
  }
  shapes.push(['final_norm.gamma', [d]], ['final_norm.beta', [d]], ['predictor.weight', [d, v]], ['predictor.bias', [v]])
  shapes.sort(([a], [b]) => (a < b ? -1 : 1))
  const header = {}
  const parts = []
  let offset = 0
  shapes.forEach(([name, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1)
    const values = name.endsWith('.gamma') ? new Float32Array(n).fill(1) : core.normalArray(seed + i, [n], 0, 0.2)
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes.length] }
    parts.push(bytes)
    offset += bytes.length
  })
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - (json.length % 8)) % 8)
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(json.length))
  writeFileSync(path, Buffer.concat([len, Buffer.from(json), ...parts]))
}

try {
  heading('the toolkit')
  soma(['--version'], { json: false })

  heading('1. a wallet (config directory in the reference layout)')
  const trainer = soma(['wallet', 'new', '--alias', 'trainer', '--json'], { show: false })
  console.log(`model owner: ${trainer.alias} ${trainer.address}`)
  const submitter = soma(['wallet', 'new', '--alias', 'submitter', '--json'], { show: false })
  console.log(`data submitter: ${submitter.alias} ${submitter.address}`)
  soma(['wallet', 'list', '--json'])

  heading('2. prepare the model weights')
  const weights = join(work, 'weights.safetensors')
  writeSmallModelWeights(weights, 7)
  console.log(`wrote small-model weights (${core.SMALL_CONFIG.embeddingDim}-dim, ${core.SMALL_CONFIG.numLayers} layers): ${weights}`)
  const enc = soma(['weights', 'encrypt', '--input', weights, '--output', join(work, 'weights.enc'), '--json'])

  heading('3. score data against the encrypted model')
  const target = Array.from(core.targetEmbedding(42n, core.SMALL_CONFIG.embeddingDim))
  console.log(`target embedding (reference RNG, seed 42): [${target.map((x) => x.toFixed(4)).join(', ')}]`)
  const data = join(work, 'data.txt')
  writeFileSync(data, 'fn main() {\n    println!("hello, soma");\n}\n'.repeat(64))
  const scored = soma([
    'score', '--data', data, '--weights', join(work, 'weights.enc'), '--decryption-key', enc.decryptionKey,
    '--target-embedding', target.join(','), '--small-model', '--json',
  ])

  heading('4. transactions, signed by the wallet')
  const coin = { objectId: `0x${'11'.repeat(32)}`, version: 1n, digest: core.toBase58(new Uint8Array(32).fill(0x22)) }
  const createModel = sdk.transactionData({
    sender: trainer.address,
    gasPayment: [coin],
    kind: sdk.createModel({ stakeAmount: 1_000_000_000n, commissionRate: 1000n, architectureVersion: 1n }),
  })
  const createBytes = sdk.encodeBcs(sdk.bcsTypes.TransactionData, createModel)
  const createDigest = sdk.transactionDigest(createBytes)
  const modelId = sdk.deriveObjectId(createDigest, 0n)
  console.log(`CreateModel digest ${createDigest} -> model id ${modelId}`)
  const commit = sdk.transactionData({
    sender: trainer.address,
    gasPayment: [coin],
    kind: sdk.commitModel({
      modelId,
      url: 'https://storage.example.com/my-model/weights.enc',
      checksum: enc.checksum,
      size: BigInt(enc.size),
      embeddingCommitment: sdk.embeddingCommitment(scored.embedding),
      decryptionKeyCommitment: sdk.commitment(sdk.parseKey(enc.decryptionKey)),
    }),
  })
  const commitB64 = sdk.toBase64(sdk.encodeBcs(sdk.bcsTypes.TransactionData, commit))
  const signed = soma(['keytool', 'sign', '--address', 'trainer', '--data', commitB64, '--json'])
  verified(soma(['keytool', 'decode-or-verify-tx', '--tx-bytes', commitB64, '--sig', signed.somaSignature, '--json'], { show: false }))
  console.log(`CommitModel ${sdk.transactionDigest(sdk.fromBase64(commitB64))}: signature verified against its sender.`)
  const submission = sdk.transactionData({
    sender: submitter.address,
    gasPayment: [coin],
    kind: sdk.submitData({
      targetId: `0x${'66'.repeat(32)}`,
      url: 'https://storage.example.com/data/sample.txt',
      checksum: await sdkNative.fileCommitment(data),
      size: BigInt(statSync(data).size),
      modelId,
      embedding: scored.embedding,
      distanceScore: scored.distance[scored.winner],
      lossScore: scored.loss_score,
      bondCoin: coin,
    }),
  })
  const submitB64 = sdk.toBase64(sdk.encodeBcs(sdk.bcsTypes.TransactionData, submission))
  const submitSig = soma(['keytool', 'sign', '--address', 'submitter', '--data', submitB64, '--json'], { show: false })
  verified(soma(['keytool', 'decode-or-verify-tx', '--tx-bytes', submitB64, '--sig', submitSig.somaSignature, '--json'], { show: false }))
  console.log(`SubmitData ${sdk.transactionDigest(sdk.fromBase64(submitB64))}: signature verified against its sender.`)

  heading('next')
  console.log('Executing these needs a network; `soma start localnet` is the next step of the journey.')
} finally {
  rmSync(work, { recursive: true, force: true })
}
