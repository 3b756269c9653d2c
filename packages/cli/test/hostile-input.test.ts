// Hostile input through the CLI (issue 8). `soma keytool sign --data` with a 6-byte TransactionData whose coin vector declares 2^25 − 1
// entries (finding 2) must be refused at once with the typed decode error; a client.yaml syntax
// error next to a basic_auth password (finding 5) must not print the password, text or --json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { soma } from './cli.js'

const root = mkdtempSync(join(tmpdir(), 'soma-cli-hostile-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// TransactionData::V1, TransactionKind::PayCoins (tag 10), coins: ULEB128(2^25 − 1), then nothing.
const PAY_COINS_2_25 = Buffer.from([0x00, 0x0a, 0xff, 0xff, 0xff, 0x0f]).toString('base64')

describe('soma keytool sign on hostile bytes', () => {
  it('refuses a declared coin count beyond the input quickly, as a typed decode error', () => {
    const keystore = join(root, 'soma.keystore')
    writeFileSync(keystore, '[\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"\n]', { mode: 0o600 })
    const started = performance.now()
    const r = soma(['keytool', '--keystore-path', keystore, 'sign', '--address', '0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133', '--data', PAY_COINS_2_25, '--json'])
    const ms = performance.now() - started
    expect(r.status).not.toBe(0)
    const err = JSON.parse(r.stdout || r.stderr) as { error?: { code?: string; details?: string } }
    expect(JSON.stringify(err)).toMatch(/BCS_DECODE/)
    expect(JSON.stringify(err)).toMatch(/declares 33554431 elements/)
    // A process start is about a second on a loaded machine; the old decode added 0.4 s and 256 MiB.
    expect(ms).toBeLessThan(15_000)
  })
})

describe('soma on a broken client.yaml', () => {
  it('names the line and column of a YAML error but never prints the basic_auth password', () => {
    const dir = join(root, 'broken-config')
    mkdirSync(dir)
    const password = 'pw-Very-S3cret-9f2c'
    writeFileSync(
      join(dir, 'client.yaml'),
      `keystore:\n  File: /tmp/x.keystore\nenvs:\n  - alias: a\n    rpc: "http://127.0.0.1:9000"\n    basic_auth: "${password}"\n   bad: [${password}\n`,
    )
    for (const args of [['wallet', 'list', '--json'], ['wallet', 'list']]) {
      const r = soma(args, { SOMA_CONFIG_DIR: dir })
      expect(r.status).not.toBe(0)
      const out = r.stdout + r.stderr
      expect(out).toMatch(/line \d+, column \d+/)
      expect(out).not.toContain(password)
    }
  })
})
