// `soma start scoring` as a user runs it: a separate process on a free loopback port, serving
// Health and Score, stopping cleanly (drained) on SIGTERM; bad flags give one clear error.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { aes256Ctr, blake2b256, randomKey, toBase58 } from '@soma-ts/core'
import { ScoringClient } from '@soma-ts/sdk/node'
import { afterAll, describe, expect, it } from 'vitest'

import { SOMA_BIN, soma } from './cli.js'

const GOLDENS = new URL('../../../fixtures/goldens/', import.meta.url)
const goldenFile = (name: string) => new Uint8Array(readFileSync(new URL(name, GOLDENS)))
const goldens = JSON.parse(readFileSync(new URL('expected.json', GOLDENS), 'utf8')) as {
  target_embedding: number[]
  cases: { name: string; data: string; seed: number; models: string[]; losses: number[] }[]
}
const checksumOf = (bytes: Uint8Array) => toBase58(blake2b256(bytes))

/** A loopback server for two fixed bodies. */
async function serve(bodies: Record<string, Uint8Array>): Promise<{ url(path: string): string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = bodies[req.url ?? '']
    if (!body) res.writeHead(404).end()
    else res.writeHead(200, { 'content-length': String(body.length) }).end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: (path) => `${origin}${path}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'soma-start-scoring-'))
let child: ChildProcess | undefined

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

/** Starts the service and resolves with its `--json` banner. */
function startService(): Promise<{ url: string; port: number; dataDir: string; threads: number; methods: string[] }> {
  child = spawn(process.execPath, [SOMA_BIN, 'start', 'scoring', '--host', '127.0.0.1', '--port', '0', '--small-model', '--allow-private-urls', '--data-dir', dataDir, '--threads', '2', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const proc = child
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s; stderr: ${stderr}`)), 30_000)
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    proc.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString()
      try {
        const banner = JSON.parse(stdout)
        clearTimeout(timer)
        resolve(banner)
      } catch {
        // Not complete yet.
      }
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited early with ${code}: ${stderr}`))
    })
  })
}

describe('soma start scoring', () => {
  it('serves Health and Score, and exits 0 after draining on SIGTERM', async () => {
    const banner = await startService()
    expect(banner.methods).toEqual(['/scoring.Scoring/Score', '/scoring.Scoring/Health'])
    expect(banner.dataDir).toBe(dataDir)
    // --threads sizes the engine's pool (the banner reads the size back from the engine).
    expect(banner.threads).toBe(2)
    const c = goldens.cases.find((g) => g.name === 'e1024')!
    const data = goldenFile(c.data)
    const keyBytes = randomKey()
    const encrypted = aes256Ctr(goldenFile(c.models[0]!), keyBytes)
    const w = { checksum: checksumOf(encrypted), size: encrypted.length, key: toBase58(keyBytes) }
    const files = await serve({ '/d': data, '/w': encrypted })
    const client = new ScoringClient({ url: banner.url })
    try {
      expect(await client.health()).toBe(true)
      const res = await client.score({
        dataUrl: files.url('/d'),
        dataChecksum: checksumOf(data),
        dataSize: BigInt(data.length),
        modelManifests: [{ url: files.url('/w'), checksum: w.checksum, size: BigInt(w.size), decryptionKey: w.key }],
        targetEmbedding: goldens.target_embedding,
        seed: BigInt(c.seed),
      })
      expect(res.winner).toBe(0n)
      expect(res.lossScore[0]).toBeCloseTo(c.losses[0]!, 4)
      expect(res.embedding).toHaveLength(16)
      // The verified weights were kept under the data dir, by checksum.
      expect(readdirSync(join(dataDir, 'weights'))).toContain(w.checksum)
    } finally {
      client.close()
      await files.close()
    }
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)))
    child!.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 90_000)

  it('refuses bad flags with one clear error', () => {
    const device = soma(['start', 'scoring', '--device', 'tpu', '--port', '0'])
    expect(device.status).toBe(1)
    expect(device.stderr).toMatch(/--device must be cpu, cuda or metal, got "tpu"/)
    const port = soma(['start', 'scoring', '--port', '70000', '--json'])
    expect(port.status).toBe(1)
    const line = JSON.parse(port.stderr.trim()) as { error: { code: string; message: string } }
    expect(line.error.message).toMatch(/--port must be an integer in \[0, 65535\]/)
    const threads = soma(['start', 'scoring', '--threads', 'many', '--port', '0'])
    expect(threads.status).toBe(1)
    expect(threads.stderr).toMatch(/--threads must be an integer/)
    // The engine's pool takes 1 to 1024 threads.
    expect(soma(['start', 'scoring', '--threads', '2000', '--port', '0']).stderr).toMatch(/--threads must be an integer in \[1, 1024\], got "2000"/)
    const disk = soma(['start', 'scoring', '--disk-cache-bytes', '0', '--port', '0'])
    expect(disk.status).toBe(1)
    expect(disk.stderr).toMatch(/--disk-cache-bytes must be an integer in \[1, /)
  })
})
