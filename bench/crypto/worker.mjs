// One measurement in its own process: prints { seconds, bytes, rssGrowthMiB }.
import { closeSync, openSync, readSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { Aes256Ctr, aes256CtrFile, Blake2b256, blake2b256File, encryptFileWithChecksum } from '@soma-ts/core'
import { ctr } from '@noble/ciphers/aes.js'
import { blake2b } from '@noble/hashes/blake2.js'

const [kind, file, bytesText, work] = process.argv.slice(2)
const bytes = Number(bytesText)
const key = new Uint8Array(32).fill(7)

/** Peak resident set (VmHWM) in KiB, from the kernel. */
function peakKiB() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) : process.resourceUsage().maxRSS
}

function* chunks(path) {
  const fd = openSync(path, 'r')
  const buf = Buffer.alloc(4 << 20)
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) return
      yield buf.subarray(0, n)
    }
  } finally {
    closeSync(fd)
  }
}

// In memory, as `openssl speed` measures: the same 4 MiB buffer, processed until `bytes`.
function inMemory(step) {
  const buf = new Uint8Array(4 << 20).fill(3)
  for (let done = 0; done < bytes; done += buf.length) step(buf)
}

const runs = {
  'native-aes-memory': () => {
    const cipher = new Aes256Ctr(key)
    inMemory((b) => cipher.updateInPlace(b))
  },
  'native-blake2b-memory': () => {
    const hasher = new Blake2b256()
    inMemory((b) => hasher.update(b))
    return hasher.digest()
  },
  'native-aes': () => aes256CtrFile(file, join(work, 'out.bin'), key),
  // The upload path: read the file in chunks and encrypt each on its way out (to a
  // network stream, so nothing is written to disk here).
  'native-aes-stream': () => {
    const cipher = new Aes256Ctr(key)
    for (const c of chunks(file)) cipher.updateInPlace(c)
  },
  'native-aes-blake-stream': () => {
    const cipher = new Aes256Ctr(key)
    const hasher = new Blake2b256()
    for (const c of chunks(file)) {
      cipher.updateInPlace(c)
      hasher.update(c)
    }
    return hasher.digest()
  },
  'native-blake2b': () => blake2b256File(file),
  'native-encrypt-checksum': () => encryptFileWithChecksum(file, join(work, 'out.bin'), key),
  'js-blake2b': () => {
    const h = blake2b.create({ dkLen: 32 })
    for (const c of chunks(file)) h.update(c)
    return h.digest()
  },
  'js-aes': () => {
    // @noble/ciphers' CTR takes a full 16-byte counter block; the protocol's is zero.
    // It has no streaming form, so each 4 MiB chunk gets its own counter block.
    let block = 0n
    for (const c of chunks(file)) {
      const iv = new Uint8Array(16)
      new DataView(iv.buffer).setBigUint64(8, block)
      ctr(key, iv).encrypt(c)
      block += BigInt(c.length / 16)
    }
  },
}

globalThis.gc?.()
const base = peakKiB()
const t0 = process.hrtime.bigint()
await runs[kind]()
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
const rssGrowthMiB = (peakKiB() - base) / 1024
console.log(JSON.stringify({ kind, seconds, bytes, rssGrowthMiB }))
