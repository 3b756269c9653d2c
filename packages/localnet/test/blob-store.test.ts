// The local blob store (server here, client in @soma-ts/sdk/storage) on 127.0.0.1: round trip,
// size limit, traversal, and interrupted or refused uploads that leave nothing visible.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'

import { blake2b } from '@noble/hashes/blake2.js'
import { base58 } from '@scure/base'
import {
  BLOB_CHECKSUM_HEADER,
  BlobStoreStorage,
  InvalidObjectKeyError,
  AbortedError,
  UploadFailedError,
  UrlRefusedError,
} from '@soma-ts/sdk/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startBlobStore, type BlobStore } from '../src/blob-store.js'

const MAX = 8 * 1024 * 1024
let work: string
let store: BlobStore
let storage: BlobStoreStorage
let port: number

interface RawAnswer {
  status: number
  body: Buffer
  headers: http.IncomingHttpHeaders
}

/** A request whose path is sent exactly as written (no URL normalisation on the way). */
function raw(method: string, path: string, body?: Buffer, headers: Record<string, string | number> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: body ? { 'content-length': body.length, ...headers } : headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

const tmpEntries = () => readdirSync(join(work, 'store', 'tmp'))

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'soma-blob-store-'))
  store = await startBlobStore({ dir: join(work, 'store'), maxBytes: MAX })
  storage = new BlobStoreStorage({ url: store.url })
  port = Number(new URL(store.url).port)
})
afterAll(async () => {
  await store?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('blob store', () => {
  it('listens on 127.0.0.1 by default', () => {
    expect(store.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('round trip: a file streamed up with progress, read back anonymously and through the client, verified', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3)
    const file = join(work, 'weights.enc')
    writeFileSync(file, data)
    const progress: number[] = []
    const uploaded = await storage.upload(file, { key: 'models/m1/weights.enc', onProgress: (p) => progress.push(p.transferred) })
    expect(uploaded.url).toBe(`${store.url}/blobs/models/m1/weights.enc`)
    expect(uploaded.size).toBe(data.length)
    expect(uploaded.checksum).toEqual(blake2b(data, { dkLen: 32 }))
    expect(progress.at(-1)).toBe(data.length)
    expect(progress.length).toBeGreaterThan(1)

    const anonymous = await raw('GET', '/blobs/models/m1/weights.enc')
    expect(anonymous.status).toBe(200)
    expect(anonymous.body.equals(data)).toBe(true)

    const fetched = await storage.download(uploaded.url, { expectedSize: uploaded.size, expectedChecksum: uploaded.checksum })
    expect(Buffer.from(fetched.bytes).equals(data)).toBe(true)
    // Outside the client, the store is just another loopback address: refused by default.
    const { download } = await import('@soma-ts/sdk/storage')
    await expect(download(uploaded.url)).rejects.toBeInstanceOf(UrlRefusedError)
  })

  it('serves single byte ranges and HEAD', async () => {
    const data = randomBytes(10_000)
    await storage.upload(data, { key: 'ranges.bin' })
    const part = await raw('GET', '/blobs/ranges.bin', undefined, { range: 'bytes=100-199' })
    expect(part.status).toBe(206)
    expect(part.headers['content-range']).toBe('bytes 100-199/10000')
    expect(part.body.equals(data.subarray(100, 200))).toBe(true)
    const tail = await raw('GET', '/blobs/ranges.bin', undefined, { range: 'bytes=-10' })
    expect(tail.body.equals(data.subarray(-10))).toBe(true)
    expect((await raw('GET', '/blobs/ranges.bin', undefined, { range: 'bytes=20000-' })).status).toBe(416)
    const head = await raw('HEAD', '/blobs/ranges.bin')
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe('10000')
  })

  it('bytes with a known checksum are checked by the store; a mismatching body is never stored', async () => {
    const data = randomBytes(4096)
    const wrong = base58.encode(blake2b(Buffer.from('other'), { dkLen: 32 }))
    const answer = await raw('PUT', '/blobs/checked.bin', data, { [BLOB_CHECKSUM_HEADER]: wrong })
    expect(answer.status).toBe(422)
    expect((await raw('GET', '/blobs/checked.bin')).status).toBe(404)
    const right = base58.encode(blake2b(data, { dkLen: 32 }))
    const ok = await raw('PUT', '/blobs/checked.bin', data, { [BLOB_CHECKSUM_HEADER]: right })
    expect(ok.status).toBe(201)
    expect(JSON.parse(ok.body.toString('utf8'))).toMatchObject({ key: 'checked.bin', size: 4096, checksum: right })
  })

  it('a PUT replaces the previous blob whole', async () => {
    await storage.upload(Buffer.from('first version'), { key: 'replace.txt' })
    await storage.upload(Buffer.from('second'), { key: 'replace.txt' })
    expect((await raw('GET', '/blobs/replace.txt')).body.toString()).toBe('second')
  })

  it('refuses bodies over maxBytes, by Content-Length and while streaming, and keeps nothing', async () => {
    const big = join(work, 'big.bin')
    writeFileSync(big, Buffer.alloc(MAX + 1, 1))
    const err = await storage.upload(big, { key: 'too-big.bin' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UploadFailedError)
    expect((err as UploadFailedError).status).toBe(413)
    expect((await raw('GET', '/blobs/too-big.bin')).status).toBe(404)

    // No Content-Length: the store counts and stops at the limit.
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(1024 * 1024, 2))
    const streamed = await storage.upload(Readable.from(chunks), { key: 'too-big-stream.bin' }).catch((e: unknown) => e)
    expect(streamed).toBeInstanceOf(UploadFailedError)
    expect((streamed as UploadFailedError).status).toBe(413)
    expect((await raw('GET', '/blobs/too-big-stream.bin')).status).toBe(404)
    await until(() => tmpEntries().length === 0, 'temporaries to go')
  })

  it('refuses path traversal in every spelling and writes nothing outside its directory', async () => {
    const before = readdirSync(work).sort()
    for (const path of [
      '/blobs/../escape',
      '/blobs/../../escape',
      '/blobs/a/../../escape',
      '/blobs/%2e%2e/escape',
      '/blobs/%2E%2E%2Fescape',
      '/blobs/..%2fescape',
      '/blobs/a%2f..%2f..%2fescape',
      '/blobs/..\\escape',
      '/blobs//escape',
      '/blobs/./escape',
      '/blobs/',
      '/blobs/a/',
      '/escape',
      '/blobs/%00',
    ]) {
      const put = await raw('PUT', path, Buffer.from('owned'))
      expect([400, 404], `PUT ${path}`).toContain(put.status)
      const get = await raw('GET', path.replace('escape', 'etc/passwd'))
      expect([400, 404], `GET ${path}`).toContain(get.status)
    }
    expect(readdirSync(work).sort()).toEqual(before)
    expect(existsSync(join(work, 'escape'))).toBe(false)
    expect(existsSync(join(work, 'store', 'escape'))).toBe(false)
    await expect(storage.upload(Buffer.from('x'), { key: '../escape' })).rejects.toBeInstanceOf(InvalidObjectKeyError)
    await expect(storage.upload(Buffer.from('x'), { key: 'a/./b' })).rejects.toBeInstanceOf(InvalidObjectKeyError)
  })

  it('a key that clashes with a directory is a 409, not a crash', async () => {
    await storage.upload(Buffer.from('inner'), { key: 'dir/inner.bin' })
    const err = await storage.upload(Buffer.from('outer'), { key: 'dir' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UploadFailedError)
    expect((err as UploadFailedError).status).toBe(409)
    expect((await raw('GET', '/blobs/dir/inner.bin')).body.toString()).toBe('inner')
  })

  it('an interrupted PUT (client gone mid-body) leaves nothing visible', async () => {
    await new Promise<void>((done, fail) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/blobs/interrupted.bin', headers: { 'content-length': 4 * 1024 * 1024 }, agent: false })
      req.on('error', () => done())
      req.write(Buffer.alloc(1024 * 1024, 3), () => setTimeout(() => req.destroy(), 50))
      req.on('close', () => done())
      req.on('response', () => fail(new Error('the store answered an incomplete body')))
    })
    await until(() => tmpEntries().length === 0, 'the temporary file to be removed')
    expect((await raw('GET', '/blobs/interrupted.bin')).status).toBe(404)
  })

  it('an upload aborted through its signal leaves nothing visible', async () => {
    const controller = new AbortController()
    let produced = 0
    const slow = new Readable({
      read() {
        if (produced >= 6 * 1024 * 1024) return void this.push(null)
        produced += 256 * 1024
        setTimeout(() => this.push(Buffer.alloc(256 * 1024, 4)), 10)
      },
    })
    const uploading = storage.upload(slow, { key: 'aborted.bin', size: 6 * 1024 * 1024, signal: controller.signal, onProgress: (p) => p.transferred >= 1024 * 1024 && controller.abort() })
    await expect(uploading).rejects.toBeInstanceOf(AbortedError)
    await until(() => tmpEntries().length === 0, 'the temporary file to be removed')
    expect((await raw('GET', '/blobs/aborted.bin')).status).toBe(404)
  })

  it('bad options and a taken port are typed errors', async () => {
    await expect(startBlobStore({ dir: '' })).rejects.toMatchObject({ code: 'SOMA_STORAGE_CONFIG' })
    await expect(startBlobStore({ dir: join(work, 'other'), maxBytes: -1 })).rejects.toMatchObject({ code: 'SOMA_STORAGE_CONFIG' })
    await expect(startBlobStore({ dir: join(work, 'other'), port })).rejects.toMatchObject({ code: 'SOMA_STORAGE_CONFIG', details: 'EADDRINUSE' })
  })

  it('other methods are 405', async () => {
    expect((await raw('DELETE', '/blobs/replace.txt')).status).toBe(405)
    expect((await raw('GET', '/blobs/replace.txt')).status).toBe(200)
  })
})
