/**
 * The shapes shared by the client and its actions. Browser-safe: nothing here imports Node.
 */
import type { Transport } from '@connectrpc/connect'

import type { TransactionEffects } from '../generated/soma/rpc/effects_pb.js'
import type { ExecutedTransaction } from '../generated/soma/rpc/effects_pb.js'
import type { Signer } from '../keys/signer.js'
import type { BuiltTransaction } from '../rpc/build.js'
import type { SomaRpcClient } from '../rpc/client.js'
import type { GasResponse, ScoreRequestInput, ScoreResponse } from '../services/types.js'

/** The networks with presets. */
export type SomaChain = 'testnet' | 'localnet'

/** Every network call takes these. */
export interface CallOptions {
  /** Aborts the call; it rejects with the abort's typed error. */
  signal?: AbortSignal
  /** Deadline of the call in milliseconds (each action documents its default). */
  timeoutMs?: number
}

/** Options of every signed action. */
export interface SignedCallOptions extends CallOptions {
  /** Signs the transaction; its address is the sender and pays the fee. */
  signer: Signer
  /**
   * Runs the built transaction instead of the default `executePrepared` (sign, execute, wait for
   * the checkpoint). Coins are chosen as for a real execution, so an executor that only prints the
   * digest, simulates or serializes the transaction (the CLI's `--tx-digest`, `--simulate`,
   * `--serialize-*`) sees exactly what would run. One that does not execute ends the action by
   * throwing (lock conflicts aside, nothing it throws is retried).
   */
  executor?: TransactionExecutor
}

/** A transaction whose coins are chosen, built and ready to sign. */
export interface PreparedTransaction {
  /** The TransactionData in both wire forms, with its digest. */
  built: BuiltTransaction
  signer: Signer
  /** Names the transaction in errors. */
  label: string
  signal?: AbortSignal | undefined
  /** Milliseconds to wait for a checkpoint to include it. */
  checkpointTimeoutMs: number
}

/** Runs a prepared transaction (see `SignedCallOptions.executor`). */
export type TransactionExecutor = (client: SomaClientCore, tx: PreparedTransaction) => Promise<TransactionResult>

/** The faucet: `/faucet.Faucet/RequestGas` (grpc-js's `FaucetClient` fits). */
export interface FaucetService {
  requestGas(recipient: string, options?: CallOptions): Promise<GasResponse>
}

/** The scoring service: `/scoring.Scoring/Score` and `/Health` (grpc-js's `ScoringClient` fits). */
export interface ScoringService {
  score(request: ScoreRequestInput, options?: CallOptions): Promise<ScoreResponse>
  health(options?: CallOptions): Promise<boolean>
}

/** The local network's admin service: `/admin.Admin/AdvanceEpoch` (grpc-js's `AdminClient` fits). */
export interface AdminService {
  advanceEpoch(options?: CallOptions): Promise<bigint>
}

/** Side-service clients given directly (e.g. a browser app's own gRPC-Web bridge, or a test double). */
export interface SideServices {
  faucet?: FaucetService
  scoring?: ScoringService
  admin?: AdminService
}

export interface SomaClientOptions {
  /** A preset: `testnet` or `localnet` (default ports 9000, 9123, 9124, 9125). */
  chain?: SomaChain
  /** Fullnode URL (not with `chain`). */
  rpcUrl?: string
  /** Faucet URL (not with `chain`). */
  faucetUrl?: string
  /** Scoring service URL (testnet has none by default). */
  scoringUrl?: string
  /** Admin service URL (local networks only). */
  adminUrl?: string
  /** The local network's blob store, where `publishModel` uploads when no S3 is configured. */
  blobStoreUrl?: string
  /** A Connect transport for the fullnode, instead of the one built from `rpcUrl`. */
  transport?: Transport
  /** Side-service clients to use instead of building them from the URLs. */
  services?: SideServices
  /** Deadline of each fullnode call unless the call sets one; default 60 s. */
  defaultTimeoutMs?: number
}

/** The URLs a client resolved from its options (presets applied, `0.0.0.0` rewritten). */
export interface SomaClientUrls {
  rpc: string | undefined
  faucet: string | undefined
  scoring: string | undefined
  admin: string | undefined
  blobStore: string | undefined
}

/** A score, as the scoring service returns it (and `score({ local: true })` computes it). */
export interface ScoreResult {
  /** Index into the `models` given (so into `target.modelIds` when they came from the target). */
  winner: number
  /** The winner's loss, length 1. */
  lossScore: number[]
  /** The winner's embedding. */
  embedding: number[]
  /** The winner's cosine distance to the target, length 1: submit `distance[0]` (not `distance[winner]`, which the reference's docs show and which is out of range when winner > 0). */
  distance: number[]
}

/** What the platform can do beyond the browser-safe core (the Node entry fills these in). */
export interface ClientPlatform {
  /** Builds a side-service client for a URL. */
  faucet?: (url: string) => FaucetService & { close?(): void }
  scoring?: (url: string) => ScoringService & { close?(): void }
  admin?: (url: string) => AdminService & { close?(): void }
  /** Scores on this machine (native engine). */
  scoreLocally?: (client: SomaClientCore, request: LocalScoreRequest) => Promise<ScoreResult>
}

/** What `score({ local: true })` hands to the platform. */
export interface LocalScoreRequest extends CallOptions {
  data: Uint8Array
  models: readonly { url: string; checksum: string; size: bigint; decryptionKey?: string | undefined }[]
  targetEmbedding: readonly number[]
  seed: bigint
  onProgress?: (progress: { phase: 'download' | 'score'; done: number; total: number }) => void
}

/** The part of a client every action uses: the fullnode, the lazily built side services. */
export interface SomaClientCore {
  readonly rpc: SomaRpcClient
  readonly chain: SomaChain | undefined
  readonly urls: SomaClientUrls
  /** The faucet client; throws `ServiceNotConfiguredError` when there is none. */
  faucet(): FaucetService
  /** The scoring client; throws `ServiceNotConfiguredError` when there is none. */
  scoring(): ScoringService
  /** The admin client; throws `ServiceNotConfiguredError` when there is none. */
  admin(): AdminService
  readonly platform: ClientPlatform
  /** Closes the side-service connections this client opened. */
  close(): void
}

/** A transaction included in a checkpoint with status success. */
export interface TransactionResult {
  /** Base58. */
  digest: string
  /** The checkpoint that includes it. */
  checkpoint: bigint
  effects: TransactionEffects
  /** Balance changes per address (`0x` + 64 hex), in shannons (negative for what was paid). */
  balanceChanges: { address: string; amount: bigint }[]
  /** Objects this transaction created, with their type (`Coin`, `StakedSoma`, ...). */
  created: { objectId: string; objectType: string | undefined }[]
  /** The node's full answer. */
  executed: ExecutedTransaction
}

export type { Signer }
