#!/usr/bin/env node
// CPU cost of each saved fuzz regression input of the decoder targets (fuzz/regressions/bcs_*
// and rpc_transactionDataFromProto), run as the fuzz targets run them: min and median of N runs,
// in one process, on two clocks: the thread that runs the decode (what the fuzz harness bounds;
// Linux /proc/thread-self/schedstat) and the whole process (V8's GC and compiler threads too).
// With `--expose-gc` every run starts from a collected heap (measured slower on both clocks).
//
//   node --expose-gc bench/decode/regressions.mjs [--runs 5] [--filter StakingPool]
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import * as B from '@soma-ts/sdk/bcs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const sdk = join(root, 'packages', 'sdk')
const requireFromSdk = createRequire(join(sdk, 'package.json'))
const { fromBinary } = await import(pathToFileURL(requireFromSdk.resolve('@bufbuild/protobuf')).href)
const { TransactionSchema } = await import(pathToFileURL(join(sdk, 'dist', 'generated', 'soma', 'rpc', 'transaction_pb.js')).href)
const { transactionDataFromProto } = await import(pathToFileURL(join(sdk, 'dist', 'rpc', 'convert.js')).href)

const arg = (flag, fallback) => {
  const i = process.argv.indexOf(flag)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const runs = Number(arg('--runs', '5'))
const filter = arg('--filter', '')
const collect = typeof globalThis.gc === 'function' ? globalThis.gc : undefined

function runnerOf(folder) {
  if (folder === 'rpc_transactionDataFromProto') {
    return (bytes) => {
      let message
      try {
        // As the soma.rpc servers parse a request (RPC_REQUEST_BINARY_OPTIONS in packages/localnet).
        message = fromBinary(TransactionSchema, bytes, { readUnknownFields: false })
      } catch {
        return 'refused by protobuf'
      }
      return transactionDataFromProto(message)
    }
  }
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a benchmark script, never bundled; the folder names the schema
  const type = B[folder.slice(4)]
  return (bytes) => B.decodeBcs(type, bytes)
}

// A 20 µs sleep first: the kernel updates the thread's sum when it switches the thread out, else
// once a scheduler tick (up to 4 ms); as the fuzz harness reads it (packages/sdk/test/fuzz/engine.ts).
const sleepCell = new Int32Array(new SharedArrayBuffer(4))
const threadMs = () => {
  Atomics.wait(sleepCell, 0, 0, 0.02)
  return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]) / 1e6
}
const processMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}
const minMedian = (times) => {
  const sorted = [...times].sort((a, b) => a - b)
  return `${sorted[0].toFixed(1).padStart(6)} / ${sorted[sorted.length >> 1].toFixed(1).padStart(6)}`
}

function measure(fn) {
  const thread = []
  const whole = []
  let outcome = 'ok'
  for (let i = 0; i < runs; i++) {
    collect?.()
    const processBefore = processMs()
    const threadBefore = threadMs()
    try {
      fn()
    } catch (err) {
      outcome = `refused: ${String(err.details ?? err.message).slice(0, 40)}`
    }
    thread.push(threadMs() - threadBefore)
    whole.push(processMs() - processBefore)
  }
  return { thread: minMedian(thread), whole: minMedian(whole), outcome }
}

const dir = join(root, 'fuzz', 'regressions')
console.log(`${runs} runs per input, ${collect ? 'heap collected before each run' : 'no collection between runs'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(`${'input'.padEnd(46)} ${'bytes'.padStart(10)}  thread min / median ms  process min / median ms`)
for (const folder of readdirSync(dir).filter((f) => f.startsWith('bcs_') || f.startsWith('rpc_')).sort()) {
  const run = runnerOf(folder)
  for (const file of readdirSync(join(dir, folder)).sort()) {
    const name = `${folder.replace(/^(bcs|rpc)_/, '')}/${file.replace('.bin', '')}`
    if (filter && !name.includes(filter)) continue
    const bytes = new Uint8Array(readFileSync(join(dir, folder, file)))
    const m = measure(() => run(bytes))
    console.log(`${name.padEnd(46)} ${String(bytes.length).padStart(10)}  ${m.thread.padEnd(22)}  ${m.whole.padEnd(22)}  ${m.outcome}`)
  }
}
console.log(`load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
