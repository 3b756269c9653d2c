// One error model across the packages: every class is defined once (in @soma-ts/core/errors) and
// re-exported, so `instanceof` holds whichever package threw; one fault gives one SOMA_* code in
// the core, the SDK and the CLI's `--json` output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import * as core from '@soma-ts/core'
import * as coreErrors from '@soma-ts/core/errors'
import * as sdk from '@soma-ts/sdk'
import * as sdkNative from '@soma-ts/sdk/native'
import { afterAll, describe, expect, it } from 'vitest'

import { soma } from './cli.js'

const dir = mkdtempSync(join(tmpdir(), 'soma-error-model-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const errorClasses = (mod: Record<string, unknown>) =>
  Object.entries(mod).filter(
    (e): e is [string, typeof coreErrors.BaseError] =>
      typeof e[1] === 'function' && (e[1] === coreErrors.BaseError || e[1].prototype instanceof coreErrors.BaseError),
  )

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

/** The CLI's one `--json` error line. */
function cliError(args: string[]): { code: string; message: string; hint?: string } {
  const r = soma([...args, '--json'])
  expect(r.status, r.stderr).toBe(1)
  expect(r.stdout).toBe('')
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  const parsed = JSON.parse(lines[0]!) as { error: { code: string; message: string; hint?: string } }
  expect(Object.keys(parsed)).toEqual(['error'])
  for (const key of Object.keys(parsed.error)) expect(['code', 'message', 'hint']).toContain(key)
  return parsed.error
}

describe('one hierarchy', () => {
  it('every core error class is the same object through the core root, its errors entry and the SDK', () => {
    const classes = errorClasses(coreErrors)
    expect(classes.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining(['BaseError', 'InvalidKeyError', 'InvalidArgumentError', 'FileError', 'InvalidWeightsError']),
    )
    for (const [name, cls] of classes) {
      expect((core as Record<string, unknown>)[name], name).toBe(cls)
      expect((sdk as Record<string, unknown>)[name], name).toBe(cls)
    }
  })

  it('every SDK error class extends the one BaseError', () => {
    const classes = errorClasses(sdk)
    expect(classes.length).toBeGreaterThan(20)
    for (const [name, cls] of classes) {
      const err = Object.create(cls.prototype) as unknown
      expect(err instanceof coreErrors.BaseError, name).toBe(true)
      expect(err instanceof sdk.BaseError, name).toBe(true)
    }
  })

  it('an error thrown by the core is an instance of the SDK class, and the reverse', async () => {
    const fromCore = thrown(() => core.aes256Ctr(new Uint8Array(4), new Uint8Array(3)))
    expect(fromCore).toBeInstanceOf(sdk.InvalidKeyError)
    expect(fromCore).toBeInstanceOf(sdk.BaseError)
    const fromSdk = thrown(() => sdk.parseKey(new Uint8Array(3)))
    expect(fromSdk).toBeInstanceOf(core.InvalidKeyError)
    expect(fromSdk).toBeInstanceOf(coreErrors.BaseError)
    // Through the binding: a native error arrives as the same typed class.
    const fromNative = await rejected(core.blake2b256File(join(dir, 'missing')))
    expect(fromNative).toBeInstanceOf(sdk.FileError)
    const fromSdkNative = await rejected(sdkNative.fileCommitment(join(dir, 'missing')))
    expect(fromSdkNative).toBeInstanceOf(core.FileError)
    const sdkOnly = thrown(() => sdk.normalizeAddress('nope'))
    expect(sdkOnly).toBeInstanceOf(sdk.InvalidAddressError)
    expect(sdkOnly).toBeInstanceOf(core.BaseError)
  })
})

describe('one fault, one code', () => {
  it('a key that is not 32 bytes is SOMA_INVALID_KEY in the core, the SDK and the CLI', () => {
    const short = core.fromBase58('abc')
    expect((thrown(() => core.aes256Ctr(new Uint8Array(4), short)) as coreErrors.BaseError).code).toBe('SOMA_INVALID_KEY')
    expect((thrown(() => sdk.parseKey('abc')) as coreErrors.BaseError).code).toBe('SOMA_INVALID_KEY')
    expect((thrown(() => sdkNative.decryptWeights(new Uint8Array(4), 'abc')) as coreErrors.BaseError).code).toBe('SOMA_INVALID_KEY')
    writeFileSync(join(dir, 'plain'), 'x')
    const err = cliError(['weights', 'encrypt', '--input', join(dir, 'plain'), '--output', join(dir, 'out'), '--key', 'abc'])
    expect(err.code).toBe('SOMA_INVALID_KEY')
    expect(err.message).toMatch(/32 bytes/)
  })

  it('a missing file is SOMA_IO in the core (native), the SDK and the CLI', async () => {
    const missing = join(dir, 'missing')
    expect(((await rejected(core.blake2b256File(missing))) as coreErrors.BaseError).code).toBe('SOMA_IO')
    expect(((await rejected(sdkNative.fileCommitment(missing))) as coreErrors.BaseError).code).toBe('SOMA_IO')
    expect(cliError(['weights', 'commitment', missing]).code).toBe('SOMA_IO')
  })

  it('a usage error has the same shape and a SOMA_ code', () => {
    const err = cliError(['weights', 'encrypt'])
    expect(err.code).toBe('SOMA_USAGE')
    expect(err.hint).toMatch(/--help/)
  })
})
