// Where the native binding cannot load, the commands that need no native code still work, and the
// ones that do fail with the typed SOMA_NATIVE_LOAD error, not a stack trace at start-up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, expect, it } from 'vitest'

import { soma } from './cli.js'

const preload = fileURLToPath(new URL('./fixtures/without-native.cjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'soma-without-native-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const env = { NODE_OPTIONS: `--require ${preload}`, SOMA_CONFIG_DIR: join(dir, 'config') }

it('keys, version and Base58 commitments work without the binding', () => {
  const version = soma(['--version'], env)
  expect(version.status, version.stderr).toBe(0)
  // The reference's all-"abandon … about" test mnemonic.
  const mnemonic = `${'abandon '.repeat(11)}about`
  const keystore = ['keytool', '--keystore-path', join(dir, 'soma.keystore')]
  const imported = soma([...keystore, 'import', mnemonic, 'ed25519', '--alias', 'test', '--json'], env)
  expect(imported.status, imported.stderr).toBe(0)
  const { somaAddress } = JSON.parse(imported.stdout) as { somaAddress: string }
  const listed = soma([...keystore, 'list', '--json'], env)
  expect(listed.status, listed.stderr).toBe(0)
  expect(listed.stdout).toContain(somaAddress)
  const text = soma(['weights', 'commitment', '--text', 'hello soma'], env)
  expect(text.status, text.stderr).toBe(0)
  expect(text.stdout.trim()).toBe('DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf')
})

it('a native command reports SOMA_NATIVE_LOAD as one JSON line', () => {
  writeFileSync(join(dir, 'w.bin'), 'weights')
  const r = soma(['weights', 'commitment', join(dir, 'w.bin'), '--json'], env)
  expect(r.status).toBe(1)
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  const err = JSON.parse(lines[0]!).error as { code: string; message: string; hint?: string }
  expect(err.code).toBe('SOMA_NATIVE_LOAD')
  expect(err.hint).toMatch(/Install the platform package/)
})
