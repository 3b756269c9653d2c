/**
 * `soma start faucet`: a standalone faucet (`/faucet.Faucet/RequestGas`, gRPC with BCS bodies, the
 * local network's server) that pays from a keystore account of a config directory through a
 * fullnode's RPC, as the reference's `LocalFaucet`: the first keystore address that owns coins,
 * one PayCoins of `amount × num_coins` per request, one request at a time, each included in a
 * checkpoint before the answer. Runs until SIGINT or SIGTERM.
 */
import { existsSync } from 'node:fs'

import { ConfigError, GrpcStatus, InvalidArgumentError, listCoins, normalizeAddress, parseU64, type Ed25519Keypair } from '@soma-ts/sdk'
import { activeEnv, clientConfigPath, configDir as defaultConfigDir, createSomaClient, FileKeystore, readClientConfig, type NodeSomaClient } from '@soma-ts/sdk/node'
import type { Command } from 'commander'

import { withExamples } from '../help.js'
import { jsonReplacer } from '../output.js'
import { transactionResponse } from '../tx.js'
import { untilInterrupted } from '../signals.js'

interface StartFaucetFlags {
  port: string
  host: string
  amount: string
  numCoins: string
  configDir?: string
  rpcUrl?: string
  json?: boolean
}

function portFlag(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535) throw new InvalidArgumentError(`--port must be a port number (0-65535), got ${JSON.stringify(text.slice(0, 20))}.`, { hint: 'Use 0 to pick a free port.' })
  return Number(text)
}

function positiveFlag(text: string, flag: string, max: bigint): bigint {
  const value = /^\d{1,20}$/.test(text) ? BigInt(text) : -1n
  if (value < 1n || value > max) throw new InvalidArgumentError(`${flag} must be an integer from 1 to ${max}, got ${JSON.stringify(text.slice(0, 30))}.`)
  return value
}

/** The first keystore address that owns a coin (the reference's `find_gas_coins_and_address`). */
async function faucetAccount(client: NodeSomaClient, keystore: FileKeystore, needed: bigint): Promise<Ed25519Keypair> {
  for (const address of keystore.addresses()) {
    if ((await listCoins(client, address, { limit: 1 })).length > 0) return keystore.get(address)
  }
  throw new ConfigError(`No address with coins found in the keystore (need at least ${needed} shannons).`, {
    hint: 'Fund one of its addresses, or pass --config-dir of a config whose keystore holds a funded key.',
  })
}

export function registerStartFaucet(start: Command): void {
  const faucet = start
    .command('faucet')
    .description('Run a faucet (gRPC /faucet.Faucet/RequestGas) paying from a keystore account through a fullnode')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '9123')
    .option('--host <host>', 'interface to bind', '0.0.0.0')
    .option('--amount <shannons>', 'shannons per coin', '2000000000')
    .option('--num-coins <n>', 'coins per request', '1')
    .option('--config-dir <dir>', 'the config directory whose client.yaml and keystore pay (default $SOMA_CONFIG_DIR or ~/.soma/soma_config)')
    .option('--rpc-url <url>', "the fullnode RPC (default the config's active env)")
    .option('--json', 'print one JSON ready line on stdout')
    .action(async (opts: StartFaucetFlags) => {
      const port = portFlag(opts.port)
      const amount = parseU64(positiveFlag(opts.amount, '--amount', 2n ** 64n - 1n), '--amount')
      const numCoins = Number(positiveFlag(opts.numCoins, '--num-coins', 1000n))
      const dir = opts.configDir ?? defaultConfigDir()
      const path = clientConfigPath(dir)
      if (!existsSync(path)) throw new ConfigError(`No soma config found in \`${path}\`.`, { hint: 'Pass --config-dir of a config with a funded keystore.' })
      const config = readClientConfig(path)
      const rpcUrl = opts.rpcUrl ?? activeEnv(config)?.rpc
      if (rpcUrl === undefined) throw new ConfigError(`${path} has no environment.`, { hint: 'Pass --rpc-url <URL>.' })
      const client = createSomaClient({ rpcUrl })
      const signer = await faucetAccount(client, FileKeystore.load(config.keystorePath), amount * BigInt(numCoins))
      const recipients = (recipient: string) => Array.from({ length: numCoins }, () => recipient)
      const amounts = Array.from({ length: numCoins }, () => amount)

      // Loaded only here: the package holds the gRPC server (and loads the native binding).
      const { serveSideServices, ServiceError } = await import('@soma-ts/localnet')
      let last: Promise<unknown> = Promise.resolve()
      const pay = async (recipient: string) => {
        let result
        try {
          result = await client.payCoins({ signer, recipients: recipients(recipient), amounts })
        } catch (err) {
          throw new ServiceError(GrpcStatus.INTERNAL, `Transfer error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`)
        }
        const created = transactionResponse(result.executed, result.digest, result.checkpoint).created ?? []
        return { status: 'Success', coinsSent: created.map((c) => ({ amount, id: c.object_id, transferTxDigest: result.digest })) }
      }
      const service = await serveSideServices({
        host: opts.host,
        port,
        faucet: {
          requestGas: (request) => {
            let recipient: string
            try {
              recipient = normalizeAddress(request.recipient)
            } catch (err) {
              return Promise.reject(new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid address: ${err instanceof Error ? err.message : String(err)}`))
            }
            const run = last.then(() => pay(recipient))
            last = run.catch(() => undefined)
            return run
          },
        },
      })
      const displayHost = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host
      if (opts.json) {
        const ready = { event: 'ready', url: service.url, host: opts.host, port: service.port, address: signer.toSomaAddress(), rpcUrl, amount, numCoins, pid: process.pid }
        process.stdout.write(`${JSON.stringify(ready, jsonReplacer)}\n`)
      } else {
        process.stdout.write(`Faucet gRPC server listening on ${displayHost}:${service.port}\n`)
        process.stderr.write(`  paying from ${signer.toSomaAddress()} through ${rpcUrl}; ${numCoins} × ${amount} shannons per request. Ctrl-C to stop.\n`)
      }
      await untilInterrupted()
      await service.close()
      client.close()
      if (!opts.json) process.stderr.write('Faucet stopped.\n')
    })
  withExamples(faucet, 'soma start faucet', 'soma start faucet --port 0 --host 127.0.0.1 --config-dir ~/.soma/soma_config --rpc-url http://127.0.0.1:9000')
}
