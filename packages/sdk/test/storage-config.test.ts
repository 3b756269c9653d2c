// Storage settings and names, with no network: the .env reader, S3 settings from the environment
// (which must stay untouched), public URLs, object keys and URL redaction.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  BlobStoreStorage,
  InvalidObjectKeyError,
  isValidObjectKey,
  parseDotEnv,
  redactUrl,
  S3Storage,
  s3ConfigFromEnvironment,
  StorageConfigError,
  validateObjectKey,
} from '../src/storage/index.js'

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'soma-storage-config-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('parseDotEnv', () => {
  it('reads the common forms', () => {
    const text = [
      '\uFEFF# a comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      '  SPACED  =  padded value  ',
      'TRAILING=abc # comment',
      'HASH_INSIDE=abc#def',
      "SINGLE='lit $HOME \\n'",
      'DOUBLE="line\\nnext \\"q\\" \\\\"',
      'EMPTY=',
      'QUOTED_COMMENT="x" # note',
      '',
    ].join('\r\n')
    expect(parseDotEnv(text)).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      SPACED: 'padded value',
      TRAILING: 'abc',
      HASH_INSIDE: 'abc#def',
      SINGLE: 'lit $HOME \\n',
      DOUBLE: 'line\nnext "q" \\',
      EMPTY: '',
      QUOTED_COMMENT: 'x',
    })
  })

  it('refuses malformed lines without echoing their values', () => {
    expect(() => parseDotEnv('JUST_A_WORD')).toThrow(StorageConfigError)
    const err = (() => {
      try {
        parseDotEnv('S3_SECRET_ACCESS_KEY="hunter2-secret-value', 'my.env')
      } catch (e) {
        return e as StorageConfigError
      }
      throw new Error('no error')
    })()
    expect(err).toBeInstanceOf(StorageConfigError)
    expect(err.code).toBe('SOMA_STORAGE_CONFIG')
    expect(err.message).toContain('Line 1 of my.env')
    expect(err.message).not.toContain('hunter2')
    expect(JSON.stringify(err)).not.toContain('hunter2')
  })
})

describe('S3 settings from the environment and .env', () => {
  it('fills what the environment lacks from .env in the working directory, and changes no variable', () => {
    writeFileSync(
      join(work, '.env'),
      ['S3_BUCKET=from-file', 'S3_REGION=eu-west-1', 'S3_ENDPOINT=http://127.0.0.1:9000', 'S3_ACCESS_KEY_ID=FILEKEY', 'S3_SECRET_ACCESS_KEY="file secret"', 'OTHER=1'].join('\n'),
    )
    const env = { S3_BUCKET: 'from-env', S3_ACCESS_KEY_ID: 'ENVKEY' }
    const before = { ...process.env }
    const config = s3ConfigFromEnvironment({ env, cwd: work })
    expect(config).toEqual({
      bucket: 'from-env',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      accessKeyId: 'ENVKEY',
      secretAccessKey: 'file secret',
    })
    expect(env).toEqual({ S3_BUCKET: 'from-env', S3_ACCESS_KEY_ID: 'ENVKEY' })
    expect(process.env).toEqual(before)
    expect(process.env.OTHER).toBe(before.OTHER)
  })

  it('works without a .env file and says which variable is missing', () => {
    const empty = mkdtempSync(join(work, 'empty-'))
    expect(() => s3ConfigFromEnvironment({ env: {}, cwd: empty })).toThrow(/S3_BUCKET is not set/)
    const err = (() => {
      try {
        S3Storage.fromEnvironment({ env: { S3_BUCKET: 'bucket-a', S3_SECRET_ACCESS_KEY: 'lonely-secret-123' }, cwd: empty })
      } catch (e) {
        return e as StorageConfigError
      }
      throw new Error('no error')
    })()
    expect(err).toBeInstanceOf(StorageConfigError)
    expect(err.message).toContain('S3_ACCESS_KEY_ID is missing')
    expect(err.message).not.toContain('lonely-secret-123')
  })

  it('the storage object shows no credential in JSON or inspect output', () => {
    const storage = new S3Storage({ bucket: 'weights', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKIAVISIBLE', secretAccessKey: 'very-secret-value' })
    for (const text of [JSON.stringify(storage), inspect(storage), inspect(storage, { showHidden: true, depth: 5 })]) {
      expect(text).not.toContain('very-secret-value')
      expect(text).not.toContain('AKIAVISIBLE')
    }
    expect(JSON.parse(JSON.stringify(storage))).toEqual({ kind: 's3', bucket: 'weights', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000' })
    storage.destroy()
  })

  it('refuses endpoints with credentials or queries, and bad buckets', () => {
    expect(() => new S3Storage({ bucket: 'weights', endpoint: 'http://user:pw@127.0.0.1:9000' })).toThrow(StorageConfigError)
    expect(() => new S3Storage({ bucket: 'weights', endpoint: 'http://127.0.0.1:9000/?X-Amz-Signature=abc' })).toThrow(StorageConfigError)
    expect(() => new S3Storage({ bucket: 'weights', endpoint: 'ftp://127.0.0.1' })).toThrow(StorageConfigError)
    expect(() => new S3Storage({ bucket: 'Bad_Bucket' })).toThrow(StorageConfigError)
    expect(() => new S3Storage({ bucket: 'weights', partSize: 1024 })).toThrow(StorageConfigError)
  })
})

describe('public URLs', () => {
  it('path-style for custom endpoints (base path kept), virtual-hosted for AWS, path-style for dotted buckets', () => {
    const custom = new S3Storage({ bucket: 'weights', endpoint: 'https://storage.example.com/s3/' })
    expect(custom.publicUrl('models/m-1/weights.enc')).toBe('https://storage.example.com/s3/weights/models/m-1/weights.enc')
    const aws = new S3Storage({ bucket: 'weights', region: 'eu-central-1' })
    expect(aws.publicUrl('a/b.bin')).toBe('https://weights.s3.eu-central-1.amazonaws.com/a/b.bin')
    const dotted = new S3Storage({ bucket: 'my.weights', region: 'us-west-2' })
    expect(dotted.publicUrl('a.bin')).toBe('https://s3.us-west-2.amazonaws.com/my.weights/a.bin')
    expect(new BlobStoreStorage({ url: 'http://127.0.0.1:9130/' }).publicUrl('x/y.bin')).toBe('http://127.0.0.1:9130/blobs/x/y.bin')
    for (const s of [custom, aws, dotted]) s.destroy()
  })

  it('blob store URLs must be plain http', () => {
    expect(() => new BlobStoreStorage({ url: 'ftp://127.0.0.1' })).toThrow(StorageConfigError)
    expect(() => new BlobStoreStorage({ url: 'http://u:p@127.0.0.1' })).toThrow(StorageConfigError)
    expect(() => new BlobStoreStorage({ url: 'nonsense' })).toThrow(StorageConfigError)
  })
})

describe('object keys', () => {
  it.each(['a', 'weights.enc', 'models/0xabc/weights.enc', 'a-b_c.d/e', '...a', 'a..b'])('%j is valid', (key) => {
    expect(validateObjectKey(key)).toBe(key)
  })

  it.each(['', '/a', 'a/', 'a//b', '.', '..', '../a', 'a/../b', 'a/./b', 'a b', 'a\\b', 'a%2fb', 'a\0b', 'ü', 'a?b', 'a#b', 'x'.repeat(1025), `${'y'.repeat(256)}/z`])(
    '%j is refused',
    (key) => {
      expect(() => validateObjectKey(key)).toThrow(InvalidObjectKeyError)
      expect(isValidObjectKey(key)).toBe(false)
    },
  )

  it('non-strings are refused with a typed error', () => {
    expect(() => validateObjectKey(undefined)).toThrow(InvalidObjectKeyError)
    expect(() => validateObjectKey(42)).toThrow(InvalidObjectKeyError)
  })
})

describe('redactUrl', () => {
  it('drops user info, query and fragment', () => {
    expect(redactUrl('https://u:p@host.example/a/b?X-Amz-Signature=s#frag')).toBe('https://host.example/a/b?…')
    expect(redactUrl('http://127.0.0.1:9000/bucket/key')).toBe('http://127.0.0.1:9000/bucket/key')
    expect(redactUrl('not a url with secret')).toBe('<invalid URL>')
  })
})
