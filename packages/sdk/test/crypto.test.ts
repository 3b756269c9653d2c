import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { InvalidKeyError } from '@soma-ts/core'
import { afterAll, describe, expect, it } from 'vitest'

import { commitment, parseKey, version } from '../src/index.js'
import { decryptWeights, encryptWeights, encryptWeightsFile, fileCommitment } from '../src/native.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const KEY = '3qbR1eZRqXUWroWKKYhbDmR3FfqTHfqSU8zZSxtANzYh'
const dir = mkdtempSync(join(tmpdir(), 'soma-sdk-crypto-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('weights helpers (reference encrypt_weights / commitment)', () => {
  it('reproduce wire.md §12.2', () => {
    // The §12.2 key is 2a×32; its Base58 text is what the SDK takes and returns.
    expect(hex(parseKey(KEY))).toBe('2a'.repeat(32))
    const { encrypted, key } = encryptWeights(utf8('hello world model weights'), KEY)
    expect(key).toBe(KEY)
    expect(hex(encrypted)).toBe('e0a752b122901bdfa10ab6c8a3d8e247d5a2584210aaab6993')
    expect(commitment(encrypted)).toBe('DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6')
    expect(commitment(parseKey(KEY))).toBe('ASD8ymSHwcAw2AnmkF3JU7wKnGPsFsrGC2ejTHcuqA5v')
    // The same two commitments in the spec's hex form.
    expect(hex(parseKey(commitment(encrypted)))).toBe('bde4e4570f214e6f3c4b8a3236c6010996eb20edbfc1b94e8bce090ccb54a01f')
    expect(hex(parseKey(commitment(parseKey(KEY))))).toBe('8c2e6d327dfaa6ff8195513810496949210ad20a96e2b0672a3e1b9335080801')
    expect(commitment(utf8('hello soma'))).toBe('DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf')
    expect(new TextDecoder().decode(decryptWeights(encrypted, KEY))).toBe('hello world model weights')
  })

  it('makes a fresh random key when none is given', () => {
    const a = encryptWeights(utf8('same'))
    const b = encryptWeights(utf8('same'))
    expect(a.key).not.toBe(b.key)
    expect(parseKey(a.key)).toHaveLength(32)
  })

  it('the file form gives the same checksum as the memory form', async () => {
    const src = join(dir, 'w.safetensors')
    writeFileSync(src, 'hello world model weights')
    const out = await encryptWeightsFile(src, join(dir, 'w.enc'), { key: KEY })
    expect(out).toEqual({ key: KEY, checksum: 'DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6', size: 25 })
    expect(hex(new Uint8Array(readFileSync(join(dir, 'w.enc'))))).toBe('e0a752b122901bdfa10ab6c8a3d8e247d5a2584210aaab6993')
    expect(await fileCommitment(join(dir, 'w.enc'))).toBe(out.checksum)
  })

  it('rejects malformed keys with InvalidKeyError', () => {
    expect(() => parseKey('not-base58-0OIl')).toThrow(InvalidKeyError)
    expect(() => parseKey('3qbR1eZRqXUWroWKKYhb')).toThrow(/32 bytes/)
    expect(() => decryptWeights(utf8('x'), new Uint8Array(16))).toThrow(InvalidKeyError)
  })

  it('exports the package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(version).toBe(pkg.version)
  })
})
