import { describe, expect, it } from 'vitest'

import { BaseError, BcsDecodeError, InvalidAddressError, normalizeAddress, truncate, version } from '../src/index.js'
import { Address, decodeBcs } from '../src/bcs/index.js'

describe('BaseError', () => {
  it('carries shortMessage, details, hint, metaMessages and a stable code', () => {
    const err = new BaseError('Something failed.', { details: 'because', hint: 'do this', metaMessages: ['field: x'] })
    expect(err.shortMessage).toBe('Something failed.')
    expect(err.code).toBe('SOMA_ERROR')
    expect(err.message).toBe(`Something failed.\n\nfield: x\n\nDetails: because\nHint: do this\nVersion: soma-ts@${version}`)
  })
  it('walks the cause chain', () => {
    const root = new TypeError('root cause')
    const mid = new BcsDecodeError({ typeName: 'Address', cause: root })
    const top = new BaseError('Top.', { cause: mid })
    expect(top.walk()).toBe(root)
    expect(top.walk((e) => e instanceof BcsDecodeError)).toBe(mid)
    expect(top.walk((e) => e instanceof RangeError)).toBeNull()
    expect(mid.details).toBe('root cause')
  })
  it('keeps messages bounded', () => {
    const long = 'ab'.repeat(5000)
    expect(truncate(long).length).toBeLessThan(150)
    try {
      normalizeAddress(long)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidAddressError)
      expect((err as Error).message.length).toBeLessThan(400)
    }
    try {
      decodeBcs(Address, new Uint8Array(5000))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(BcsDecodeError)
      expect((err as BcsDecodeError).typeName).toBe('Address')
      expect((err as Error).message.length).toBeLessThan(600)
    }
  })
})

describe('addresses', () => {
  it('accepts the three text forms and pads short 0x forms', () => {
    const full = `0x${'0'.repeat(63)}5`
    expect(normalizeAddress('0x5')).toBe(full)
    expect(normalizeAddress('0X5')).toBe(full)
    expect(normalizeAddress(full.slice(2))).toBe(full)
    expect(normalizeAddress(full.toUpperCase().replace('0X', '0x'))).toBe(full)
    expect(() => normalizeAddress('5')).toThrow(InvalidAddressError)
    expect(() => normalizeAddress('0x')).toThrow(InvalidAddressError)
    expect(() => normalizeAddress(`0x${'1'.repeat(65)}`)).toThrow(InvalidAddressError)
    expect(() => normalizeAddress('0xg1')).toThrow(InvalidAddressError)
  })
})

import { rpcErrorFromStatus } from '../src/rpc/errors.js'

describe('RPC errors from a hostile or verbose server stay bounded', () => {
  it('truncates the server message and the field violations', () => {
    const err = rpcErrorFromStatus({
      grpcCode: 3,
      serverMessage: 'x'.repeat(100_000),
      method: '/soma.rpc.LedgerService/GetObject',
      fieldViolations: Array.from({ length: 5_000 }, (_, i) => ({ field: `f${i}${'y'.repeat(10_000)}`, description: 'd'.repeat(10_000), reason: 'FIELD_INVALID' })),
    })
    expect(err.code).toBe('SOMA_RPC_INVALID_ARGUMENT')
    expect(err.fieldViolations).toHaveLength(5_000)
    expect(err.metaMessages).toHaveLength(11)
    expect(err.metaMessages?.at(-1)).toBe('… and 4990 more field violations')
    expect(err.message.length).toBeLessThan(5_000)
  })
})

import { errorForCode, FileError, InvalidKeyError, setErrorConfig, SomaCoreError } from '../src/index.js'

describe('the one error model', () => {
  it('renders docsPath and the version label, both configurable', () => {
    const err = new BaseError('Signing failed.', { docsPath: 'signers.md' })
    expect(err.docsPath).toBe('signers.md')
    expect(err.message).toContain('Docs: packages/sdk/docs/signers.md')
    expect(err.message).toContain(`Version: soma-ts@${version}`)
    setErrorConfig({ getDocsUrl: (p) => `https://docs.example/${p}`, version: 'soma-ts@test' })
    try {
      const configured = new BaseError('Signing failed.', { docsPath: 'signers.md' })
      expect(configured.message).toBe('Signing failed.\nDocs: https://docs.example/signers.md\nVersion: soma-ts@test')
      expect(configured.version).toBe('soma-ts@test')
    } finally {
      setErrorConfig({ getDocsUrl: (p) => `packages/sdk/docs/${p}`, version: `soma-ts@${version}` })
    }
  })
  it('maps every native code to its class; an unknown code keeps its code', () => {
    const key = errorForCode('SOMA_INVALID_KEY', 'bad key', { cause: new Error('SOMA_INVALID_KEY: bad key') })
    expect(key).toBeInstanceOf(InvalidKeyError)
    expect(key.code).toBe('SOMA_INVALID_KEY')
    // The cause only repeats the text, so it does not become a Details line.
    expect(key.details).toBeUndefined()
    expect(errorForCode('SOMA_IO', 'no such file')).toBeInstanceOf(FileError)
    const unknown = errorForCode('SOMA_SOMETHING_NEW', 'new')
    expect(unknown).toBeInstanceOf(SomaCoreError)
    expect(unknown.code).toBe('SOMA_SOMETHING_NEW')
    // `__proto__` and other Object keys are not codes.
    expect(errorForCode('toString', 'x').code).toBe('toString')
  })
})
