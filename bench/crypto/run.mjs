#!/usr/bin/env node
// Streaming AES-256-CTR and Blake2b-256 over a 2 GiB file with @soma-ts/core, against
// `openssl speed` on the same machine in the same run, and against the pure-JS path
// (@noble/hashes, @noble/ciphers). Each measurement runs in a fresh child process so
// its peak RSS growth can be read from the kernel.
//
//   npm run bench -- crypto [--size-mib 2048] [--js-size-mib 256]
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (flag, fallback) => {
  const i = process.argv.indexOf(flag)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const sizeMiB = arg('--size-mib', 2048)
const jsSizeMiB = Math.min(sizeMiB, arg('--js-size-mib', 256))
const work = join(tmpdir(), `soma-bench-crypto-${process.pid}`)
mkdirSync(work, { recursive: true })

function makeFile(path, mib) {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(1 << 20)
  for (let i = 0; i < mib; i++) {
    chunk.fill(i & 0xff)
    chunk.writeUInt32LE(i, 0)
    writeSync(fd, chunk)
  }
  closeSync(fd)
}

/** `openssl speed -evp ALG` bytes/s at 16 KiB blocks, single core. */
function opensslSpeed(alg) {
  const out = execFileSync('openssl', ['speed', '-evp', alg, '-seconds', '3', '-bytes', '16384', '-mr'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const line = out.split('\n').find((l) => l.startsWith('+F:'))
  if (!line) throw new Error(`could not parse openssl speed output for ${alg}`)
  return Number(line.split(':')[3])
}

/** Runs one measurement in a child; returns { seconds, bytes, rssGrowthMiB }. */
function measure(kind, file, bytes) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'worker.mjs'), kind, file, String(bytes), work], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (r.status !== 0) throw new Error(`measurement ${kind} failed`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1))
}

const gbps = (bytesPerSec) => `${(bytesPerSec / 1e9).toFixed(2)} GB/s`
const row = (cells) => console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 38 : 14)).join(''))

try {
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, node ${process.version}`)
  console.log(`openssl: ${execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim()}`)
  const big = join(work, 'input.bin')
  const small = join(work, 'input-js.bin')
  console.log(`writing ${sizeMiB} MiB test file (and ${jsSizeMiB} MiB for the pure-JS path)...`)
  makeFile(big, sizeMiB)
  makeFile(small, jsSizeMiB)
  // Warm the page cache so every contender reads from memory, as openssl speed does.
  measure('native-blake2b', big, sizeMiB * 1048576)

  const sslAes = opensslSpeed('aes-256-ctr')
  const sslBlake = opensslSpeed('blake2b512')

  const nAesMem = measure('native-aes-memory', big, sizeMiB * 1048576)
  const nBlakeMem = measure('native-blake2b-memory', big, sizeMiB * 1048576)
  const nAesStream = measure('native-aes-stream', big, sizeMiB * 1048576)
  const nBothStream = measure('native-aes-blake-stream', big, sizeMiB * 1048576)
  const nAes = measure('native-aes', big, sizeMiB * 1048576)
  const nBlake = measure('native-blake2b', big, sizeMiB * 1048576)
  const nBoth = measure('native-encrypt-checksum', big, sizeMiB * 1048576)
  const jAes = measure('js-aes', small, jsSizeMiB * 1048576)
  const jBlake = measure('js-blake2b', small, jsSizeMiB * 1048576)
  const rate = (m) => m.bytes / m.seconds

  console.log()
  row(['', 'throughput', 'vs OpenSSL', 'vs pure JS', 'peak RSS +'])
  row(['openssl speed aes-256-ctr (16K)', gbps(sslAes), '1.00x', '', ''])
  row(['soma-ts AES-256-CTR in memory', gbps(rate(nAesMem)), `${(rate(nAesMem) / sslAes).toFixed(2)}x`, `${(rate(nAesMem) / rate(jAes)).toFixed(1)}x`, `${nAesMem.rssGrowthMiB.toFixed(1)} MiB`])
  row(['soma-ts AES-256-CTR stream of file', gbps(rate(nAesStream)), `${(rate(nAesStream) / sslAes).toFixed(2)}x`, `${(rate(nAesStream) / rate(jAes)).toFixed(1)}x`, `${nAesStream.rssGrowthMiB.toFixed(1)} MiB`])
  row(['@noble/ciphers ctr (pure JS)', gbps(rate(jAes)), `${(rate(jAes) / sslAes).toFixed(2)}x`, '1.0x', `${jAes.rssGrowthMiB.toFixed(1)} MiB`])
  row(['openssl speed blake2b512 (16K)', gbps(sslBlake), '1.00x', '', ''])
  row(['soma-ts Blake2b-256 in memory', gbps(rate(nBlakeMem)), `${(rate(nBlakeMem) / sslBlake).toFixed(2)}x`, `${(rate(nBlakeMem) / rate(jBlake)).toFixed(1)}x`, `${nBlakeMem.rssGrowthMiB.toFixed(1)} MiB`])
  row(['soma-ts Blake2b-256 of file', gbps(rate(nBlake)), `${(rate(nBlake) / sslBlake).toFixed(2)}x`, `${(rate(nBlake) / rate(jBlake)).toFixed(1)}x`, `${nBlake.rssGrowthMiB.toFixed(1)} MiB`])
  row(['@noble/hashes blake2b (pure JS)', gbps(rate(jBlake)), `${(rate(jBlake) / sslBlake).toFixed(2)}x`, '1.0x', `${jBlake.rssGrowthMiB.toFixed(1)} MiB`])
  row(['soma-ts AES+Blake2b stream of file', gbps(rate(nBothStream)), '', '', `${nBothStream.rssGrowthMiB.toFixed(1)} MiB`])
  console.log('\nwith the ciphertext written to a file on this disk as well (bound by the disk):')
  row(['soma-ts AES-256-CTR file->file', gbps(rate(nAes)), `${(rate(nAes) / sslAes).toFixed(2)}x`, '', `${nAes.rssGrowthMiB.toFixed(1)} MiB`])
  row(['soma-ts encrypt+checksum file->file', gbps(rate(nBoth)), '', '', `${nBoth.rssGrowthMiB.toFixed(1)} MiB`])
  console.log(`\nfile: ${sizeMiB} MiB native, ${jsSizeMiB} MiB pure JS; single thread each; goal >= 0.90x OpenSSL per core, RSS growth <= 64 MiB`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
