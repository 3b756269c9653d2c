/**
 * `soma start localnet`: the single-process local network (`@soma-ts/localnet`), with the
 * reference CLI's flags. It runs until SIGINT/SIGTERM, then stops every service and closes the
 * database (every acknowledged transaction is already durable, so a kill -9 loses none either).
 */
import { InvalidArgumentError } from '@soma-ts/sdk'
import { configDir as defaultConfigDir } from '@soma-ts/sdk/node'
// Only a type here: the package loads the native binding, which the other commands must not need.
import type { RunningLocalnet } from '@soma-ts/localnet'
import type { Command } from 'commander'

import { jsonReplacer } from '../output.js'
import { registerStartFaucet } from './start-faucet.js'
import { registerStartScoring } from './start-scoring.js'
import { untilInterrupted } from '../signals.js'

interface LocalnetFlags {
  'network.config'?: string
  forceRegenesis?: boolean
  fullnodeRpcPort?: string
  epochDurationMs?: string
  committeeSize: string
  withFaucet?: string | boolean
  faucet: boolean
  scoring: boolean
  smallModel?: boolean
  adminPort?: string
  blobStorePort?: string
  scoringPort?: string
  json?: boolean
}

/** The blob store's port when none is given (next to the admin service's 9125). */
const DEFAULT_BLOB_STORE_PORT = 9126

function usage(message: string, hint: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { hint })
}

function parsePort(text: string, flag: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw usage(`${flag} must be a port number (0-65535), got ${JSON.stringify(text)}.`, 'Use 0 to pick a free port.')
  return Number(text)
}

function parsePositive(text: string, flag: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw usage(`${flag} must be an integer from 1 to ${max}, got ${JSON.stringify(text)}.`, `Example: ${flag} 1`)
  return Number(text)
}

/** `--with-faucet` alone means 0.0.0.0 on the default port (9123); `--with-faucet=HOST:PORT` picks both. */
function parseFaucet(value: string | boolean | undefined): { host: string; port?: number } {
  if (value === undefined || value === true) return { host: '0.0.0.0' }
  const text = String(value)
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(text)
  if (match === null) throw usage(`--with-faucet expects HOST:PORT, got ${JSON.stringify(text)}.`, 'Example: --with-faucet=127.0.0.1:9123')
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: parsePort(match[2]!, '--with-faucet') }
}

function banner(net: RunningLocalnet, epochDurationMs: bigint): string {
  const rows: [string, string][] = [
    ['RPC URL', net.urls.rpc],
    ['Faucet', net.urls.faucet ?? 'disabled'],
    ['Scoring', net.urls.scoring ?? 'disabled'],
    ['Admin', net.urls.admin],
    ['Blob store', net.urls.blobStore],
    ['Epoch', `${epochDurationMs / 1000n}s`],
    ['Persistence', 'enabled'],
    ['State dir', net.stateDir],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return ['SOMA local network is running', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), 'Press Ctrl+C to stop.'].join('\n')
}

async function runLocalnet(flags: LocalnetFlags): Promise<void> {
  if (flags.withFaucet !== undefined && flags.faucet === false) {
    throw usage('--with-faucet and --no-faucet cannot be used together.', 'Pick one.')
  }
  const configDir = flags['network.config'] ?? defaultConfigDir()
  const rpcPort = flags.fullnodeRpcPort === undefined ? undefined : parsePort(flags.fullnodeRpcPort, '--fullnode-rpc-port')
  const adminPort = flags.adminPort === undefined ? undefined : parsePort(flags.adminPort, '--admin-port')
  // A fixed default port, so that `soma model publish` and `soma target submit` find the store
  // (the CLI's default for a local env) without being told.
  const blobStorePort = parsePort(flags.blobStorePort ?? String(DEFAULT_BLOB_STORE_PORT), '--blob-store-port')
  if (flags.scoringPort !== undefined && flags.scoring === false) {
    throw usage('--scoring-port and --no-scoring cannot be used together.', 'Pick one.')
  }
  const scoringPort = flags.scoringPort === undefined ? undefined : parsePort(flags.scoringPort, '--scoring-port')
  const committeeSize = parsePositive(flags.committeeSize, '--committee-size', 64)
  const epochDurationMs = flags.epochDurationMs === undefined ? undefined : parsePositive(flags.epochDurationMs, '--epoch-duration-ms', Number.MAX_SAFE_INTEGER)
  const faucet = flags.faucet === false ? false : parseFaucet(flags.withFaucet)
  const { startLocalnet } = await import('@soma-ts/localnet')
  const net = await startLocalnet({
    configDir,
    forceRegenesis: flags.forceRegenesis === true,
    ...(rpcPort !== undefined ? { rpcPort } : {}),
    ...(adminPort !== undefined ? { adminPort } : {}),
    blobStorePort,
    committeeSize,
    ...(epochDurationMs !== undefined ? { epochDurationMs } : {}),
    faucet,
    // As the reference: scoring on 0.0.0.0:9124, with the small model under --small-model.
    scoring: flags.scoring === false ? false : { ...(scoringPort !== undefined ? { port: scoringPort } : {}) },
    smallModel: flags.smallModel === true,
  })
  const duration = net.node.systemState().parameters.epochDurationMs
  if (!net.freshGenesis && epochDurationMs !== undefined && BigInt(epochDurationMs) !== duration) {
    process.stderr.write(`warning: --epoch-duration-ms applies to a new genesis only; the existing chain keeps ${duration} ms (use --force-regenesis).\n`)
  }
  if (flags.json) {
    const ready = { event: 'ready', ...net.urls, configDir: net.configDir, stateDir: net.stateDir, epochDurationMs: duration, freshGenesis: net.freshGenesis, pid: process.pid }
    process.stdout.write(`${JSON.stringify(ready, jsonReplacer)}\n`)
  } else {
    process.stderr.write(`${banner(net, duration)}\n`)
  }
  await untilInterrupted()
  await net.stop()
  if (!flags.json) process.stderr.write('SOMA local network stopped.\n')
}

export function registerStart(program: Command): Command {
  const start = program.command('start').description('start a SOMA service')
  start
    .command('localnet')
    .description('start a single-process local network: fullnode RPC, faucet, scoring, admin, blob store')
    .option('--network.config <dir>', 'the config directory (state under <dir>/localnet; default $SOMA_CONFIG_DIR or ~/.soma/soma_config)')
    .option('--force-regenesis', 'delete the local chain and start from a new genesis')
    .option('--fullnode-rpc-port <port>', 'fullnode gRPC port (default 9000)')
    .option('--epoch-duration-ms <ms>', 'epoch duration of a new genesis (default 86400000)')
    .option('--committee-size <n>', 'genesis validators', '1')
    .option('--with-faucet [host:port]', 'serve the faucet (default 0.0.0.0:9123; on unless --no-faucet)')
    .option('--no-faucet', 'do not serve the faucet')
    .option('--no-scoring', 'do not start the scoring service')
    .option('--small-model', 'target embedding dimension 16 in a new genesis; scoring uses the small model')
    .option('--admin-port <port>', 'admin gRPC port on 127.0.0.1 (default 9125)')
    .option('--blob-store-port <port>', `the blob store's HTTP port (default ${DEFAULT_BLOB_STORE_PORT})`)
    .option('--scoring-port <port>', 'scoring gRPC port on 0.0.0.0 (default 9124)')
    .option('--json', 'print one JSON ready line on stdout instead of the banner')
    // `--json` is also a program-wide option, which commander hands to the program: read both.
    .action((flags: LocalnetFlags, cmd: Command) => runLocalnet({ ...flags, json: flags.json === true || cmd.optsWithGlobals().json === true }))
  registerStartScoring(start)
  registerStartFaucet(start)
  return start
}
