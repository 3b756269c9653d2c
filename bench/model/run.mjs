#!/usr/bin/env node
// `npm run bench -- model`: scoring throughput (bytes/s) of soma-ts's candle model on
// this machine's CPU, side by side with PyTorch (CPU, f32) running the same architecture
// and the same weights file in the same run, and the ratio. Also the full V1 config's
// time per 1 KiB batch with random weights. PyTorch is installed from PyPI into a
// throwaway virtualenv under bench/.work/; without it, our numbers are printed alone.
// Then two score() calls on one model, one after the other and both at once (they share
// the native thread pool). Flags: --skip-torch (no PyTorch install), --skip-v1 (no full
// V1 row).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { loadModel, Model, score, SMALL_CONFIG, V1_CONFIG } from '@soma-ts/core'

const here = dirname(fileURLToPath(import.meta.url))
const work = join(here, '..', '.work')
const venv = join(work, 'venv-torch')
const python = join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')
const TORCH = 'torch==2.15.0'
const PEERS = [TORCH, 'numpy==2.4.6', 'safetensors==0.8.0', 'soma-arrgen==0.1.0']
const SEED = 3n
const MID_CONFIG = { ...V1_CONFIG, embeddingDim: 256, numLayers: 4, numHeads: 4, pwffHiddenDim: 1024 }

mkdirSync(work, { recursive: true })

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts })
  if (r.error) return { ok: false, out: r.error.message }
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : `${r.stderr}`.trim().split('\n').slice(-3).join(' | ') }
}

function setupTorch() {
  const probe = () => sh(python, ['-c', 'import torch, numpy, safetensors, arrgen'])
  if (existsSync(python) && probe().ok) return null
  console.log(`installing PyTorch (${TORCH}, CPU use) into ${venv} from PyPI; this can take a few minutes...`)
  const system = process.platform === 'win32' ? 'python' : 'python3'
  let r = sh(system, ['-m', 'venv', venv])
  if (!r.ok) return `could not create a virtualenv: ${r.out}`
  r = sh(python, ['-m', 'pip', 'install', '--quiet', ...PEERS], { stdio: ['ignore', 'pipe', 'pipe'] })
  if (!r.ok) return `pip install failed (PyPI unreachable?): ${r.out}`
  return probe().ok ? null : `torch does not import: ${probe().out}`
}

const fmtRate = (bytesPerSec) =>
  bytesPerSec >= 1 << 20 ? `${(bytesPerSec / (1 << 20)).toFixed(2)} MiB/s` : `${(bytesPerSec / 1024).toFixed(1)} KiB/s`
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function timeOurs(model, data, repeats) {
  const target = new Float32Array(model.config.embeddingDim).fill(1)
  await score({ data: data.subarray(0, model.config.maxSeqLen), models: model, targetEmbedding: target, seed: SEED })
  const seconds = []
  let result
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint()
    result = await score({ data, models: model, targetEmbedding: target, seed: SEED })
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9)
  }
  return { seconds, loss: result.loss }
}

async function compare(name, config, dataSize, repeats, torchReady) {
  const data = new Uint8Array(randomBytes(dataSize))
  const dataPath = join(work, `data-${name.split(' ')[0]}.bin`)
  writeFileSync(dataPath, data)
  const weightsPath = join(work, `weights-${name.split(' ')[0]}.safetensors`)
  let model
  if (torchReady) {
    const r = sh(python, [join(here, 'torch_v1.py'), 'make-weights', weightsPath, JSON.stringify(config), '11'])
    if (!r.ok) throw new Error(`making weights failed: ${r.out}`)
    model = await loadModel(weightsPath, { config })
  } else {
    model = await Model.random(config)
  }
  // The machine may be shared: runs alternate between the two sides so that a busy
  // period slows both, and each side's median is kept.
  const ours = []
  const theirs = []
  let oursLoss
  let t
  for (let i = 0; i < repeats; i++) {
    const o = await timeOurs(model, data, 1)
    ours.push(o.seconds[0])
    oursLoss = o.loss
    if (torchReady) {
      const r = sh(python, [join(here, 'torch_v1.py'), 'score', weightsPath, JSON.stringify(config), dataPath, String(SEED), '1'])
      if (!r.ok) throw new Error(`PyTorch run failed: ${r.out}`)
      t = JSON.parse(r.out.trim().split('\n').at(-1))
      theirs.push(t.seconds[0])
    }
  }
  const row = { name, config, dataSize, ours: dataSize / median(ours), oursLoss }
  if (t) {
    row.torch = dataSize / median(theirs)
    row.torchLoss = t.loss
    row.torchThreads = t.threads
    row.torchVersion = t.torch
  }
  return row
}

/**
 * Two `score()` calls on the same model and data, awaited one after the other and then
 * started together; medians of `repeats` rounds, alternating so a busy machine slows both.
 * Both results must be identical to the sequential ones: concurrency may not change a bit.
 */
async function concurrentPair(config, dataSize, repeats) {
  const model = await Model.random(config)
  const data = new Uint8Array(randomBytes(dataSize))
  const target = new Float32Array(config.embeddingDim).fill(1)
  const once = () => score({ data, models: model, targetEmbedding: target, seed: SEED })
  const expected = await once()
  const sequential = []
  const concurrent = []
  for (let i = 0; i < repeats; i++) {
    let t0 = process.hrtime.bigint()
    await once()
    await once()
    sequential.push(Number(process.hrtime.bigint() - t0) / 1e9)
    t0 = process.hrtime.bigint()
    const both = await Promise.all([once(), once()])
    concurrent.push(Number(process.hrtime.bigint() - t0) / 1e9)
    for (const r of both) {
      if (r.loss !== expected.loss || r.distance !== expected.distance) {
        throw new Error(`concurrent score differs: ${r.loss} vs ${expected.loss}`)
      }
    }
  }
  return { sequential: median(sequential), concurrent: median(concurrent) }
}

async function main() {
  console.log(`CPU: ${availableParallelism()} logical cores; f32 exact mode; medians of repeated runs`)
  const skipTorch = process.argv.includes('--skip-torch') ? 'skipped by --skip-torch' : setupTorch()
  if (skipTorch) console.log(`PyTorch side skipped: ${skipTorch}`)
  const rows = [
    await compare('small (d=16, 2 layers, 4 heads)', { ...SMALL_CONFIG }, 64 * 1024, 5, !skipTorch),
    await compare('mid (d=256, 4 layers, 4 heads)', MID_CONFIG, 32 * 1024, 3, !skipTorch),
  ]
  console.log('')
  console.log('model                              data     soma-ts (candle)   PyTorch CPU        ratio   loss (soma-ts / PyTorch)')
  for (const r of rows) {
    const ratio = r.torch ? `${(r.ours / r.torch).toFixed(2)}x` : 'n/a'
    console.log(
      `${r.name.padEnd(34)} ${`${r.dataSize / 1024} KiB`.padEnd(8)} ${fmtRate(r.ours).padEnd(18)} ${(r.torch ? fmtRate(r.torch) : 'skipped').padEnd(18)} ${ratio.padEnd(7)} ${r.oursLoss.toFixed(6)}${r.torch ? ` / ${r.torchLoss.toFixed(6)}` : ''}`,
    )
  }
  if (rows[0].torchVersion) console.log(`(PyTorch ${rows[0].torchVersion}, ${rows[0].torchThreads} threads; goal: soma-ts >= 1.2x PyTorch)`)

  console.log('\ntwo score() calls on one model: one after the other vs. both at once (same thread pool)')
  for (const [name, config, dataSize] of [
    ['small (d=16, 2 layers, 4 heads)', { ...SMALL_CONFIG }, 64 * 1024],
    ['mid (d=256, 4 layers, 4 heads)', MID_CONFIG, 32 * 1024],
  ]) {
    const r = await concurrentPair(config, dataSize, 3)
    console.log(
      `${name.padEnd(34)} ${`2 x ${dataSize / 1024} KiB`.padEnd(12)} sequential ${r.sequential.toFixed(3)} s   concurrent ${r.concurrent.toFixed(3)} s   (${(r.sequential / r.concurrent).toFixed(2)}x)`,
    )
  }

  if (process.argv.includes('--skip-v1')) return
  console.log('\nfull V1 (d=2048, 24 layers, 8 heads, 1.21 B parameters), random weights, CPU:')
  const t0 = process.hrtime.bigint()
  const v1 = await Model.random('v1')
  console.log(`  random init: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`)
  const kib = new Uint8Array(randomBytes(1024))
  const target = new Float32Array(2048).fill(1)
  const times = []
  for (let i = 0; i < 2; i++) {
    const t1 = process.hrtime.bigint()
    await score({ data: kib, models: v1, targetEmbedding: target, seed: SEED })
    times.push(Number(process.hrtime.bigint() - t1) / 1e9)
  }
  console.log(`  one 1 KiB batch (1 x 1024 tokens): ${times.map((s) => `${s.toFixed(2)} s`).join(', ')}`)

  console.log('\nGPU: skipped (no GPU on this machine, and this build of @soma-ts/core has neither the cuda nor the metal feature)')
}

await main()
