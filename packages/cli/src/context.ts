/**
 * What every networked command shares (the reference's `WalletContext`): the config bootstrap of
 * `client.yaml` and `soma.keystore` (used as the reference CLI writes them), the active env and
 * address, `KeyIdentity` arguments, the signer (`SOMA_SECRET_KEY` first, said once on stderr),
 * and one SDK client per run, built on first use.
 */
import { existsSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { createInterface } from 'node:readline/promises'

import { ConfigError, InvalidArgumentError, type Signer } from '@soma-ts/sdk'
import {
  activeEnv,
  clientConfigPath,
  configDir,
  createClientConfig,
  createSomaClient,
  FileKeystore,
  readClientConfig,
  SECRET_KEY_VARIABLE,
  signerFromEnv,
  type ClientConfig,
  type NodeSomaClient,
  type SomaEnv,
} from '@soma-ts/sdk/node'
import type { Command } from 'commander'

/** The options every command inherits from the program (`--json` and friends, anywhere on the line). */
export interface GlobalOptions {
  json?: boolean
  yes?: boolean
  'client.config'?: string
  'client.env'?: string
}

/** The program-level options, merged with the command's own. */
export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions
}

/** Declares the global options on the program. */
export function addGlobalOptions(program: Command): void {
  program
    .option('--json', 'print JSON (accepted anywhere on the command line)')
    .option('-y, --yes', 'create a config without asking when there is none')
    .option('--client.config <path>', 'the client.yaml to use (default <config dir>/client.yaml)')
    .option('--client.env <alias>', 'the env of client.yaml to use instead of its active one')
}

/**
 * Finds or creates `client.yaml`, as the reference's first run does: asks on a terminal (unless
 * `-y`), creates without asking otherwise. Messages go to stderr so `--json` output stays one document.
 */
export async function bootstrapConfig(opts: GlobalOptions): Promise<{ path: string; config: ClientConfig; keystore: FileKeystore }> {
  const path = opts['client.config'] ?? clientConfigPath(configDir())
  if (!existsSync(path)) {
    if (!opts.yes && process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stderr })
      const answer = (await rl.question(`No soma config found in \`${path}\`, create one [Y/n]? `)).trim().toLowerCase()
      rl.close()
      if (answer !== '' && answer !== 'y' && answer !== 'yes') throw new ConfigError(`No soma config found in \`${path}\`.`)
    }
    if (basename(path) !== 'client.yaml') {
      throw new ConfigError(`No soma config found in \`${path}\`.`, { hint: 'A new config is created only as <dir>/client.yaml.' })
    }
    const created = createClientConfig(dirname(path))
    process.stderr.write(
      `Generated new keypair and alias for address with scheme "ed25519" [${created.alias}: ${created.address}]\n` +
        `  secret recovery phrase : [${created.mnemonic}]\n` +
        `Created "${path}"\nSet active environment to testnet\n`,
    )
  }
  const config = readClientConfig(path)
  return { path, config, keystore: FileKeystore.load(config.keystorePath) }
}

/** Local hosts, for which the reference derives the faucet URL (and we the admin URL). */
const LOCAL_HOST = /127\.0\.0\.1|0\.0\.0\.0|localhost|\[::1\]/

let secretKeyAnnounced = false

/** The side services a command's client may need. */
export interface ServiceUrls {
  faucetUrl?: string
  adminUrl?: string
  scoringUrl?: string
  blobStoreUrl?: string
}

/** A loaded wallet context for one command. */
export class CliContext {
  readonly configPath: string
  readonly config: ClientConfig
  readonly keystore: FileKeystore
  readonly env: SomaEnv
  readonly json: boolean
  #client: NodeSomaClient | undefined
  #clientUrls: ServiceUrls = {}

  private constructor(path: string, config: ClientConfig, keystore: FileKeystore, env: SomaEnv, json: boolean) {
    this.configPath = path
    this.config = config
    this.keystore = keystore
    this.env = env
    this.json = json
  }

  /**
   * Loads the context for a command: the config (bootstrapped), the env (`--client.env` or the
   * active one).
   */
  static async load(cmd: Command): Promise<CliContext> {
    const opts = globalOptions(cmd)
    const { path, config, keystore } = await bootstrapConfig(opts)
    const alias = opts['client.env']
    const env = alias === undefined ? activeEnv(config) : config.envs.find((e) => e.alias === alias)
    if (env === undefined) {
      throw new ConfigError(alias === undefined ? `${path} has no environment.` : `Environment ${alias.slice(0, 60)} not found in ${path}.`, {
        hint: 'List them with `soma env list`; add one with `soma env new --alias A --rpc URL`.',
      })
    }
    return new CliContext(path, config, keystore, env, opts.json === true)
  }

  /** The configured active address, else the first managed one (as the reference's context does). */
  activeAddress(): string {
    const address = this.config.activeAddress ?? this.keystore.addresses()[0]
    if (address === undefined) throw new ConfigError('No active address set.', { hint: 'Create one with `soma wallet new`.' })
    return address
  }

  /** A `KeyIdentity` (`0x…`, 64 hex digits, or a keystore alias) as an address; the active address when absent. */
  address(identity: string | undefined): string {
    return identity === undefined ? this.activeAddress() : this.keystore.resolve(identity)
  }

  /** Whether the env's fullnode is on this machine. */
  isLocal(): boolean {
    return LOCAL_HOST.test(this.env.rpc)
  }

  /**
   * The signer: `SOMA_SECRET_KEY` (environment, then `./.env`) when set, saying so once on stderr;
   * else the keystore key of `address` (default the active address).
   */
  signer(address?: string): Signer {
    const fromEnv = signerFromEnv()
    if (fromEnv) {
      if (!secretKeyAnnounced) {
        secretKeyAnnounced = true
        const where = fromEnv.source === 'environment' ? 'the environment' : fromEnv.source
        process.stderr.write(`Using the key from ${SECRET_KEY_VARIABLE} (${where}): ${fromEnv.signer.toSomaAddress()}\n`)
      }
      return fromEnv.signer
    }
    return this.keystore.get(address ?? this.activeAddress())
  }

  /** The faucet URL the reference derives from the env's RPC URL, unless `url` is given. */
  faucetUrl(url: string | undefined): string {
    if (url !== undefined) return url
    if (this.isLocal()) return 'http://127.0.0.1:9123'
    if (this.env.rpc.includes('testnet')) return 'https://faucet.testnet.soma.org'
    throw new InvalidArgumentError(`Cannot derive a faucet URL for the env ${this.env.alias} (${this.env.rpc}).`, { hint: 'Pass --url <FAUCET_URL>.' })
  }

  /** The admin URL of a local network (`advance-epoch`); a clear error for any other env. */
  adminUrl(url: string | undefined): string {
    if (url !== undefined) return url
    if (this.isLocal()) return 'http://127.0.0.1:9125'
    throw new InvalidArgumentError(`advance-epoch works on a local network only; the env ${this.env.alias} is at ${this.env.rpc}.`, {
      hint: 'Switch to a local env (`soma env switch localnet`) or pass --url <ADMIN_URL>.',
    })
  }

  /**
   * The scoring service: `url` (a flag), else `SOMA_SCORING_URL`, else the local network's
   * default port for a local env; undefined otherwise (a call that needs it says so).
   */
  scoringUrl(url: string | undefined): string | undefined {
    return url ?? process.env.SOMA_SCORING_URL ?? (this.isLocal() ? 'http://127.0.0.1:9124' : undefined)
  }

  /**
   * The local network's blob store, where uploads go when no S3 is configured: `url` (a flag),
   * else `SOMA_BLOB_STORE_URL`, else the default port of `soma start localnet` for a local env.
   */
  blobStoreUrl(url: string | undefined): string | undefined {
    return url ?? process.env.SOMA_BLOB_STORE_URL ?? (this.isLocal() ? 'http://127.0.0.1:9126' : undefined)
  }

  /**
   * The SDK client for the env (built once). Side-service URLs given here apply when it is first
   * built; commands that need one pass it before any other call.
   */
  client(urls: ServiceUrls = {}): NodeSomaClient {
    if (this.#client === undefined) {
      this.#clientUrls = urls
      this.#client = createSomaClient({ rpcUrl: this.env.rpc, ...urls })
    } else if ((Object.keys(urls) as (keyof ServiceUrls)[]).some((k) => urls[k] && urls[k] !== this.#clientUrls[k])) {
      throw new InvalidArgumentError('The client was built before its service URL was known.')
    }
    return this.#client
  }

  /** Drops the client's side-service connections. */
  close(): void {
    this.#client?.close()
  }
}

/** Runs `fn` with a loaded context and always closes it. */
export async function withContext<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await CliContext.load(cmd)
  try {
    return await fn(ctx)
  } finally {
    ctx.close()
  }
}
