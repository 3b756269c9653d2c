/**
 * `soma start scoring`: runs the scoring service (gRPC with BCS bodies, `/scoring.Scoring/Score`
 * and `/scoring.Scoring/Health`) until SIGINT or SIGTERM, then drains: Health turns not-serving,
 * new requests are refused, the ones in flight finish, and the process exits.
 */
import { join } from 'node:path'

import { InvalidArgumentError } from '@soma-ts/sdk'
import { configDir } from '@soma-ts/sdk/node'
import type { Command } from 'commander'

import { print } from '../output.js'

interface StartScoringFlags {
  host: string
  port: string
  dataDir?: string
  smallModel?: boolean
  device: string
  threads?: string
  maxConcurrent?: string
  cacheBytes?: string
  diskCacheBytes?: string
  allowPrivateUrls?: boolean
  allowFileUrls?: boolean
  json?: boolean
}

function integerFlag(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}.`)
  }
  return n
}

function deviceFlag(text: string): 'cpu' | 'cuda' | 'metal' {
  if (text === 'cpu' || text === 'cuda' || text === 'metal') return text
  throw new InvalidArgumentError(`--device must be cpu, cuda or metal, got ${JSON.stringify(text)}.`, {
    hint: 'The reference also accepts wgpu; here use metal on a Mac, cuda on an NVIDIA GPU, else cpu.',
  })
}

/** Adds `scoring` to the `soma start` command group. */
export function registerStartScoring(start: Command): void {
  start
    .command('scoring')
    .description('Run the scoring service (gRPC /scoring.Scoring/Score and /Health, BCS bodies)')
    .option('--host <host>', 'interface to bind', '0.0.0.0')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '9124')
    .option('--data-dir <dir>', 'where verified weights are kept (default <config dir>/scoring-data)')
    .option('--small-model', 'score with the local network small model (embedding dim 16) instead of V1')
    .option('--device <device>', 'cpu, cuda or metal', 'cpu')
    .option('--threads <n>', 'engine worker threads, 1 to 1024 (default: all cores)')
    .option('--max-concurrent <n>', 'requests scored at the same time', '4')
    .option('--cache-bytes <n>', 'memory budget for loaded models, in bytes (default 6 GiB)')
    .option('--disk-cache-bytes <n>', 'disk budget for downloaded weights in the data dir, in bytes (default 20 GiB)')
    .option('--allow-private-urls', 'allow data and weights URLs on loopback and private networks (a local network)')
    .option('--allow-file-urls', 'allow file:// data and weights URLs')
    .option('--json', 'print JSON')
    .action(async (opts: StartScoringFlags) => {
      const port = integerFlag(opts.port, '--port', 0, 65_535) as number
      const threads = integerFlag(opts.threads, '--threads', 1, 1024)
      const maxConcurrent = integerFlag(opts.maxConcurrent, '--max-concurrent', 1, 4096)
      const cacheBytes = integerFlag(opts.cacheBytes, '--cache-bytes', 1, Number.MAX_SAFE_INTEGER)
      const diskCacheBytes = integerFlag(opts.diskCacheBytes, '--disk-cache-bytes', 1, Number.MAX_SAFE_INTEGER)
      const device = deviceFlag(opts.device)
      const dataDir = opts.dataDir ?? join(configDir(), 'scoring-data')
      // Loaded only here: the engine's native binding is not needed by any other command.
      const { startScoringService } = await import('@soma-ts/localnet')
      const service = await startScoringService({
        host: opts.host,
        port,
        dataDir,
        smallModel: opts.smallModel === true,
        device,
        ...(threads !== undefined ? { threads } : {}),
        ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
        ...(cacheBytes !== undefined ? { cacheBytes } : {}),
        ...(diskCacheBytes !== undefined ? { diskCacheBytes } : {}),
        allowPrivateUrls: opts.allowPrivateUrls === true,
        allowFileUrls: opts.allowFileUrls === true,
      })
      const info = {
        url: service.url,
        port: service.port,
        host: opts.host,
        dataDir,
        model: opts.smallModel ? 'small' : 'v1',
        device,
        threads: service.threads,
        allowPrivateUrls: opts.allowPrivateUrls === true,
        methods: ['/scoring.Scoring/Score', '/scoring.Scoring/Health'],
      }
      print(opts, info, () =>
        [
          `Scoring service listening on ${opts.host}:${service.port} (${service.url})`,
          `  gRPC (BCS): /scoring.Scoring/Score, /scoring.Scoring/Health`,
          `  model ${info.model} on ${device} (${service.threads} engine threads), data dir ${dataDir}${info.allowPrivateUrls ? ', private URLs allowed' : ''}`,
          `  Ctrl-C to stop (requests in flight are finished first)`,
        ].join('\n'),
      )
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          if (!opts.json) process.stderr.write('Draining: finishing requests in flight...\n')
          void service.stop({ drain: true }).then(resolve, resolve)
        }
        process.on('SIGINT', onSignal)
        process.on('SIGTERM', onSignal)
      })
      if (!opts.json) process.stderr.write('Scoring service stopped.\n')
    })
}
