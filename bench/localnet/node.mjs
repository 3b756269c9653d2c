#!/usr/bin/env node
// The local network under test, in its own process (as `soma start localnet` runs it): prints one
// JSON line with its RPC URL once serving, and stops cleanly on SIGTERM.
import { startLocalnet } from '@soma-ts/localnet'

const configDir = process.argv[2]
const net = await startLocalnet({ configDir, forceRegenesis: true, rpcPort: 0, rpcHost: '127.0.0.1', adminPort: 0, faucet: false })
console.log(JSON.stringify({ rpc: net.urls.rpc }))
// SIGUSR2: one JSON line with this process's CPU time so far (the bench reports CPU per transaction,
// which the other load on a shared machine disturbs less than wall-clock rates).
// `busyMs`: how long the main thread (which executes and serves RPC) was busy, from the event loop's utilization.
process.on('SIGUSR2', () => {
  const { active } = performance.eventLoopUtilization()
  console.log(JSON.stringify({ cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, busyMs: active }))
})
process.once('SIGTERM', () => {
  net.stop().then(() => process.exit(0))
})
