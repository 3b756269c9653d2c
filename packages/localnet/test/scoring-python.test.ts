// Acceptance: the reference Python `soma-sdk` (PyPI, a compiled build of the real Rust client)
// calls `score()` and `scoring_health()` on our scoring service. For the same inputs its result
// must equal our SDK's `ScoringClient.score()`, and both must equal the engine called directly.
// Then the five faults (wrong key, corrupted weights, 404 data, oversized data, loopback URL on a
// service without allowPrivateUrls) must each come back as a distinct clear error, and the right
// inputs must still score. Skipped, with the reason printed, only when Python or PyPI is unreachable.
import { spawn } from 'node:child_process'

import { loadModel, MAX_DATA_SIZE, score } from '@soma-ts/core'
import { ScoringClient } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startScoringService, type ScoringService } from '../src/index.js'
import { checksumOf, encryptWeights, goldenFile, goldens, startFileServer, type FileServer } from './scoring-fixtures.js'

const PYTHON_DRIVER = `
import asyncio, json, os, sys
from soma_sdk import SomaClient

cfg = json.load(sys.stdin)

async def run(url, jobs):
    # The RPC URL is never dialled by these calls; only the scoring service is.
    client = await SomaClient("http://127.0.0.1:9", scoring_url=url)
    out = {"health": await client.scoring_health(), "results": []}
    for j in jobs:
        models = [SomaClient.model_manifest(m["url"], checksum=m["checksum"], size=m["size"], decryption_key=m["key"]) for m in j["models"]]
        try:
            r = await client.score(j["data_url"], models, j["target"], data_checksum=j["data_checksum"], data_size=j["data_size"], seed=j["seed"])
            out["results"].append({"winner": r.winner, "loss": list(r.loss_score), "embedding": list(r.embedding), "distance": list(r.distance)})
        except Exception as e:
            out["results"].append({"error": str(e)})
    return out

async def main():
    out = {name: await run(s["url"], s["jobs"]) for name, s in cfg.items()}
    sys.stdout.write(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)

asyncio.run(main())
`

interface PyResult {
  winner?: number
  loss?: number[]
  embedding?: number[]
  distance?: number[]
  error?: string
}
interface PyJob {
  data_url: string
  data_checksum: string
  data_size: number
  models: { url: string; checksum: string; size: number; key: string | null }[]
  target: number[]
  seed: number
}

function runPython(python: string, input: unknown): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', PYTHON_DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(JSON.stringify(input))
  })
}

// The SDK package's venv helper, shared so that one virtualenv serves every conformance test. It
// lives outside this package's TypeScript root, so it is imported by URL (vitest compiles it).
const venvHelper = new URL('../../sdk/test/helpers/soma-sdk-python.ts', import.meta.url).href
const { ensureSomaSdkPython } = (await import(venvHelper)) as { ensureSomaSdkPython(): { python: string } | { skip: string } }
const env = ensureSomaSdkPython()
if ('skip' in env) console.warn(`skipping the soma-sdk scoring acceptance test: ${env.skip}`)

const target = goldens.target_embedding
const w21 = encryptWeights(goldenFile('model-21.safetensors'))
const w22 = encryptWeights(goldenFile('model-22.safetensors'))
const byName = { 'model-21.safetensors': w21, 'model-22.safetensors': w22 } as Record<string, typeof w21>

let files: FileServer
let open: ScoringService
let guarded: ScoringService

beforeAll(async () => {
  files = await startFileServer()
  files.put('/w/21', w21.encrypted)
  files.put('/w/22', w22.encrypted)
  files.put('/w/guarded', w21.encrypted)
  for (const c of goldens.cases) files.put(`/data/${c.name}`, goldenFile(c.data))
  files.put('/data/guarded', goldenFile(goldens.cases[1]!.data))
  open = await startScoringService({ host: '127.0.0.1', port: 0, smallModel: true, allowPrivateUrls: true })
  guarded = await startScoringService({ host: '127.0.0.1', port: 0, smallModel: true })
}, 60_000)

afterAll(async () => {
  await open?.stop({ drain: false })
  await guarded?.stop({ drain: false })
  await files?.close()
})

const weightsPath = (name: string) => (name === 'model-21.safetensors' ? '/w/21' : '/w/22')

function goldenJob(c: (typeof goldens.cases)[number]): PyJob {
  const data = goldenFile(c.data)
  return {
    data_url: files.url(`/data/${c.name}`),
    data_checksum: checksumOf(data),
    data_size: data.length,
    models: c.models.map((m) => ({ url: files.url(weightsPath(m)), checksum: byName[m]!.checksum, size: byName[m]!.size, key: byName[m]!.key })),
    target,
    seed: c.seed,
  }
}

describe.skipIf('skip' in env)('the reference soma-sdk (Python) against our scoring service', () => {
  it('scores every golden case as our SDK and the engine do, and reports each fault distinctly', async () => {
    const python = (env as { python: string }).python
    const good = goldens.cases.map(goldenJob)

    const corruptedWeights = encryptWeights(w22.plain)
    const corrupted = new Uint8Array(corruptedWeights.encrypted)
    corrupted[1234]! ^= 0x01
    files.put('/w/corrupt', corrupted)
    const big = new Uint8Array(MAX_DATA_SIZE + 1).fill(3)
    files.put('/data/big', big)
    const base = good[1]!
    const faults: PyJob[] = [
      { ...base, models: [{ ...base.models[0]!, key: encryptWeights(w21.plain).key }] },
      { ...base, models: [{ url: files.url('/w/corrupt'), checksum: corruptedWeights.checksum, size: corruptedWeights.size, key: corruptedWeights.key }] },
      { ...base, data_url: files.url('/data/missing') },
      { ...base, data_url: files.url('/data/big'), data_checksum: checksumOf(big), data_size: big.length },
    ]
    const run = await runPython(python, {
      open: { url: open.url, jobs: [...good, ...faults, ...good] },
      guarded: { url: guarded.url, jobs: [{ ...base, data_url: files.url('/data/guarded'), models: [{ ...base.models[0]!, url: files.url('/w/guarded') }] }] },
    })
    if (run.code !== 0) throw new Error(`python driver failed (${run.code}): ${run.stderr.slice(-2000)}`)
    const out = JSON.parse(run.stdout) as Record<'open' | 'guarded', { health: boolean; results: PyResult[] }>
    expect(out.open.health).toBe(true)
    expect(out.guarded.health).toBe(true)

    // Our SDK and the engine on the same inputs.
    const ours = new ScoringClient({ url: open.url })
    try {
      for (const [i, c] of goldens.cases.entries()) {
        const job = good[i]!
        const mine = await ours.score({
          dataUrl: job.data_url,
          dataChecksum: job.data_checksum,
          dataSize: BigInt(job.data_size),
          modelManifests: job.models.map((m) => ({ url: m.url, checksum: m.checksum, size: BigInt(m.size), decryptionKey: m.key })),
          targetEmbedding: target,
          seed: BigInt(job.seed),
        })
        const models = await Promise.all(c.models.map((m) => loadModel(byName[m]!.plain, { config: 'small' })))
        const direct = await score({ data: goldenFile(c.data), models, targetEmbedding: target, seed: c.seed })
        const engine = {
          winner: direct.winner,
          loss: [Math.fround(direct.loss)],
          embedding: Array.from(direct.embedding),
          distance: [Math.fround(direct.distance)],
        }
        expect({ winner: Number(mine.winner), loss: mine.lossScore, embedding: mine.embedding, distance: mine.distance }).toEqual(engine)
        expect(out.open.results[i]).toEqual(engine)
        // The same inputs again after all the faults: unchanged.
        expect(out.open.results[good.length + faults.length + i]).toEqual(engine)
        expect(engine.winner).toBe(c.winner)
        expect(direct.distance).toBeCloseTo(c.distance, 4)
      }
    } finally {
      ours.close()
    }

    const errors = [...out.open.results.slice(good.length, good.length + faults.length), out.guarded.results[0]!].map((r) => r.error ?? 'no error')
    expect(errors[0]).toMatch(/Invalid decryption key for the weights of model 0/)
    expect(errors[1]).toMatch(/Checksum mismatch for the weights of model 0/)
    expect(errors[2]).toMatch(/Not found: the data .*HTTP 404/)
    expect(errors[3]).toMatch(new RegExp(`The data size must be at most ${MAX_DATA_SIZE} bytes`))
    expect(errors[4]).toMatch(/Invalid URL for the data: Refused to fetch/)
    expect(new Set(errors).size).toBe(errors.length)
    // The oversized file was refused on its declared size, and the guarded service fetched nothing.
    expect(files.hits('/data/big')).toBe(0)
    expect(files.hits('/data/guarded')).toBe(0)
    expect(files.hits('/w/guarded')).toBe(0)
  }, 180_000)
})
