// S3Storage against a real S3 protocol server (moto) that this file starts on 127.0.0.1:
// a ≥ 64 MiB multipart upload with progress read back anonymously and verified, a wrong checksum
// caught, an interrupted upload that leaves nothing at the URL, and no secret in any error.
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { CreateBucketCommand, GetObjectAclCommand, HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3'
import { blake2b } from '@noble/hashes/blake2.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  ChecksumMismatchError,
  download,
  HttpStatusError,
  S3Storage,
  AbortedError,
  UploadFailedError,
  UrlRefusedError,
} from '../src/storage/index.js'
import { ensureMoto, startMoto, type MotoServer } from './helpers/storage-moto.js'

const moto = ensureMoto()
const skip = 'skip' in moto ? moto.skip : undefined
if (skip) console.warn(`storage-s3: skipped, ${skip}`)

const ACCESS_KEY_ID = 'AKIASOMATESTKEY00001'
const SECRET = 'somaTestSecret/+k9Qz7WvXb3Lr8Tn2Yp5Hs6Jd4Fg1Mc0'
const BUCKET = 'soma-weights'
const BIG = 64 * 1024 * 1024 + 12_345

let server: MotoServer
let storage: S3Storage
let work: string

/** Writes `size` random bytes in 1 MiB pieces and returns their Blake2b-256. */
function writeRandomFile(path: string, size: number): Uint8Array {
  const hash = blake2b.create({ dkLen: 32 })
  const fd = openSync(path, 'w')
  try {
    for (let left = size; left > 0; ) {
      const piece = randomBytes(Math.min(left, 1024 * 1024))
      hash.update(piece)
      writeSync(fd, piece)
      left -= piece.length
    }
  } finally {
    closeSync(fd)
  }
  return hash.digest()
}

describe.skipIf(skip !== undefined)('S3Storage against moto', () => {
  beforeAll(async () => {
    if (!('python' in moto)) return
    work = mkdtempSync(join(tmpdir(), 'soma-s3-'))
    server = await startMoto(moto.python)
    storage = new S3Storage({ bucket: BUCKET, endpoint: server.endpoint, region: 'us-east-1', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET })
    const client = storage.client()
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }))
    client.destroy()
  }, 180_000)
  afterAll(async () => {
    storage?.destroy()
    await server?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('uploads a 64 MiB file in parts with progress, public-read, and reads it back anonymously, verified', async () => {
    const file = join(work, 'weights.enc')
    const checksum = writeRandomFile(file, BIG)
    const progress: number[] = []
    const result = await storage.upload(file, { key: 'models/big/weights.enc', onProgress: (p) => progress.push(p.transferred) })
    expect(result.url).toBe(`${server.endpoint}/${BUCKET}/models/big/weights.enc`)
    expect(result.size).toBe(BIG)
    expect(result.checksum).toEqual(checksum)
    // 8 MiB parts: nine of them, each reported.
    expect(progress.length).toBeGreaterThanOrEqual(9)
    expect(progress.at(-1)).toBe(BIG)
    expect([...progress].sort((a, b) => a - b)).toEqual(progress)

    const client = storage.client()
    const acl = await client.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'models/big/weights.enc' }))
    client.destroy()
    expect(acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ')).toBe(true)

    // The plain downloader sends no credentials: this is the anonymous public URL at work.
    const fetched = await download(result.url, { trustedOrigins: [server.endpoint], expectedSize: BIG, expectedChecksum: checksum })
    expect(fetched.size).toBe(BIG)
    expect(fetched.checksum).toEqual(checksum)

    const wrong = await storage.download(result.url, { expectedSize: BIG, expectedChecksum: blake2b(Buffer.from('not these weights'), { dkLen: 32 }) }).catch((e: unknown) => e)
    expect(wrong).toBeInstanceOf(ChecksumMismatchError)

    // The endpoint is trusted by its own storage object only.
    await expect(download(result.url, { expectedSize: BIG })).rejects.toBeInstanceOf(UrlRefusedError)
  }, 300_000)

  it('small objects go up in one request and come back the same', async () => {
    const bytes = randomBytes(1000)
    const result = await storage.upload(bytes, { key: 'data/small.bin' })
    const fetched = await storage.download(result.url, { expectedSize: 1000, expectedChecksum: result.checksum })
    expect(Buffer.from(fetched.bytes).equals(bytes)).toBe(true)
  })

  it('an upload aborted after some parts leaves no object and no multipart upload behind', async () => {
    const file = join(work, 'interrupted.enc')
    writeRandomFile(file, 48 * 1024 * 1024)
    const small = new S3Storage({ bucket: BUCKET, endpoint: server.endpoint, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, partSize: 5 * 1024 * 1024, queueSize: 2 })
    const controller = new AbortController()
    let parts = 0
    const err = await small
      .upload(file, {
        key: 'models/interrupted/weights.enc',
        signal: controller.signal,
        onProgress: () => {
          if (++parts === 2) controller.abort()
        },
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AbortedError)
    expect(parts).toBeGreaterThanOrEqual(2)
    expect(parts).toBeLessThan(10)

    const gone = await download(small.publicUrl('models/interrupted/weights.enc'), { trustedOrigins: [server.endpoint] }).catch((e: unknown) => e)
    expect(gone).toBeInstanceOf(HttpStatusError)
    expect((gone as HttpStatusError).status).toBe(404)
    const client = small.client()
    await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'models/interrupted/weights.enc' }))).rejects.toMatchObject({ name: 'NotFound' })
    const pending = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))
    expect(pending.Uploads ?? []).toEqual([])
    client.destroy()
    small.destroy()
  }, 120_000)

  it('no error, JSON or inspect output carries the access key or the secret', async () => {
    const texts: string[] = [JSON.stringify(storage), inspect(storage), String(storage)]
    const missingBucket = new S3Storage({ bucket: 'no-such-bucket', endpoint: server.endpoint, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET })
    const refused = await missingBucket.upload(randomBytes(100), { key: 'x.bin' }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(UploadFailedError)
    expect((refused as UploadFailedError).status).toBe(404)
    missingBucket.destroy()
    // A port on 127.0.0.1 where nothing listens.
    const closed = new S3Storage({ bucket: BUCKET, endpoint: 'http://127.0.0.1:9', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET })
    const unreachable = await closed.upload(randomBytes(100), { key: 'x.bin' }).catch((e: unknown) => e)
    expect(unreachable).toBeInstanceOf(UploadFailedError)
    closed.destroy()
    for (const err of [refused, unreachable] as Error[]) {
      texts.push(err.message, JSON.stringify(err), inspect(err), String(err.stack))
    }
    for (const text of texts) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain(ACCESS_KEY_ID)
    }
  }, 60_000)
})
