#!/usr/bin/env node
// The local network under test, in its own process (as `soma start localnet` runs it): prints one
// JSON line with its RPC URL once serving, and stops cleanly on SIGTERM.
import { startLocalnet } from '@soma-ts/localnet'

const configDir = process.argv[2]
const net = await startLocalnet({ configDir, forceRegenesis: true, rpcPort: 0, rpcHost: '127.0.0.1', adminPort: 0, faucet: false })
console.log(JSON.stringify({ rpc: net.urls.rpc }))
process.once('SIGTERM', () => {
  net.stop().then(() => process.exit(0))
})
