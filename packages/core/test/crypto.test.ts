import { createCipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { blake2b } from '@noble/hashes/blake2.js'
import { afterAll, describe, expect, it } from 'vitest'

import {
  AbortedError,
  Aes256Ctr,
  aes256Ctr,
  aes256CtrAsync,
  aes256CtrInPlace,
  aes256CtrFile,
  Blake2b256,
  blake2b256,
  blake2b256Async,
  blake2b256File,
  blake2b256FileSync,
  encryptFileWithChecksum,
  FileError,
  fromBase58,
  InvalidArgumentError,
  InvalidKeyError,
  randomKey,
  toBase58,
} from '../src/index.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))
const utf8 = (s: string) => new TextEncoder().encode(s)

/** The reference path: node's OpenSSL AES-256-CTR with the protocol's zero IV. */
const opensslCtr = (data: Uint8Array, key: Uint8Array) => {
  const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]))
}
const nobleBlake = (data: Uint8Array) => blake2b(data, { dkLen: 32 })

const SIZES = [0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 127, 128, 129, 1000, 4095, 65_537, 3 * 1024 * 1024 + 7]

const dir = mkdtempSync(join(tmpdir(), 'soma-core-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('published and protocol vectors', () => {
  it('Blake2b-256 known answers', () => {
    expect(hex(blake2b256(new Uint8Array()))).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8')
    expect(hex(blake2b256(utf8('abc')))).toBe('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319')
    expect(toBase58(blake2b256(utf8('hello soma')))).toBe('DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf')
  })

  it('AES-256-CTR with the zero IV: block 0 is AES(key, 0)', () => {
    expect(hex(aes256Ctr(new Uint8Array(16), new Uint8Array(32)))).toBe('dc95c078a2408989ad48a21492842087')
  })

  it('NIST SP 800-38A F.5.5 keystream, reached through the zero-IV counter', () => {
    // With a zero IV, keystream block i is AES(key, i). NIST's CTR-AES256 vectors use
    // counter blocks f0f1…feff, f0f1…ff00, …; XORing NIST's ciphertext with its
    // plaintext gives those keystream blocks, which OpenSSL's ECB of the same counters
    // must match, and our CTR at block index 0 must match ECB of the zero block.
    const key = unhex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4')
    const plain = unhex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51')
    const cipher = unhex('601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5')
    const counters = unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfefff0f1f2f3f4f5f6f7f8f9fafbfcfdff00')
    const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false)
    const keystream = new Uint8Array(Buffer.concat([ecb.update(counters), ecb.final()]))
    expect(hex(keystream)).toBe(hex(plain.map((p, i) => p ^ cipher[i]!)))
    // Our zero-IV CTR for the first 32 bytes equals ECB of counters 0 and 1.
    const ecb0 = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false)
    const zeroCounters = new Uint8Array(32)
    zeroCounters[31] = 1
    const expected = new Uint8Array(Buffer.concat([ecb0.update(zeroCounters), ecb0.final()]))
    expect(hex(aes256Ctr(new Uint8Array(32), key))).toBe(hex(expected))
  })

  it('NIST SP 800-38A F.5.5 key and plaintext under the zero IV (known answer)', () => {
    // The same bytes as the engine's Rust test; produced by `openssl enc -aes-256-ctr`
    // with a zero IV.
    const key = unhex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4')
    const plain = unhex(
      '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51' +
        '30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
    )
    const expected =
      '8ea94863ba8fe940fe7032d13083bf7e3f38940a1579b3875e60c37ceb91dfb5' +
      '27c63f97d00036c49c1dfb9161c39afcbe9218a879799e723852f46d728e8f3e'
    expect(hex(aes256Ctr(plain, key))).toBe(expected)
    const stream = new Aes256Ctr(key)
    expect(hex(Buffer.concat([stream.update(plain.subarray(0, 23)), stream.update(plain.subarray(23))]))).toBe(expected)
  })

  it('the weights vector of wire.md §12.2', () => {
    const key = fromBase58('3qbR1eZRqXUWroWKKYhbDmR3FfqTHfqSU8zZSxtANzYh', 32)
    expect(hex(key)).toBe('2a'.repeat(32))
    const ct = aes256Ctr(utf8('hello world model weights'), key)
    expect(hex(ct)).toBe('e0a752b122901bdfa10ab6c8a3d8e247d5a2584210aaab6993')
    expect(toBase58(blake2b256(ct))).toBe('DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6')
    expect(toBase58(blake2b256(key))).toBe('ASD8ymSHwcAw2AnmkF3JU7wKnGPsFsrGC2ejTHcuqA5v')
    expect(hex(blake2b256(unhex('000ccdcccc3dcdcc4c3e9a99993e010300000000000000')))).toBe(
      'e5bc99bb75cf14d5f2c568eed1838271a3aaabc993614b4e0398a2e1f5f45150',
    )
  })
})

describe('differential against @noble/hashes and node:crypto', () => {
  it.each(SIZES)('one-shot, %i bytes', (size) => {
    const data = new Uint8Array(randomBytes(size))
    const key = randomKey()
    expect(hex(blake2b256(data))).toBe(hex(nobleBlake(data)))
    expect(hex(aes256Ctr(data, key))).toBe(hex(opensslCtr(data, key)))
  })

  it('random sizes, async forms', async () => {
    for (let i = 0; i < 40; i++) {
      const size = Math.floor(Math.random() ** 3 * 300_000)
      const data = new Uint8Array(randomBytes(size))
      const key = randomKey()
      expect(hex(await blake2b256Async(data))).toBe(hex(nobleBlake(data)))
      expect(hex(await aes256CtrAsync(data, key))).toBe(hex(opensslCtr(data, key)))
    }
  })

  it('streaming in random pieces and from random offsets', () => {
    const data = new Uint8Array(randomBytes(200_003))
    const key = randomKey()
    const expected = opensslCtr(data, key)
    const hasher = new Blake2b256()
    const stream = new Aes256Ctr(key)
    const out: Uint8Array[] = []
    for (let at = 0; at < data.length; ) {
      const n = Math.min(data.length - at, Math.floor(Math.random() * 40_000))
      const piece = data.subarray(at, at + n)
      hasher.update(piece)
      out.push(stream.update(piece))
      at += n
    }
    expect(hex(hasher.digest())).toBe(hex(nobleBlake(data)))
    expect(hasher.length).toBe(data.length)
    expect(hex(Buffer.concat(out))).toBe(hex(expected))
    expect(stream.offset).toBe(data.length)
    for (const offset of [0, 1, 15, 16, 17, 99_999, 200_002]) {
      const s = new Aes256Ctr(key, { offset })
      expect(hex(s.update(data.subarray(offset)))).toBe(hex(expected.subarray(offset)))
      s.seek(BigInt(0))
      expect(hex(s.update(data.subarray(0, 33)))).toBe(hex(expected.subarray(0, 33)))
    }
  })

  it('accepts Buffers and returns plain Uint8Arrays', () => {
    const out = blake2b256(Buffer.from('abc'))
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype)
    expect(out.length).toBe(32)
  })
})

describe('file forms', () => {
  it('encrypt + checksum in one pass equals the memory forms (multi-MiB)', async () => {
    const data = new Uint8Array(randomBytes(9 * 1024 * 1024 + 5))
    const key = randomKey()
    const src = join(dir, 'weights.safetensors')
    const enc = join(dir, 'weights.enc')
    const dec = join(dir, 'weights.dec')
    writeFileSync(src, data)
    const progress: number[] = []
    const result = await encryptFileWithChecksum(src, enc, key, { onProgress: (n) => progress.push(n) })
    const ct = new Uint8Array(readFileSync(enc))
    expect(hex(ct.subarray(0, 64))).toBe(hex(opensslCtr(data.subarray(0, 64), key)))
    expect(hex(ct)).toBe(hex(opensslCtr(data, key)))
    expect(hex(result.checksum)).toBe(hex(nobleBlake(ct)))
    expect(result.size).toBe(data.length)
    // Every report arrives before the promise settles, in increasing order, ending at
    // the full size; none comes later.
    expect(progress.at(-1)).toBe(data.length)
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.every((n, i) => i === 0 || n > progress[i - 1]!)).toBe(true)
    const reported = progress.length
    await new Promise((r) => setTimeout(r, 50))
    expect(progress.length).toBe(reported)
    expect(await aes256CtrFile(enc, dec, key)).toBe(data.length)
    expect(hex(nobleBlake(new Uint8Array(readFileSync(dec))))).toBe(hex(nobleBlake(data)))
    expect(hex(await blake2b256File(enc))).toBe(hex(result.checksum))
    expect(hex(blake2b256FileSync(enc))).toBe(hex(result.checksum))
  })
})

describe('bad input gets a clear error and loses nothing', () => {
  it('wrong key sizes and types', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(16), new Uint8Array(31), new Uint8Array(33)]) {
      expect(() => aes256Ctr(new Uint8Array(4), bad)).toThrow(InvalidKeyError)
      expect(() => new Aes256Ctr(bad)).toThrow(/32 bytes/)
    }
    expect(() => aes256Ctr(new Uint8Array(4), 'key' as unknown as Uint8Array)).toThrow(InvalidKeyError)
    expect(() => blake2b256('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError)
    expect(() => new Aes256Ctr(randomKey(), { offset: -1 })).toThrow(InvalidArgumentError)
    expect(() => new Aes256Ctr(randomKey(), { offset: 1.5 })).toThrow(InvalidArgumentError)
  })

  it('errors carry no key material', () => {
    const key = new Uint8Array(31).fill(0xab)
    try {
      aes256Ctr(new Uint8Array(1), key)
      expect.unreachable()
    } catch (err) {
      expect(String((err as Error).message)).not.toMatch(/ab,ab|171/)
    }
  })

  it('missing files reject with FileError naming the path', async () => {
    const missing = join(dir, 'does-not-exist')
    await expect(blake2b256File(missing)).rejects.toThrow(FileError)
    await expect(blake2b256File(missing)).rejects.toThrow(/does-not-exist/)
    await expect(encryptFileWithChecksum(missing, join(dir, 'x'), randomKey())).rejects.toBeInstanceOf(FileError)
    expect(() => blake2b256FileSync(missing)).toThrow(FileError)
    await expect(aes256CtrFile(join(dir, 'a'), join(dir, 'b'), new Uint8Array(3))).rejects.toBeInstanceOf(InvalidKeyError)
  })

  it('abort stops file work and leaves no partial output', async () => {
    const src = join(dir, 'big.bin')
    writeFileSync(src, new Uint8Array(64 * 1024 * 1024))
    const before = readdirSync(dir).sort()
    const controller = new AbortController()
    const run = encryptFileWithChecksum(src, join(dir, 'big.enc'), randomKey(), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    })
    await expect(run).rejects.toBeInstanceOf(AbortedError)
    expect(readdirSync(dir).sort()).toEqual(before)
    // An already-aborted signal rejects at once.
    await expect(blake2b256File(src, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError)
    await expect(blake2b256Async(new Uint8Array(8), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError)
    // Aborted after scheduling, whether the task is still queued (napi cancels it) or
    // already running (it cannot be interrupted): either way the call rejects rather
    // than handing back a result the caller gave up on.
    const running = new AbortController()
    const hashing = blake2b256Async(new Uint8Array(32 * 1024 * 1024), { signal: running.signal })
    const encrypting = aes256CtrAsync(new Uint8Array(32 * 1024 * 1024), randomKey(), { signal: running.signal })
    running.abort()
    // Both handlers attach at once: awaiting one first would leave the other's rejection
    // unhandled for a moment, which the runner reports as an error.
    await Promise.all([
      expect(hashing).rejects.toBeInstanceOf(AbortedError),
      expect(encrypting).rejects.toBeInstanceOf(AbortedError),
    ])
  })

  it('an output in a missing folder or that is a folder is refused, naming the output', async () => {
    const src = join(dir, 'small.bin')
    writeFileSync(src, new Uint8Array(1000))
    const before = readdirSync(dir).sort()
    const missing = join(dir, 'no-such-folder', 'out.enc')
    const err = await encryptFileWithChecksum(src, missing, randomKey()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FileError)
    expect((err as FileError).shortMessage).toContain(missing)
    expect((err as FileError).shortMessage).not.toContain('.partial')
    const progress: number[] = []
    const intoDir = aes256CtrFile(src, dir, randomKey(), { onProgress: (n) => progress.push(n) })
    await expect(intoDir).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(intoDir).rejects.toThrow(/is a directory/)
    expect(progress).toEqual([])
    await expect(aes256CtrFile(src, src, randomKey())).rejects.toThrow(/is the input file/)
    expect(readdirSync(dir).sort()).toEqual(before)
  })

  it('paths, callbacks and signals of the wrong type are argument errors', async () => {
    const src = join(dir, 'small.bin')
    writeFileSync(src, new Uint8Array(10))
    const key = randomKey()
    await expect(blake2b256File(42 as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(blake2b256File(Buffer.from(src) as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError)
    expect(() => blake2b256FileSync(undefined as unknown as string)).toThrow(InvalidArgumentError)
    await expect(aes256CtrFile(src, {} as unknown as string, key)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(
      blake2b256File(src, { onProgress: 5 as unknown as (n: number) => void }),
    ).rejects.toThrow(/onProgress must be a function/)
    await expect(
      encryptFileWithChecksum(src, join(dir, 'o'), key, { signal: {} as unknown as AbortSignal }),
    ).rejects.toThrow(/signal must be an AbortSignal/)
    await expect(blake2b256Async(new Uint8Array(1), { signal: 'x' as unknown as AbortSignal })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
  })

  it('a throwing onProgress stops the work and rejects with its error, leaving no output', async () => {
    const src = join(dir, 'progress-throws.bin')
    writeFileSync(src, new Uint8Array(24 * 1024 * 1024))
    const before = readdirSync(dir).sort()
    const boom = new Error('boom from onProgress')
    let calls = 0
    const run = encryptFileWithChecksum(src, join(dir, 'progress-throws.enc'), randomKey(), {
      onProgress: () => {
        calls++
        throw boom
      },
    })
    await expect(run).rejects.toBe(boom)
    expect(calls).toBe(1)
    expect(readdirSync(dir).sort()).toEqual(before)
    await expect(blake2b256File(src, { onProgress: () => { throw boom } })).rejects.toBe(boom)
  })

  it('a missing file under a folder named "aborted" is a FileError, not an abort', async () => {
    const path = join(dir, 'aborted', 'weights.bin')
    await expect(blake2b256File(path)).rejects.toBeInstanceOf(FileError)
    expect(() => blake2b256FileSync(path)).toThrow(FileError)
  })

  it('Base58 decoding is checked', () => {
    expect(() => fromBase58('0OIl')).toThrow(InvalidArgumentError)
    expect(() => fromBase58('3qbR1eZRqXUWroWKKYhbDmR3FfqTHfqSU8zZSxtANzYh', 16)).toThrow(/Expected 16 bytes/)
  })
})

describe('in-place forms', () => {
  it('aes256CtrInPlace and Aes256Ctr.updateInPlace equal the copying forms', () => {
    const data = new Uint8Array(randomBytes(100_003))
    const key = randomKey()
    const expected = opensslCtr(data, key)
    const copy = new Uint8Array(data)
    aes256CtrInPlace(copy, key)
    expect(hex(copy)).toBe(hex(expected))
    const s = new Aes256Ctr(key)
    const pieces = [data.slice(0, 7), data.slice(7, 50_000), data.slice(50_000)]
    for (const p of pieces) s.updateInPlace(p)
    expect(hex(Buffer.concat(pieces))).toBe(hex(expected))
    // The copying form leaves its input untouched.
    const before = hex(data)
    aes256Ctr(data, key)
    expect(hex(data)).toBe(before)
  })
})

// Issue 8 finding 7: a detached view hashed as empty input and `aes256Ctr` threw a plain
// TypeError; a resizable view could change length under native code.
describe('detached and resizable buffers are typed errors', () => {
  const detachedView = () => {
    const buffer = new ArrayBuffer(16)
    const view = new Uint8Array(buffer)
    structuredClone(buffer, { transfer: [buffer] })
    return view
  }
  const resizableView = () => {
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer
    return new Uint8Array(new Resizable(16, { maxByteLength: 64 }))
  }

  it('through the wrappers', async () => {
    for (const [view, why] of [
      [detachedView(), /detached/],
      [resizableView(), /resizable/],
    ] as const) {
      expect(() => blake2b256(view)).toThrow(InvalidArgumentError)
      expect(() => blake2b256(view)).toThrow(why)
      expect(() => aes256Ctr(view, randomKey())).toThrow(InvalidArgumentError)
      expect(() => aes256CtrInPlace(view, randomKey())).toThrow(InvalidArgumentError)
      expect(() => new Blake2b256().update(view)).toThrow(InvalidArgumentError)
      expect(() => new Aes256Ctr(randomKey()).update(view)).toThrow(InvalidArgumentError)
      await expect(blake2b256Async(view)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(aes256CtrAsync(view, randomKey())).rejects.toBeInstanceOf(InvalidArgumentError)
    }
    // An empty view of a live buffer is still the empty input.
    expect(hex(blake2b256(new Uint8Array(0)))).toBe(hex(nobleBlake(new Uint8Array(0))))
    expect(hex(blake2b256(new Uint8Array(new ArrayBuffer(8), 8)))).toBe(hex(nobleBlake(new Uint8Array(0))))
  })

  it('from the native side itself, with the code in err.code', () => {
    const native = createRequire(import.meta.url)('../binding.cjs') as typeof import('../binding.cjs')
    for (const view of [detachedView(), resizableView()]) {
      for (const call of [() => native.blake2b256(view), () => native.aes256CtrInPlace(view, randomKey())]) {
        try {
          call()
          expect.unreachable()
        } catch (err) {
          expect((err as { code?: string }).code).toBe('SOMA_INVALID_ARGUMENT')
          expect((err as Error).message).toMatch(/^data is a view of a (detached|resizable) ArrayBuffer/)
        }
      }
    }
  })
})
