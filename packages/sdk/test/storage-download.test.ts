// Verified downloads against a server on 127.0.0.1 started here: size and Blake2b-256 checked
// while streaming, limits that stop the transfer early, atomic files, and no secret in errors.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { blake2b } from '@noble/hashes/blake2.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { InvalidDigestError } from '../src/errors/index.js'
import {
  ChecksumMismatchError,
  download,
  HttpStatusError,
  NetworkError,
  SizeMismatchError,
  TooLargeError,
  UrlRefusedError,
  type DownloadOptions,
} from '../src/storage/index.js'
import { toBase58 } from '../src/utils/encoding.js'

const payload = randomBytes(3 * 1024 * 1024 + 17)
const payloadChecksum = blake2b(payload, { dkLen: 32 })
let server: http.Server
let origin = ''
/** Bytes the endless route managed to send before the client hung up. */
let endlessSent = 0
let work = ''

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'soma-download-'))
  server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/payload') {
      res.writeHead(200, { 'content-length': payload.length })
      res.end(payload)
    } else if (path === '/chunked') {
      res.writeHead(200)
      for (let i = 0; i < payload.length; i += 65536) res.write(payload.subarray(i, i + 65536))
      res.end()
    } else if (path === '/endless') {
      endlessSent = 0
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 7)
      const pump = () => {
        while (!res.destroyed && endlessSent < 512 * 1024 * 1024) {
          endlessSent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
    } else if (path === '/short') {
      res.writeHead(200, { 'content-length': 1000 })
      res.write(Buffer.alloc(500))
      setTimeout(() => res.destroy(), 20)
    } else {
      res.writeHead(404, { 'content-type': 'application/xml' })
      res.end('<Error><Code>NoSuchKey</Code></Error>')
    }
  })
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', () => ready()))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((done) => server.close(() => done()))
  rmSync(work, { recursive: true, force: true })
})

const local = (extra: DownloadOptions = {}): DownloadOptions => ({ trustedOrigins: [origin], ...extra })

describe('download', () => {
  it('returns the bytes when size and checksum match (Base58 or raw checksum), with progress', async () => {
    const progress: number[] = []
    const result = await download(`${origin}/payload`, local({ expectedSize: BigInt(payload.length), expectedChecksum: toBase58(payloadChecksum), onProgress: (p) => progress.push(p.transferred) }))
    expect(Buffer.from(result.bytes).equals(payload)).toBe(true)
    expect(result.size).toBe(payload.length)
    expect(result.checksum).toEqual(payloadChecksum)
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)).toBe(payload.length)
    expect([...progress].sort((a, b) => a - b)).toEqual(progress)
    const again = await download(`${origin}/chunked`, local({ expectedChecksum: payloadChecksum }))
    expect(Buffer.from(again.bytes).equals(payload)).toBe(true)
  })

  it('is refused on loopback unless the origin is trusted (or private targets are allowed)', async () => {
    await expect(download(`${origin}/payload`)).rejects.toBeInstanceOf(UrlRefusedError)
    await expect(download(`${origin}/payload`, { allowPrivate: true })).resolves.toMatchObject({ size: payload.length })
  })

  it('detects a wrong checksum and, writing to a file, leaves neither the file nor a temporary', async () => {
    const wrong = blake2b(new Uint8Array([1]), { dkLen: 32 })
    const destination = join(work, 'wrong.bin')
    const err = await download(`${origin}/payload`, local({ expectedChecksum: wrong, destination })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChecksumMismatchError)
    expect((err as ChecksumMismatchError).code).toBe('SOMA_CHECKSUM_MISMATCH')
    expect((err as ChecksumMismatchError).expected).toBe(toBase58(wrong))
    expect((err as ChecksumMismatchError).actual).toBe(toBase58(payloadChecksum))
    expect(readdirSync(work)).toEqual([])
  })

  it('writes the file atomically when everything matches', async () => {
    const destination = join(work, 'ok.bin')
    const result = await download(`${origin}/payload`, { ...local({ expectedSize: payload.length, expectedChecksum: payloadChecksum }), destination })
    expect(result.path).toBe(destination)
    expect(readFileSync(destination).equals(payload)).toBe(true)
    expect(readdirSync(work)).toEqual(['ok.bin'])
    rmSync(destination)
  })

  it('refuses a declared length different from the expected size before reading the body', async () => {
    const err = await download(`${origin}/payload`, local({ expectedSize: payload.length - 1 })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SizeMismatchError)
    expect((err as SizeMismatchError).code).toBe('SOMA_SIZE_MISMATCH')
  })

  it('stops at the declared size on a body without a length', async () => {
    const err = await download(`${origin}/endless`, local({ expectedSize: 100_000 })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SizeMismatchError)
    expect(endlessSent).toBeLessThan(64 * 1024 * 1024)
  })

  it('stops at maxBytes when no size is declared', async () => {
    const err = await download(`${origin}/endless`, local({ maxBytes: 1024 * 1024 })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TooLargeError)
    expect((err as TooLargeError).code).toBe('SOMA_TOO_LARGE')
    expect(endlessSent).toBeLessThan(64 * 1024 * 1024)
    await expect(download(`${origin}/payload`, local({ maxBytes: 1024 }))).rejects.toBeInstanceOf(TooLargeError)
    await expect(download(`${origin}/payload`, local({ expectedSize: 2048, maxBytes: 1024 }))).rejects.toBeInstanceOf(TooLargeError)
  })

  it('a short body (connection cut) is a NetworkError, a fewer-bytes answer a SizeMismatchError', async () => {
    await expect(download(`${origin}/short`, local())).rejects.toBeInstanceOf(NetworkError)
    await expect(download(`${origin}/chunked`, local({ expectedSize: payload.length + 1 }))).rejects.toBeInstanceOf(SizeMismatchError)
  })

  it('a 404 is an HttpStatusError whose message and JSON hold no part of the signed query', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY'
    const err = await download(`${origin}/missing?X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=${secret}`, local()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HttpStatusError)
    expect((err as HttpStatusError).status).toBe(404)
    expect((err as HttpStatusError).message).toContain('/missing?…')
    for (const text of [(err as Error).message, JSON.stringify(err), String((err as Error).stack)]) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain('AKIDEXAMPLE')
    }
  })

  it('bad options are typed errors before any request', async () => {
    await expect(download(`${origin}/payload`, local({ expectedChecksum: 'not-base58-0OIl' }))).rejects.toBeInstanceOf(InvalidDigestError)
    await expect(download(`${origin}/payload`, local({ expectedSize: -1 }))).rejects.toMatchObject({ code: 'SOMA_INVALID_ARGUMENT' })
  })

  it('reads file: URLs only when allowed', async () => {
    const path = join(work, 'local.bin')
    writeFileSync(path, payload)
    const url = pathToFileURL(path).href
    await expect(download(url)).rejects.toBeInstanceOf(UrlRefusedError)
    const result = await download(url, { allowFile: true, expectedChecksum: payloadChecksum })
    expect(result.size).toBe(payload.length)
    rmSync(path)
  })
})
