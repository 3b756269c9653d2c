// Inputs for the scoring service tests: the small-model goldens of the repository, weights
// encrypted with a key made by the test, and a loopback HTTP server that serves them and counts
// every request it sees (so a test can prove that a refused URL was never fetched).
import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { aes256Ctr, blake2b256, randomKey, toBase58 } from '@soma-ts/core'

import { goldensDir, loadGoldens } from '../../core/test/model-goldens.mjs'

export type { GoldenCase, Goldens } from '../../core/test/model-goldens.mjs'

/** The repository's model goldens, through the loader core and the CLI tests use. */
export const goldens = loadGoldens()
export const goldenFile = (name: string): Uint8Array => new Uint8Array(readFileSync(join(goldensDir(), name)))

export const checksumOf = (bytes: Uint8Array): string => toBase58(blake2b256(bytes))

export interface EncryptedWeights {
  plain: Uint8Array
  encrypted: Uint8Array
  key: string
  checksum: string
  size: number
}

export function encryptWeights(plain: Uint8Array): EncryptedWeights {
  const key = randomKey()
  const encrypted = aes256Ctr(plain, key)
  return { plain, encrypted, key: toBase58(key), checksum: checksumOf(encrypted), size: encrypted.length }
}

export interface Route {
  body: Uint8Array
  status?: number
  /** Milliseconds to wait before answering. */
  delayMs?: number
}

export interface FileServer {
  readonly origin: string
  url(path: string): string
  put(path: string, route: Route | Uint8Array): void
  /** Requests seen per path, and in all. */
  hits(path: string): number
  readonly total: number
  close(): Promise<void>
}

export async function startFileServer(): Promise<FileServer> {
  const routes = new Map<string, Route>()
  const hits = new Map<string, number>()
  let total = 0
  const server = http.createServer((req, res) => {
    total += 1
    const path = req.url ?? '/'
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const route = routes.get(path)
    const answer = () => {
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      res.writeHead(route.status ?? 200, { 'content-length': String(route.body.length), 'content-type': 'application/octet-stream' })
      res.end(route.body)
    }
    if (route?.delayMs) setTimeout(answer, route.delayMs)
    else answer()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    url: (path) => `${origin}${path}`,
    put: (path, route) => routes.set(path, route instanceof Uint8Array ? { body: route } : route),
    hits: (path) => hits.get(path) ?? 0,
    get total() {
      return total
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
