/**
 * Building a client core: preset resolution (sdk-cli.md §1.2), the fullnode client, and side
 * services created on first use. Unlike the reference, which connects to every configured side
 * service in its constructor (so one service down fails the whole client), nothing connects here:
 * a missing or unreachable service fails only the call that needs it, naming the service.
 */
import type { Transport } from '@connectrpc/connect'

import { InvalidArgumentError, ServiceNotConfiguredError } from '../errors/index.js'
import { createSomaRpcClientFromTransport } from '../rpc/client.js'
import { endpointHref } from '../utils/url.js'
import type {
  AdminService,
  ClientPlatform,
  FaucetService,
  ScoringService,
  SomaChain,
  SomaClientCore,
  SomaClientOptions,
  SomaClientUrls,
} from './types.js'

/** The preset URLs (sdk-cli.md §1.2, §3.1). */
export const CHAIN_PRESETS = {
  testnet: { rpc: 'https://fullnode.testnet.soma.org', faucet: 'https://faucet.testnet.soma.org' },
  localnet: {
    rpc: 'http://127.0.0.1:9000',
    faucet: 'http://127.0.0.1:9123',
    scoring: 'http://127.0.0.1:9124',
    admin: 'http://127.0.0.1:9125',
    // Not a reference service: the local network's blob store (`soma start localnet --blob-store-port`).
    blobStore: 'http://127.0.0.1:9126',
  },
} as const

const url = (value: string | undefined, what: string): string | undefined => {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidArgumentError(`${what} must be a non-empty URL string.`)
  return endpointHref(value, 'http://127.0.0.1:9000').replace(/\/$/, '')
}

/**
 * The URLs of a client by the reference's preset rules, with typed errors. With `chain`, `rpcUrl`
 * and `faucetUrl` are refused; testnet has no admin service (a given `adminUrl` is refused rather
 * than silently dropped as the reference does).
 *
 * @param options - the client options
 * @returns the resolved URLs
 * @throws {InvalidArgumentError} for an unknown chain, a URL the preset forbids, or no fullnode at all
 * @example
 * resolveClientUrls({ chain: 'localnet' }).rpc // 'http://127.0.0.1:9000'
 */
export function resolveClientUrls(options: SomaClientOptions): SomaClientUrls {
  const chain = options.chain
  const blobStore = url(options.blobStoreUrl, 'blobStoreUrl')
  if (chain !== undefined) {
    if (chain !== 'testnet' && chain !== 'localnet') {
      throw new InvalidArgumentError(`Unknown chain "${String(chain).slice(0, 40)}".`, { hint: 'Supported: "testnet", "localnet".' })
    }
    if (options.rpcUrl !== undefined || options.faucetUrl !== undefined) {
      throw new InvalidArgumentError(`Cannot provide rpcUrl or faucetUrl when chain is "${chain}".`, {
        hint: 'Leave chain out to give explicit URLs.',
      })
    }
    if (chain === 'testnet') {
      if (options.adminUrl !== undefined) throw new InvalidArgumentError('testnet has no admin service; adminUrl is only for local networks.')
      return {
        rpc: CHAIN_PRESETS.testnet.rpc,
        faucet: CHAIN_PRESETS.testnet.faucet,
        scoring: url(options.scoringUrl, 'scoringUrl'),
        admin: undefined,
        blobStore,
      }
    }
    return {
      rpc: CHAIN_PRESETS.localnet.rpc,
      faucet: CHAIN_PRESETS.localnet.faucet,
      scoring: url(options.scoringUrl, 'scoringUrl') ?? CHAIN_PRESETS.localnet.scoring,
      admin: url(options.adminUrl, 'adminUrl') ?? CHAIN_PRESETS.localnet.admin,
      blobStore: blobStore ?? CHAIN_PRESETS.localnet.blobStore,
    }
  }
  if (options.rpcUrl === undefined && options.transport === undefined) {
    throw new InvalidArgumentError('Either rpcUrl (or a transport) or chain must be provided.', {
      hint: "Use createSomaClient({ chain: 'testnet' }) or createSomaClient({ rpcUrl: 'http://127.0.0.1:9000' }).",
    })
  }
  return {
    rpc: url(options.rpcUrl, 'rpcUrl'),
    faucet: url(options.faucetUrl, 'faucetUrl'),
    scoring: url(options.scoringUrl, 'scoringUrl'),
    admin: url(options.adminUrl, 'adminUrl'),
    blobStore,
  }
}

type Closable = { close?(): void }

/**
 * A client core over a fullnode transport. `makeTransport` builds the transport from the resolved
 * RPC URL when the options give none; `platform` supplies side-service clients and native helpers.
 */
export function createClientCore(
  options: SomaClientOptions,
  makeTransport: (rpcUrl: string, defaultTimeoutMs: number) => Transport,
  platform: ClientPlatform,
): SomaClientCore {
  const urls = resolveClientUrls(options)
  const timeout = options.defaultTimeoutMs ?? 60_000
  const transport = options.transport ?? makeTransport(urls.rpc as string, timeout)
  const rpc = createSomaRpcClientFromTransport(transport, { url: urls.rpc })
  const opened: Closable[] = []
  const chain: SomaChain | undefined = options.chain

  function lazy<S>(service: 'faucet' | 'scoring' | 'admin', given: S | undefined, make: ((u: string) => S & Closable) | undefined): () => S {
    let made: S | undefined = given
    return () => {
      if (made !== undefined) return made
      const at = urls[service]
      if (at === undefined) {
        throw new ServiceNotConfiguredError({
          service,
          details: chain === 'testnet' && service !== 'faucet' ? `testnet has no ${service} preset` : `no ${service}Url was given`,
        })
      }
      if (make === undefined) {
        throw new ServiceNotConfiguredError({
          service,
          details: `${service} at ${at}: the browser entry has no gRPC client for side services`,
          hint: `Pass services.${service}, or use createSomaClient from @soma-ts/sdk/node.`,
        })
      }
      const client = make(at)
      opened.push(client)
      made = client
      return client
    }
  }

  return {
    rpc,
    chain,
    urls,
    faucet: lazy<FaucetService>('faucet', options.services?.faucet, platform.faucet),
    scoring: lazy<ScoringService>('scoring', options.services?.scoring, platform.scoring),
    admin: lazy<AdminService>('admin', options.services?.admin, platform.admin),
    platform,
    close() {
      for (const c of opened.splice(0)) c.close?.()
    },
  }
}
