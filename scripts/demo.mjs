#!/usr/bin/env node
// The main job, as far as it exists today: walk a model trainer's first steps with the
// real `soma` CLI, run as a process. It prints the toolkit's version, writes a sample
// weights file, encrypts it in one streaming pass (AES-256-CTR, zero IV) and computes
// every commitment a CommitModel transaction carries.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const somaBin = join(root, 'packages', 'cli', 'bin', 'soma.js')

function soma(args, { json = false } = {}) {
  console.log(`\n$ soma ${args.join(' ')}`)
  const r = spawnSync(process.execPath, [somaBin, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (r.status !== 0) {
    console.error(`demo: \`soma ${args.join(' ')}\` failed (exit ${r.status})`)
    process.exit(1)
  }
  process.stdout.write(r.stdout)
  return json ? JSON.parse(r.stdout) : r.stdout.trim()
}

const work = mkdtempSync(join(tmpdir(), 'soma-demo-'))
try {
  soma(['--version'])

  // A stand-in for a trained model: 8 MiB of weights.
  const weights = join(work, 'weights.safetensors')
  writeFileSync(weights, randomBytes(8 * 1024 * 1024))
  console.log(`\nwrote sample weights: ${weights} (8 MiB)`)

  const enc = soma(['weights', 'encrypt', '--input', weights, '--output', join(work, 'weights.enc'), '--json'], {
    json: true,
  })
  const weightsCommitment = soma(['weights', 'commitment', join(work, 'weights.enc')])
  if (weightsCommitment !== enc.checksum) {
    console.error('demo: the streamed checksum and the file commitment disagree')
    process.exit(1)
  }
  const url = 'https://storage.example.com/my-model/weights.enc'
  const urlCommitment = soma(['weights', 'commitment', '--text', url])

  console.log('\nReady to commit the model:')
  console.log(`  weights url            ${url}`)
  console.log(`  url commitment         ${urlCommitment}`)
  console.log(`  weights checksum       ${enc.checksum}  (= weights commitment, Blake2b-256 of the ciphertext)`)
  console.log(`  weights size           ${enc.size} bytes`)
  console.log(`  decryption key         ${enc.decryptionKey}  (kept secret until the reveal)`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
