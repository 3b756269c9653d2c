// The scoring service against the engine called directly, on the same inputs: the small model
// (the local network's), its golden weights encrypted with a fresh key, data served from a
// loopback HTTP server. Warm cache: the same model every request. Cold cache: freshly keyed
// weights every request, so the service downloads, verifies, decrypts and loads each time, and the
// engine side decrypts and loads each time. 1 and 4 concurrent clients. Prints requests/s, data
// bytes/s and the service/engine ratio. Usage: npm run bench -- scoring [seconds-per-side-per-case]
import { readFileSync } from 'node:fs'
import http from 'node:http'

import { aes256Ctr, blake2b256, loadModel, randomKey, score, toBase58 } from '@soma-ts/core'

import { startScoringService } from '../../packages/localnet/dist/index.js'
import { ScoringClient } from '../../packages/sdk/dist/node.js'

const seconds = Number(process.argv[2] ?? 6)
const goldens = new URL('../../fixtures/goldens/', import.meta.url)
const expected = JSON.parse(readFileSync(new URL('expected.json', goldens), 'utf8'))
const target = expected.target_embedding
const weights = new Uint8Array(readFileSync(new URL('model-21.safetensors', goldens)))
const data = new Uint8Array(readFileSync(new URL('e1024.bin', goldens)))
const seed = 7n

function keyedWeights() {
  const key = randomKey()
  const encrypted = aes256Ctr(weights, key)
  return { key, keyText: toBase58(key), encrypted, checksum: toBase58(blake2b256(encrypted)) }
}

// Loopback file server: /data and /w/<n> for the n-th freshly keyed weights.
const served = new Map()
const files = http.createServer((req, res) => {
  const body = served.get(req.url)
  if (!body) return void res.writeHead(404).end()
  res.writeHead(200, { 'content-length': String(body.length) }).end(body)
})
await new Promise((r) => files.listen(0, '127.0.0.1', r))
const origin = `http://127.0.0.1:${files.address().port}`
served.set('/data', data)
let weightsCounter = 0
function publish(w) {
  const path = `/w/${weightsCounter++}`
  served.set(path, w.encrypted)
  return { url: `${origin}${path}`, checksum: w.checksum, size: BigInt(w.encrypted.length), decryptionKey: w.keyText }
}

const warmWeights = keyedWeights()
const warmManifest = publish(warmWeights)
const request = (manifest) => ({
  dataUrl: `${origin}/data`,
  dataChecksum: toBase58(blake2b256(data)),
  dataSize: BigInt(data.length),
  modelManifests: [manifest],
  targetEmbedding: target,
  seed,
})

/** Runs `once` from `clients` loops for `ms`; returns [requests done, seconds taken]. */
async function slice(clients, once, ms) {
  let done = 0
  const start = performance.now()
  const end = start + ms
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        await once()
        done += 1
      }
    }),
  )
  return [done, (performance.now() - start) / 1000]
}

/**
 * Engine and service take turns in one-second slices, so that load from elsewhere on the machine
 * falls on both alike; returns requests/s of each.
 */
async function compare(clients, engineOnce, serviceOnce) {
  await engineOnce() // not timed: first-use costs (connection, thread pool)
  await serviceOnce()
  const totals = { engine: [0, 0], service: [0, 0] }
  for (let round = 0; round < seconds; round++) {
    for (const [side, once] of [['engine', engineOnce], ['service', serviceOnce]]) {
      const [done, took] = await slice(clients, once, 1000)
      totals[side][0] += done
      totals[side][1] += took
    }
  }
  return { engine: totals.engine[0] / totals.engine[1], service: totals.service[0] / totals.service[1] }
}

const service = await startScoringService({ host: '127.0.0.1', port: 0, smallModel: true, allowPrivateUrls: true, maxConcurrent: 8 })
const client = new ScoringClient({ url: service.url })
const warmModel = await loadModel(weights, { config: 'small' })

const reference = await score({ data, models: [warmModel], targetEmbedding: target, seed })
const check = await client.score(request(warmManifest))
if (Number(check.winner) !== reference.winner || check.lossScore[0] !== Math.fround(reference.loss)) {
  throw new Error('the service and the engine disagree; not benchmarking')
}

const cases = [
  {
    name: 'warm',
    engine: () => score({ data, models: [warmModel], targetEmbedding: target, seed }),
    service: () => client.score(request(warmManifest)),
  },
  {
    name: 'cold',
    engine: async () => {
      const w = keyedWeights()
      const model = await loadModel(w.encrypted, { config: 'small', decryptionKey: w.key, checksum: w.checksum })
      return score({ data, models: [model], targetEmbedding: target, seed })
    },
    service: () => client.score(request(publish(keyedWeights()))),
  },
]

const rows = []
for (const c of cases) {
  for (const clients of [1, 4]) {
    const { engine, service: viaService } = await compare(clients, c.engine, c.service)
    rows.push({ cache: c.name, clients, engine, service: viaService, ratio: viaService / engine })
  }
}

const kb = (rps) => ((rps * data.length) / 1e3).toFixed(1)
console.log(`small model, ${data.length} bytes of data per request, ${seconds} s per side per case, engine and service alternating`)
console.log('cache  clients  engine req/s (kB/s)   service req/s (kB/s)   service/engine')
for (const r of rows) {
  console.log(
    `${r.cache.padEnd(6)} ${String(r.clients).padStart(7)}  ${r.engine.toFixed(1).padStart(10)} (${kb(r.engine).padStart(6)})   ${r.service.toFixed(1).padStart(11)} (${kb(r.service).padStart(6)})   ${r.ratio.toFixed(3)}`,
  )
}
const warm = rows.filter((r) => r.cache === 'warm')
const worst = Math.min(...warm.map((r) => r.ratio))
console.log(`warm-cache goal (service within 10% of the engine): ${worst >= 0.9 ? 'met' : 'not met'} (worst ratio ${worst.toFixed(3)})`)
console.log(`service cache: ${JSON.stringify(service.stats().cache)}`)

client.close()
await service.stop({ drain: false })
await new Promise((r) => files.close(r))
