import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { startLocalnet, type LocalnetOptions, type RunningLocalnet } from '@soma-ts/localnet'
import { createClientConfig, readClientConfig, writeClientConfig } from '@soma-ts/sdk/node'

/**
 * A local network started in this test process on free loopback ports, for `soma` run as a
 * process against it. Its config directory is in the reference's first-run layout (client.yaml +
 * keystore) with a `localnet` env made active, which the start points at its RPC port, as
 * `soma start localnet` does. `options` override the defaults (no faucet, no scoring, committee 1).
 */
export async function startCliLocalnet(prefix: string, options: LocalnetOptions = {}): Promise<{ dir: string; net: RunningLocalnet }> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    createClientConfig(dir)
    const config = readClientConfig(join(dir, 'client.yaml'))
    config.envs.push({ alias: 'localnet', rpc: 'http://127.0.0.1:9000', basic_auth: null })
    config.activeEnv = 'localnet'
    writeClientConfig(config, join(dir, 'client.yaml'))
    const net = await startLocalnet({ configDir: dir, forceRegenesis: true, rpcPort: 0, rpcHost: '127.0.0.1', adminPort: 0, faucet: false, scoring: false, ...options })
    return { dir, net }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
