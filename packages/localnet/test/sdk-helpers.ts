/** A started local network and SDK clients over it, for the `sdk-*` journeys (127.0.0.1, port 0). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Ed25519Keypair } from '@soma-ts/sdk'
import { createSomaClient } from '@soma-ts/sdk/node'

import { startLocalnet, type LocalnetOptions, type RunningLocalnet } from '../src/index.js'

export interface SdkNetwork {
  net: RunningLocalnet
  client: ReturnType<typeof createSomaClient>
  /** A fresh funded account (one faucet request: one 2 SOMA coin). */
  fundedSigner(requests?: number): Promise<Ed25519Keypair>
  stop(): Promise<void>
}

export async function startSdkNetwork(options: LocalnetOptions = {}): Promise<SdkNetwork> {
  const configDir = mkdtempSync(join(tmpdir(), 'soma-sdk-'))
  const net = await startLocalnet({
    configDir,
    rpcPort: 0,
    rpcHost: '127.0.0.1',
    faucet: { host: '127.0.0.1', port: 0 },
    adminPort: 0,
    // Its scoring service on a free port too: test files run in parallel.
    scoring: { host: '127.0.0.1', port: 0 },
    ...options,
  })
  const client = createSomaClient({
    rpcUrl: net.urls.rpc,
    faucetUrl: net.urls.faucet,
    adminUrl: net.urls.admin,
    blobStoreUrl: net.urls.blobStore,
    ...(net.urls.scoring ? { scoringUrl: net.urls.scoring } : {}),
  })
  return {
    net,
    client,
    async fundedSigner(requests = 1) {
      const signer = Ed25519Keypair.generate()
      for (let i = 0; i < requests; i++) await client.requestFaucet({ address: signer.toSomaAddress() })
      return signer
    },
    async stop() {
      client.close()
      await net.stop()
      rmSync(configDir, { recursive: true, force: true })
    },
  }
}
