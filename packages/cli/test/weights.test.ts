import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { soma } from './cli.js'

const dir = mkdtempSync(join(tmpdir(), 'soma-cli-weights-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const KEY = '3qbR1eZRqXUWroWKKYhbDmR3FfqTHfqSU8zZSxtANzYh'

describe('soma (process)', () => {
  it('--version prints the version of every layer', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    const r = soma(['--version'])
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(`soma ${pkg.version} (sdk ${pkg.version}, core ${pkg.version})`)
  })

  it('weights encrypt → commitment → decrypt round trip, with --json', () => {
    const src = join(dir, 'weights.safetensors')
    writeFileSync(src, 'hello world model weights')
    const enc = soma(['weights', 'encrypt', '--input', src, '--output', join(dir, 'w.enc'), '--key', KEY, '--json'])
    expect(enc.status).toBe(0)
    expect(JSON.parse(enc.stdout)).toEqual({
      output: join(dir, 'w.enc'),
      decryptionKey: KEY,
      checksum: 'DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6',
      size: 25,
    })
    const c = soma(['weights', 'commitment', join(dir, 'w.enc'), '--json'])
    expect(JSON.parse(c.stdout)).toEqual({ commitment: 'DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6' })
    expect(soma(['weights', 'commitment', '--text', 'hello soma']).stdout.trim()).toBe(
      'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf',
    )
    const dec = soma(['weights', 'decrypt', '--input', join(dir, 'w.enc'), '--output', join(dir, 'w.dec'), '--key', KEY])
    expect(dec.status).toBe(0)
    expect(readFileSync(join(dir, 'w.dec'), 'utf8')).toBe('hello world model weights')
  })

  it('bad input: a clear error on stderr, exit 1, no stack trace, nothing written', () => {
    const missing = soma(['weights', 'encrypt', '--input', join(dir, 'nope'), '--output', join(dir, 'o.enc')])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/^error: .*nope/m)
    expect(missing.stderr).not.toMatch(/\n\s+at /)

    writeFileSync(join(dir, 'p'), 'x')
    const badKey = soma(['weights', 'encrypt', '--input', join(dir, 'p'), '--output', join(dir, 'o.enc'), '--key', 'abc', '--json'])
    expect(badKey.status).toBe(1)
    const err = JSON.parse(badKey.stderr) as { error: { code: string; message: string } }
    expect(err.error.code).toBe('SOMA_INVALID_KEY')
    expect(() => readFileSync(join(dir, 'o.enc'))).toThrow()

    const usage = soma(['weights', 'encrypt'])
    expect(usage.status).not.toBe(0)
    expect(usage.stderr).toMatch(/required option/)
  })
})
