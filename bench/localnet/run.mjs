#!/usr/bin/env node
// Signed TransferCoin transactions over gRPC against a local network in its own process, with
// durable commits (WAL, synchronous=FULL, group commit: effects come back only after the fsync).
//   1. throughput: every sender has one coin and one pre-signed transfer; `--concurrency` calls in
//      flight at once, spread over `--clients` HTTP/2 connections; transactions/s over the batch.
//   2. latency: a fixed offered load of `--rate` tx/s for `--seconds` (open loop, distinct senders),
//      p50/p99 of each call's round trip.
// Nothing is asserted; the figures are printed.
//
// `--client raw` (default) sends the pre-encoded request bodies over plain HTTP/2 streams, so the
// load generator costs little of the two cores it shares with the node; `--client sdk` sends them
// through the SDK's client (Connect's gRPC transport), as an application would.
//
//   npm run bench -- localnet [--senders 6000] [--concurrency 256] [--clients 8] [--rate 500] [--seconds 5] [--client raw|sdk]
import { spawn } from 'node:child_process'
import { createPrivateKey, sign as opensslSign } from 'node:crypto'
import { connect } from 'node:http2'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { Ed25519Keypair, buildTransaction, signingDigest, toSerializedSignature, userSignatureToProto } from '@soma-ts/sdk'
import { ExecuteTransactionRequestSchema, ExecuteTransactionResponseSchema } from '@soma-ts/sdk/generated/soma/rpc/transaction_execution_service_pb'
import { FileKeystore, createSomaRpcClient, defaultKeystorePath } from '@soma-ts/sdk/node'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (flag, fallback) => {
  const i = process.argv.indexOf(flag)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const throughputSenders = arg('--senders', 6000)
const concurrency = arg('--concurrency', 256)
const clientCount = arg('--clients', 8)
const rate = arg('--rate', 500)
const seconds = arg('--seconds', 5)
const latencySenders = rate * seconds
const clientKind = process.argv.includes('--client') ? process.argv[process.argv.indexOf('--client') + 1] : 'raw'
if (clientKind !== 'raw' && clientKind !== 'sdk') throw new Error(`--client is raw or sdk, not ${clientKind}`)
const SOMA = 1_000_000_000n
const EXECUTE_MASK = 'effects.status,effects.changed_objects'

/** Ed25519 signing through OpenSSL (the same deterministic bytes as the SDK's signer), so pre-signing thousands is quick. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
function signFast(keypair, txBytes) {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(keypair.getSecretKey())]), format: 'der', type: 'pkcs8' })
  const signature = opensslSign(null, signingDigest(txBytes), key)
  return userSignatureToProto(toSerializedSignature(new Uint8Array(signature), keypair.getPublicKey()))
}

function refOf(changed) {
  return { objectId: changed.objectId, version: changed.outputVersion, digest: changed.outputDigest }
}

function startNode(configDir) {
  const child = spawn(process.execPath, [...(process.env.SOMA_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(here, 'node.mjs'), configDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the local network exited with ${code}`)))
    const lines = createInterface({ input: child.stdout })
    const waiting = []
    lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)))
    waiting.push(({ rpc }) => {
      /** The node's CPU milliseconds so far (user + system, all threads) and its main thread's busy milliseconds. */
      const usage = () =>
        new Promise((r) => {
          waiting.push((m) => r(m))
          child.kill('SIGUSR2')
        })
      resolve({ child, rpc, usage })
    })
  })
}

const ownCpuMs = () => (process.cpuUsage().user + process.cpuUsage().system) / 1000
/** CPU per transaction of the node and of this client over a phase, and how busy the node's main thread was. */
async function cpuPer(before, count) {
  const { cpuMs, busyMs } = await node.usage()
  const wallMs = performance.now() - before.wall
  const busy = busyMs - before.busy
  return (
    `CPU per transaction: node ${((cpuMs - before.node) / count).toFixed(3)} ms, client ${((ownCpuMs() - before.client) / count).toFixed(3)} ms; ` +
    `node main thread busy ${(busy / count).toFixed(3)} ms a transaction (${((100 * busy) / wallMs).toFixed(0)} % of the phase)`
  )
}
const cpuNow = async () => {
  const { cpuMs, busyMs } = await node.usage()
  return { node: cpuMs, busy: busyMs, client: ownCpuMs(), wall: performance.now() }
}

const EXECUTE_PATH = '/soma.rpc.TransactionExecutionService/ExecuteTransaction'

/** A gRPC frame (uncompressed) around an ExecuteTransactionRequest's bytes. */
function executeFrame(proto, signatures, mask) {
  const message = toBinary(ExecuteTransactionRequestSchema, create(ExecuteTransactionRequestSchema, { transaction: proto, signatures, readMask: { paths: mask.split(',') } }))
  const frame = Buffer.allocUnsafe(5 + message.length)
  frame[0] = 0
  frame.writeUInt32BE(message.length, 1)
  frame.set(message, 5)
  return frame
}

/** One unary call over a raw HTTP/2 session: resolves with the response message, rejects on a non-OK status. */
function rawExecute(session, frame) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': EXECUTE_PATH, 'content-type': 'application/grpc', te: 'trailers' })
    const chunks = []
    let status
    let message = ''
    const take = (h) => {
      if (h['grpc-status'] === undefined) return
      status = String(h['grpc-status'])
      message = decodeURIComponent(String(h['grpc-message'] ?? ''))
    }
    req.on('response', take)
    req.on('trailers', take)
    req.on('data', (c) => chunks.push(c))
    req.on('error', reject)
    req.on('close', () => {
      if (status !== '0') return reject(new Error(`ExecuteTransaction: grpc-status ${status} ${message}`))
      const body = Buffer.concat(chunks)
      resolve(fromBinary(ExecuteTransactionResponseSchema, body.subarray(5, 5 + body.readUInt32BE(1))).transaction)
    })
    req.end(frame)
  })
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

const configDir = mkdtempSync(join(tmpdir(), 'soma-bench-localnet-'))
let node
try {
  // Genesis funds the keystore's first 5 addresses with 5 coins of 300,000 SOMA each.
  const keystore = FileKeystore.load(defaultKeystorePath(configDir))
  const funders = Array.from({ length: 5 }, (_, i) => Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(i + 1)))
  for (const k of funders) keystore.import(k)
  keystore.save()
  node = await startNode(configDir)
  const clients = Array.from({ length: clientCount }, () => createSomaRpcClient({ url: node.rpc }))
  const sessions = clientKind === 'raw' ? Array.from({ length: clientCount }, () => connect(node.rpc)) : []
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, node ${process.version}; local network at ${node.rpc}; client ${clientKind}`)

  // ---- fan out: one coin to each sender, one PayCoins from each genesis coin ----
  const total = throughputSenders + latencySenders
  const senders = Array.from({ length: total }, (_, i) => Ed25519Keypair.fromSecretKey(new Uint8Array(32).map((_, j) => (j < 4 ? (i >> (8 * j)) & 0xff : 0x5a))))
  const addresses = senders.map((k) => k.toSomaAddress())
  const coinOf = new Map()
  const sources = []
  for (const f of funders) {
    for await (const o of clients[0].listOwnedObjects(f.toSomaAddress(), { objectType: 'Coin' })) sources.push({ keypair: f, ref: { objectId: o.objectId, version: o.version, digest: o.digest } })
  }
  const perPay = Math.ceil(total / sources.length)
  const chunks = []
  for (let i = 0; i < total; i += perPay) chunks.push(addresses.slice(i, i + perPay))
  const fundStart = performance.now()
  await Promise.all(
    chunks.map(async (recipients, i) => {
      const { keypair, ref } = sources[i]
      const tx = buildTransaction({ V1: { kind: { PayCoins: { coins: [ref], amounts: recipients.map(() => 10n * SOMA), recipients } }, sender: keypair.toSomaAddress(), gasPayment: [ref] } })
      const executed = await clients[i % clientCount].executeTransaction(tx.proto, [signFast(keypair, tx.bcs)], { readMask: EXECUTE_MASK })
      if (!executed.effects?.status?.success) throw new Error(`funding failed: ${executed.effects?.status?.error?.description}`)
      for (const c of executed.effects.changedObjects) {
        const owner = c.outputOwner?.address
        if (c.idOperation === 2 /* CREATED */ && owner !== undefined) coinOf.set(owner, refOf(c))
      }
    }),
  )
  if (coinOf.size !== total) throw new Error(`funded ${coinOf.size} of ${total} senders`)
  console.log(`funded ${total} senders in ${chunks.length} PayCoins transactions (${((performance.now() - fundStart) / 1000).toFixed(1)} s)`)

  // ---- pre-sign one TransferCoin per sender (the coin pays its own gas) ----
  const signStart = performance.now()
  const signed = senders.map((k, i) => {
    const coin = coinOf.get(addresses[i])
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin, amount: 1_000n, recipient: addresses[(i + 1) % total] } }, sender: addresses[i], gasPayment: [coin] } })
    const signatures = [signFast(k, tx.bcs)]
    return clientKind === 'raw' ? { frame: executeFrame(tx.proto, signatures, 'effects.status') } : { proto: tx.proto, signatures }
  })
  console.log(`pre-signed ${total} transfers (${((performance.now() - signStart) / 1000).toFixed(1)} s)`)

  let failures = 0
  const send = async (i) => {
    const executed =
      clientKind === 'raw'
        ? await rawExecute(sessions[i % clientCount], signed[i].frame)
        : await clients[i % clientCount].executeTransaction(signed[i].proto, signed[i].signatures, { readMask: 'effects.status' })
    if (!executed.effects?.status?.success) failures++
  }

  // ---- 1. throughput ----
  let next = 0
  const c0 = await cpuNow()
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < throughputSenders) await send(next++)
    }),
  )
  const elapsed = (performance.now() - t0) / 1000
  console.log(`throughput: ${throughputSenders} transfers in ${elapsed.toFixed(2)} s = ${Math.round(throughputSenders / elapsed)} tx/s (${concurrency} in flight over ${clientCount} connections; goal ≥ 3000)`)
  console.log(`  ${await cpuPer(c0, throughputSenders)}`)

  // ---- 2. latency at a fixed offered load (open loop: sends on schedule, whatever came back) ----
  const latencies = []
  const trace = []
  const pending = []
  const c1 = await cpuNow()
  const l0 = performance.now()
  for (let k = 0; k < latencySenders; k++) {
    const due = l0 + (k * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    const start = performance.now()
    pending.push(send(throughputSenders + k).then(() => latencies.push(performance.now() - start)))
    if (process.env.SOMA_BENCH_TRACE) pending.at(-1).then(() => trace.push([start - l0, latencies.at(-1)]))
  }
  await Promise.all(pending)
  const achieved = latencySenders / ((performance.now() - l0) / 1000)
  latencies.sort((a, b) => a - b)
  console.log(
    `latency at ${rate} tx/s offered (${achieved.toFixed(0)} achieved, ${latencySenders} transfers): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms (goal p99 ≤ 25 ms)`,
  )
  console.log(`  ${await cpuPer(c1, latencySenders)}`)
  if (process.env.SOMA_BENCH_TRACE) {
    const slow = trace.filter(([, ms]) => ms > 25)
    console.log(`  over 25 ms: ${slow.length}; at send times (ms): ${slow.map(([t, ms]) => `${t.toFixed(0)}:${ms.toFixed(0)}`).join(' ')}`)
  }
  console.log(`load average (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(2)).join(', ')}`)
  console.log(`failed effects: ${failures}`)
  for (const session of sessions) session.close()
} finally {
  if (node !== undefined) {
    const exited = new Promise((r) => node.child.once('exit', r))
    node.child.kill('SIGTERM')
    await exited
  }
  rmSync(configDir, { recursive: true, force: true })
}
