#!/usr/bin/env node
// Milliseconds per checkpoint signature: @noble/curves (what the local network signed with
// before: hash to G1, one multiplication per member, aggregation) against the native
// `blsMinSigSignAggregate` (blst), on a checkpoint-sized message, for committees of 1 and 4.
// A measurement, not a test; every native signature is checked against noble's first.
//
//   npm run bench -- checkpoint-sign [--iterations 2000]
import { cpus } from 'node:os'

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { blsMinSigSignAggregate } from '@soma-ts/core'

const DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'
const i = process.argv.indexOf('--iterations')
const iterations = i >= 0 ? Number(process.argv[i + 1]) : 2000
const sigs = bls12_381.shortSignatures

function noble(message, keys) {
  const point = sigs.hash(message, DST)
  return sigs.aggregateSignatures(keys.map((k) => sigs.sign(point, k))).toBytes(true)
}

/** Mean ms per call over `n` calls, after a warm-up of n/10; each call signs a different message. */
function msPerCall(fn, messages, n) {
  for (let j = 0; j < n / 10; j++) fn(messages[j % messages.length])
  const start = process.hrtime.bigint()
  for (let j = 0; j < n; j++) fn(messages[j % messages.length])
  return Number(process.hrtime.bigint() - start) / 1e6 / n
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, node ${process.version}`)
// intent (3) + a summary of ~120 bytes + epoch (8), as the node signs.
const messages = Array.from({ length: 64 }, (_, j) => Uint8Array.from({ length: 131 }, (_, b) => (b * 31 + j) & 0xff))
for (const size of [1, 4]) {
  const keys = Array.from({ length: size }, () => bls12_381.utils.randomSecretKey())
  for (const m of messages.slice(0, 4)) {
    const a = Buffer.from(noble(m, keys)).toString('hex')
    const b = Buffer.from(blsMinSigSignAggregate(m, DST, keys)).toString('hex')
    if (a !== b) throw new Error(`native and noble disagree for a committee of ${size}`)
  }
  // noble is ~1 ms a call: a tenth of the iterations measures it as well.
  const nobleMs = msPerCall((m) => noble(m, keys), messages, Math.max(20, Math.floor(iterations / 10)))
  const nativeMs = msPerCall((m) => blsMinSigSignAggregate(m, DST, keys), messages, iterations)
  console.log(
    `committee ${size}: noble ${nobleMs.toFixed(3)} ms, native ${nativeMs.toFixed(3)} ms per checkpoint (${(nobleMs / nativeMs).toFixed(1)}x)`,
  )
}
