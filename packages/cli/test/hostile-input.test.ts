// `soma keytool sign --data` with a 6-byte TransactionData whose coin vector declares 2^25 − 1
// entries (issue 8, finding 2): the CLI must refuse it at once with the typed decode error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
