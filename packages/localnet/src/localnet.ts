/**
 * `startLocalnet`: the persistent node plus its side services in one process: the faucet
 * (gRPC + BCS, `/faucet.Faucet/RequestGas`), the admin service (`/admin.Admin/AdvanceEpoch`,
 * 127.0.0.1 only), the blob store for uploads, and the epoch clock. State lives under
 * `<configDir>/localnet/`; a restart resumes it unless `forceRegenesis` is set.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { Ed25519Keypair, GrpcStatus, normalizeAddress, serializeSignedTransaction } from '@soma-ts/sdk'
import {
  clientConfigPath,
  configDir as defaultConfigDir,
  defaultKeystorePath,
  FileKeystore,
  readClientConfig,
  writeClientConfig,
} from '@soma-ts/sdk/node'

import { buildGenesis, localGenesisConfig } from './chain/genesis.js'
import { coinBalance, digestOf, type ChainObject } from './chain/objects.js'
import { signProofOfPossession } from './chain/validators.js'
import { startBlobStore, type BlobStore } from './blob-store.js'
import { LocalNode, type NodeGenesis } from './node/node.js'
import { dataProxyRoutes } from './rpc/data-proxy.js'
import { serveFullnode } from './rpc/fullnode.js'
import { DEFAULT_SCORING_PORT, startScoringService } from './scoring/service.js'
import { ServiceError, serveSideServices } from './services/server.js'

/** The reference faucet's defaults: one coin of 2 SOMA per request. */
export const FAUCET_AMOUNT = 2_000_000_000n
export const DEFAULT_RPC_PORT = 9000
export const DEFAULT_FAUCET_PORT = 9123
export const DEFAULT_ADMIN_PORT = 9125
/** The reference's default epoch: 24 h. */
export const DEFAULT_EPOCH_DURATION_MS = 86_400_000
const GENESIS_ACCOUNTS = 5

/**
 * Where the local network's scoring service listens (`src/scoring`, started by default as the
 * reference's `soma start localnet` does). Its data dir is `<configDir>/scoring-data`; it scores
 * with the small model when `smallModel` is set, and may fetch from loopback and private
 * addresses, since the local blob store (and a developer's own servers) live there.
 */
export interface LocalnetScoringOptions {
  /** Default 0.0.0.0. */
  readonly host?: string
  /** Default 9124; 0 picks a free port. */
  readonly port?: number
}

export interface LocalnetOptions {
  /** Default `$SOMA_CONFIG_DIR` or `~/.soma/soma_config`. */
  readonly configDir?: string
  readonly forceRegenesis?: boolean
  /** Used only when a new genesis is written (default 24 h). */
  readonly epochDurationMs?: number
  /** Genesis validators (default 1); only for a new genesis. */
  readonly committeeSize?: number
  /** The fullnode RPC port (default 9000; 0 picks a free port). */
  readonly rpcPort?: number
  /** The fullnode RPC host (default 0.0.0.0). */
  readonly rpcHost?: string
  /** Faucet `{ host, port }` (default 0.0.0.0:9123), or false for none. */
  readonly faucet?: false | { readonly host?: string; readonly port?: number }
  /** Admin port on 127.0.0.1 (default 9125). */
  readonly adminPort?: number
  /** Blob store port on 127.0.0.1 (default 0). */
  readonly blobStorePort?: number
  /** `target_embedding_dim_override = 16` in a new genesis. */
  readonly smallModel?: boolean
  /** The scoring service (default: started on 0.0.0.0:9124), or false for none (`--no-scoring`). */
  readonly scoring?: false | LocalnetScoringOptions
  /** Milliseconds since the Unix epoch (injectable for tests). */
  readonly now?: () => number
}

export interface LocalnetUrls {
  /** The fullnode `soma.rpc` endpoint (gRPC and gRPC-Web over HTTP/2). */
  readonly rpc: string
  readonly faucet: string | undefined
  readonly admin: string
  readonly blobStore: string
  readonly scoring: string | undefined
}

export interface RunningLocalnet {
  readonly urls: LocalnetUrls
  readonly configDir: string
  readonly stateDir: string
  readonly node: LocalNode
  /** Whether this start wrote a new genesis. */
  readonly freshGenesis: boolean
  stop(): Promise<void>
}

/** Keys the local network holds: the faucet's and the validators' account keys, kept in the database's meta. */
const FAUCET_KEY = 'faucet_key'

function keystoreFor(configDir: string): FileKeystore {
  const path = clientConfigPath(configDir)
  return FileKeystore.load(existsSync(path) ? readClientConfig(path).keystorePath : defaultKeystorePath(configDir))
}

function shortHex(address: string): string {
  return address.slice(2, 10)
}

function newGenesis(options: LocalnetOptions, keystore: FileKeystore, now: () => number, faucetKey: Ed25519Keypair): NodeGenesis {
  const committeeSize = options.committeeSize ?? 1
  if (!Number.isInteger(committeeSize) || committeeSize < 1 || committeeSize > 64) {
    throw new RangeError(`committeeSize must be an integer from 1 to 64, got ${committeeSize}`)
  }
  const accounts = keystore.addresses().slice(0, GENESIS_ACCOUNTS)
  const validators = Array.from({ length: committeeSize }, (_, i) => {
    const account = Ed25519Keypair.generate()
    const address = account.toSomaAddress()
    keystore.import(account, `localnet-validator-${i}-${shortHex(address)}`)
    const blsSecretKey = bls12_381.utils.randomSecretKey()
    const { publicKey, proof } = signProofOfPossession(blsSecretKey, address)
    return {
      blsSecretKey,
      info: {
        address,
        protocolPubkey: publicKey,
        proofOfPossession: proof,
        networkPubkey: Ed25519Keypair.generate().getPublicKey().toRawBytes(),
        workerPubkey: Ed25519Keypair.generate().getPublicKey().toRawBytes(),
        netAddress: `/ip4/127.0.0.1/tcp/${8000 + i}/http`,
        p2pAddress: `/ip4/127.0.0.1/tcp/${8100 + i}/http`,
        primaryAddress: `/ip4/127.0.0.1/tcp/${8200 + i}/http`,
        proxyAddress: `/ip4/127.0.0.1/tcp/${8300 + i}/http`,
      },
    }
  })
  const config = localGenesisConfig({
    accountAddresses: accounts,
    faucetAddress: faucetKey.toSomaAddress(),
    validators: validators.map((v) => v.info),
    chainStartTimestampMs: BigInt(now()),
    epochDurationMs: BigInt(options.epochDurationMs ?? DEFAULT_EPOCH_DURATION_MS),
    ...(options.smallModel === true ? { embeddingDimOverride: 16n } : {}),
  })
  return {
    genesis: buildGenesis(config),
    meta: { [FAUCET_KEY]: faucetKey.toKeystoreString() },
    committee: validators.map((v) => ({ address: v.info.address, blsSecretKey: v.blsSecretKey, blsPublicKey: v.info.protocolPubkey })),
  }
}

/** Sets the rpc of an env named exactly `localnet` in client.yaml, as the reference does. */
function updateClientConfig(configDir: string, rpcUrl: string): void {
  const path = clientConfigPath(configDir)
  if (!existsSync(path)) return
  const config = readClientConfig(path)
  const env = config.envs.find((e) => e.alias === 'localnet')
  if (env === undefined || env.rpc === rpcUrl) return
  env.rpc = rpcUrl
  writeClientConfig(config, path)
}

/** Serialises faucet transfers: each spends the faucet's largest coin and must see the previous one's writes. */
class Faucet {
  private last: Promise<unknown> = Promise.resolve()
  constructor(
    private readonly node: LocalNode,
    private readonly key: Ed25519Keypair,
  ) {}

  requestGas(recipientText: string): Promise<{ status: string; coinsSent: { amount: bigint; id: string; transferTxDigest: string }[] }> {
    let recipient: string
    try {
      recipient = normalizeAddress(recipientText)
    } catch (err) {
      return Promise.reject(new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid address: ${err instanceof Error ? err.message : String(err)}`))
    }
    const run = this.last.then(() => this.send(recipient))
    this.last = run.catch(() => undefined)
    return run
  }

  private async send(recipient: string) {
    const address = this.key.toSomaAddress()
    const coins = this.node.database.ownedObjects(address, '', 10_000).filter((o) => o.type === 'Coin')
    const gas = coins.reduce<ChainObject | undefined>((best, c) => (best === undefined || coinBalance(c)! > coinBalance(best)! ? c : best), undefined)
    if (gas === undefined) throw new ServiceError(GrpcStatus.INTERNAL, 'Wallet error: the faucet has no coins left')
    const ref = { objectId: gas.id, version: gas.version, digest: digestOf(gas) }
    const { bytes, signature } = await this.key.signTransaction({
      V1: { kind: { PayCoins: { coins: [ref], amounts: [FAUCET_AMOUNT], recipients: [recipient] } }, sender: address, gasPayment: [ref] },
    })
    let result
    try {
      result = await this.node.submit(serializeSignedTransaction(bytes, [signature]))
    } catch (err) {
      throw new ServiceError(GrpcStatus.INTERNAL, `Transfer error: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (result.errorName !== undefined) throw new ServiceError(GrpcStatus.INTERNAL, `Transfer error: ${result.errorName}`)
    const sent = this.node.database
      .ownedObjects(recipient, '', 100_000)
      .filter((o) => o.type === 'Coin' && o.previousTransaction === result.transactionDigest)
    return { status: 'Success', coinsSent: sent.map((c) => ({ amount: coinBalance(c)!, id: c.id, transferTxDigest: result.transactionDigest })) }
  }
}

export async function startLocalnet(options: LocalnetOptions = {}): Promise<RunningLocalnet> {
  const configDir = options.configDir ?? defaultConfigDir()
  const stateDir = join(configDir, 'localnet')
  const now = options.now ?? Date.now
  let freshGenesis = false
  const node = LocalNode.open({
    directory: stateDir,
    ...(options.forceRegenesis !== undefined ? { forceRegenesis: options.forceRegenesis } : {}),
    now,
    genesis: () => {
      freshGenesis = true
      const keystore = keystoreFor(configDir)
      const faucetKey = Ed25519Keypair.generate()
      keystore.import(faucetKey, `localnet-faucet-${shortHex(faucetKey.toSomaAddress())}`)
      return newGenesis(options, keystore, now, faucetKey)
    },
  })
  const stored = node.database.getMetaText(FAUCET_KEY)
  const faucetKey = stored === undefined ? undefined : Ed25519Keypair.fromKeystoreString(stored)

  const started: { close(): Promise<void> }[] = []
  let epochTimer: NodeJS.Timeout | undefined
  const stop = async () => {
    if (epochTimer !== undefined) clearInterval(epochTimer)
    for (const s of started.reverse()) await s.close()
    await node.close()
  }
  try {
    const blobStore: BlobStore = await startBlobStore({ dir: join(stateDir, 'blob-store'), port: options.blobStorePort ?? 0 })
    started.push({ close: () => blobStore.stop() })
    const rpc = await serveFullnode({
      node,
      port: options.rpcPort ?? DEFAULT_RPC_PORT,
      host: options.rpcHost ?? '0.0.0.0',
      httpRoutes: dataProxyRoutes(node, blobStore),
    })
    started.push(rpc)
    updateClientConfig(configDir, rpc.url)
    let faucetUrl: string | undefined
    if (options.faucet !== false && faucetKey !== undefined) {
      const faucet = new Faucet(node, faucetKey)
      const service = await serveSideServices({
        host: options.faucet?.host ?? '0.0.0.0',
        port: options.faucet?.port ?? DEFAULT_FAUCET_PORT,
        faucet: { requestGas: (request) => faucet.requestGas(request.recipient) },
      })
      started.push(service)
      faucetUrl = service.url
    }
    const admin = await serveSideServices({
      host: '127.0.0.1',
      port: options.adminPort ?? DEFAULT_ADMIN_PORT,
      admin: {
        advanceEpoch: async () => {
          await node.advanceEpoch()
          return node.epoch()
        },
      },
    })
    started.push(admin)
    let scoringUrl: string | undefined
    if (options.scoring !== false) {
      const scoring = await startScoringService({
        host: options.scoring?.host ?? '0.0.0.0',
        port: options.scoring?.port ?? DEFAULT_SCORING_PORT,
        dataDir: join(configDir, 'scoring-data'),
        smallModel: options.smallModel === true,
        allowPrivateUrls: true,
      })
      started.push({ close: () => scoring.stop() })
      scoringUrl = scoring.url
    }
    epochTimer = startEpochClock(node, now)
    return {
      urls: { rpc: rpc.url, faucet: faucetUrl, admin: admin.url, blobStore: blobStore.url, scoring: scoringUrl },
      configDir,
      stateDir,
      node,
      freshGenesis,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Advances the epoch when its duration has passed (checked often enough for short test epochs). */
function startEpochClock(node: LocalNode, now: () => number): NodeJS.Timeout {
  let pending = false
  const tick = () => {
    if (pending) return
    const state = node.systemState()
    if (BigInt(now()) < state.epochStartTimestampMs + state.parameters.epochDurationMs) return
    pending = true
    node.advanceEpoch().then(
      () => (pending = false),
      () => (pending = false),
    )
  }
  const timer = setInterval(tick, 100)
  timer.unref()
  return timer
}
