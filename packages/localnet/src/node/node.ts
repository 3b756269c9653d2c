/**
 * The persistent local node: the state machine over the SQLite store, driven by a single execution
 * loop with group commit. Callers queue transactions; the loop takes what is queued, executes it in
 * order, and records the transactions, their effects, the object writes and the checkpoint as ONE
 * database transaction, which the writer thread commits (WAL + synchronous=FULL: on disk when the
 * commit returns). Only then are the callers' promises resolved, so effects a caller has seen are on
 * disk. While a checkpoint is being written the loop executes the next one on top of it
 * (`pending.ts`); reads from RPC see durable checkpoints only.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'

import { PROTOCOL_VERSION, SYSTEM_STATE_OBJECT_ID } from '../chain/constants.js'
import { ChainInvariantError, TransactionRejected } from '../chain/errors.js'
import {
  executeParsedTransaction,
  executeSystemTransaction,
  executeTransaction,
  parseSignedTransaction,
  type ExecutionResult,
  type ParsedTransaction,
} from '../chain/execute.js'
import type { Genesis } from '../chain/genesis.js'
import type { ChainObject } from '../chain/objects.js'
import type { ObjectReader } from '../chain/store.js'
import { assertSupplyConserved } from '../chain/supply.js'
import { decodeSystemStateContents, decodeSystemStateShared, type SystemStateValue } from '../chain/system-state.js'
import { allSigners, BLS_DST, checkpointContentDigest, checkpointDigest, encodeCheckpointSummary, signCheckpoint, signedMessage } from './checkpoint.js'
import { BUILDS_ON_FAILED, CommitFailedError, CommitWriter } from './commit-writer.js'
import { ChainDatabase, SqliteObjectStore, type CommitteeMemberRow, type StoredCheckpoint, type StoredTransaction, type WriteOp } from './database.js'
import { CheckpointStore, PendingObjects, type PendingState } from './pending.js'

/** What a fresh start writes: the genesis objects and the committee that signs checkpoints. */
export interface NodeGenesis {
  readonly genesis: Genesis
  readonly committee: readonly CommitteeMemberRow[]
  /** Text values stored with the genesis, in the same transaction (e.g. the faucet's key). */
  readonly meta?: Readonly<Record<string, string>>
}

export interface LocalNodeOptions {
  /** Where `chain.db` lives (the local network uses `<configDir>/localnet`). */
  readonly directory: string
  /** Delete the database and start from a new genesis. */
  readonly forceRegenesis?: boolean
  /** Called only when no database exists (or with forceRegenesis). */
  readonly genesis: () => NodeGenesis
  /** Milliseconds since the Unix epoch; injectable for tests. */
  readonly now?: () => number
  /** At most this many transactions per checkpoint (default 1000). */
  readonly maxCheckpointTransactions?: number
}

/** The outcome a caller of `submit` gets once its checkpoint is durable. */
export interface CommittedTransaction {
  readonly transactionDigest: string
  readonly effects: Uint8Array
  readonly effectsDigest: string
  readonly errorName: string | undefined
  readonly checkpoint: bigint
  /** The stored signed transaction (for a retry, the first one's: its signatures may differ). */
  readonly signedTransaction: Uint8Array
}

/** The node is closed or closing: nothing more is accepted. */
export class NodeClosedError extends Error {
  override readonly name = 'NodeClosedError'
}

type QueueItem =
  | {
      readonly kind: 'transaction'
      readonly signed: Uint8Array
      readonly parsed: ParsedTransaction | undefined
      resolve(value: CommittedTransaction): void
      reject(err: unknown): void
    }
  | { readonly kind: 'epoch'; resolve(value: CommittedTransaction): void; reject(err: unknown): void }

const DATABASE_FILES = ['chain.db', 'chain.db-wal', 'chain.db-shm']

/** Checkpoints executed but not yet durable, at most: more queued work waits and joins a larger checkpoint. */
const MAX_CHECKPOINTS_IN_FLIGHT = 2

/** A checkpoint's signature until the writer thread has signed it (never stored: the writer replaces it). */
const UNSIGNED = new Uint8Array(0)

type Settled = { item: QueueItem; value?: CommittedTransaction; error?: unknown }

/** Where the execution loop stands: the newest executed checkpoint, durable or not. */
interface ExecutedHead {
  readonly checkpoint: StoredCheckpoint
  readonly epoch: bigint
  readonly epochFees: bigint
  readonly totalTransactions: bigint
}

/** A checkpoint handed to the writer thread. */
interface InFlightCheckpoint {
  /** Without its signature, which the writer thread computes. */
  readonly checkpoint: StoredCheckpoint | undefined
  readonly changes: ReadonlyMap<string, PendingState>
  readonly transactions: ReadonlyMap<string, CommittedTransaction>
  readonly settled: readonly Settled[]
  readonly changesEpoch: boolean
}

export class LocalNode {
  readonly database: ChainDatabase
  /** The committed (durable) objects: what RPC reads. */
  readonly store: SqliteObjectStore
  readonly committee: readonly CommitteeMemberRow[]
  private readonly now: () => number
  private readonly maxCheckpointTransactions: number
  private readonly writer: CommitWriter
  private queue: QueueItem[] = []
  private draining = false
  private closed = false
  private readonly idleWaiters: (() => void)[] = []
  private readonly checkpointListeners = new Set<(checkpoint: StoredCheckpoint) => void>()
  /** The last durable checkpoint and the epoch, read on every request: set only after a commit. */
  private latest: StoredCheckpoint | undefined
  private currentEpoch: bigint | undefined
  /** What executed checkpoints not yet durable changed, and their transactions (for retries). */
  private readonly pending = new PendingObjects()
  private readonly pendingTransactions = new Map<string, CommittedTransaction>()
  private readonly inFlight: InFlightCheckpoint[] = []
  private head: ExecutedHead | undefined

  private constructor(database: ChainDatabase, options: LocalNodeOptions) {
    this.database = database
    this.store = new SqliteObjectStore(database)
    this.committee = database.committee()
    this.now = options.now ?? Date.now
    this.maxCheckpointTransactions = options.maxCheckpointTransactions ?? 1000
    this.writer = new CommitWriter(database.file, { keys: this.committee.map((m) => m.blsSecretKey), dst: BLS_DST })
    database.handOverWrites()
  }

  /** Opens the database (writing genesis if there is none) and checks supply conservation. */
  static open(options: LocalNodeOptions): LocalNode {
    if (options.forceRegenesis === true) {
      for (const file of DATABASE_FILES) rmSync(join(options.directory, file), { force: true })
    }
    const database = ChainDatabase.open(options.directory)
    let node: LocalNode | undefined
    try {
      if (database.latestCheckpoint() === undefined) writeGenesis(database, options.genesis(), options.now ?? Date.now)
      if (database.committee().length === 0) throw new ChainInvariantError('the database has no committee')
      recordCurrentEpochIfMissing(database, new SqliteObjectStore(database))
      node = new LocalNode(database, options)
      // A restart mid-epoch: the epoch's burned fees are not yet back in a pool.
      assertSupplyConserved(node.store, node.epochFees())
      return node
    } catch (err) {
      void node?.writer.close()
      database.close()
      throw err
    }
  }

  systemState(): SystemStateValue {
    const object = this.store.getObject(SYSTEM_STATE_OBJECT_ID)
    if (object === undefined) throw new ChainInvariantError('the SystemState object is missing')
    return decodeSystemStateContents(object.contents)
  }

  /** The epoch of the last durable checkpoint. */
  epoch(): bigint {
    if (this.currentEpoch !== undefined) return this.currentEpoch
    const object = this.store.getObject(SYSTEM_STATE_OBJECT_ID)
    if (object === undefined) throw new ChainInvariantError('the SystemState object is missing')
    this.currentEpoch = decodeSystemStateShared(object.contents).epoch
    return this.currentEpoch
  }

  /** Fees burned so far in this epoch (returned to the pools by ChangeEpoch), as committed. */
  epochFees(): bigint {
    return this.database.getMetaU64('epoch_fees') ?? 0n
  }

  latestCheckpoint(): StoredCheckpoint {
    if (this.latest !== undefined) return this.latest
    const checkpoint = this.database.latestCheckpoint()
    if (checkpoint === undefined) throw new ChainInvariantError('the database has no checkpoint')
    this.latest = checkpoint
    return checkpoint
  }

  getObject(id: string): ChainObject | undefined {
    return this.store.getObject(id)
  }

  getTransaction(digest: string): StoredTransaction | undefined {
    return this.database.getTransaction(digest)
  }

  /**
   * Runs a transaction against the current state without writing anything; `extra` objects are
   * visible to it as if they existed (the simulation's mock gas coin).
   */
  simulate(signed: Uint8Array, skipSignatureCheck = true, extra: readonly ChainObject[] = []): ExecutionResult {
    if (extra.length === 0) return executeTransaction(this.store, signed, { skipSignatureCheck })
    const store = this.store
    const overlay: ObjectReader = {
      getObject: (id) => extra.find((o) => o.id === id) ?? store.getObject(id),
      liveObjects: () => store.liveObjects(),
    }
    return executeTransaction(overlay, signed, { skipSignatureCheck })
  }

  /** Called after each checkpoint is durable (SubscribeCheckpoints). */
  onCheckpoint(listener: (checkpoint: StoredCheckpoint) => void): () => void {
    this.checkpointListeners.add(listener)
    return () => this.checkpointListeners.delete(listener)
  }

  /**
   * Queues a signed transaction (BCS `SenderSignedData`). Resolves once its checkpoint is committed;
   * rejects with `TransactionRejected` when it cannot execute (nothing is written). A transaction
   * already executed resolves with its stored effects. `parsed`, when the caller has it, must be
   * `parseSignedTransaction(signed)` (the RPC builds both from the request and skips a decode).
   */
  submit(signed: Uint8Array, parsed?: ParsedTransaction): Promise<CommittedTransaction> {
    return this.enqueue((resolve, reject) => ({ kind: 'transaction', signed, parsed, resolve, reject }))
  }

  /** Queues the ChangeEpoch system transaction; resolves with its effects once committed. */
  advanceEpoch(): Promise<CommittedTransaction> {
    return this.enqueue((resolve, reject) => ({ kind: 'epoch', resolve, reject }))
  }

  /** Stops accepting work, lets the loop finish what is queued and being written, and closes the database. */
  async close(): Promise<void> {
    this.closed = true
    while (this.draining || this.queue.length > 0 || this.inFlight.length > 0) await new Promise<void>((done) => this.idleWaiters.push(done))
    await this.writer.close()
    this.database.close()
  }

  private enqueue(make: (resolve: (v: CommittedTransaction) => void, reject: (e: unknown) => void) => QueueItem): Promise<CommittedTransaction> {
    if (this.closed) return Promise.reject(new NodeClosedError('the local node is closed'))
    return new Promise((resolve, reject) => {
      this.queue.push(make(resolve, reject))
      this.scheduleDrain()
    })
  }

  private scheduleDrain(): void {
    if (this.draining) return
    this.draining = true
    // setImmediate lets the callers of this tick queue more work into the same checkpoint.
    setImmediate(() => {
      try {
        while (this.queue.length > 0 && this.inFlight.length < MAX_CHECKPOINTS_IN_FLIGHT) this.executeNextCheckpoint()
      } finally {
        this.draining = false
        this.wakeIdleWaiters()
      }
    })
  }

  private wakeIdleWaiters(): void {
    if (this.draining || this.inFlight.length > 0) return
    for (const done of this.idleWaiters.splice(0)) done()
  }

  private executedHead(): ExecutedHead {
    this.head ??= {
      checkpoint: this.latestCheckpoint(),
      epoch: this.epoch(),
      epochFees: this.epochFees(),
      totalTransactions: this.database.getMetaU64('total_transactions') ?? 0n,
    }
    return this.head
  }

  /**
   * Takes up to one checkpoint's worth of work (an epoch change ends a checkpoint), executes it on
   * top of the checkpoints still being written, and hands its writes to the writer thread.
   */
  private executeNextCheckpoint(): void {
    let count = this.queue.findIndex((item) => item.kind === 'epoch')
    count = count === -1 ? this.queue.length : count + 1
    count = Math.min(count, this.maxCheckpointTransactions)
    const batch = this.queue.splice(0, count)
    const store = new CheckpointStore(this.database, this.store, this.pending)
    const settled: Settled[] = []
    const transactions = new Map<string, CommittedTransaction>()
    let executed: { value: { checkpoint: StoredCheckpoint | undefined; head: ExecutedHead }; ops: WriteOp[] }
    try {
      executed = this.database.record(() => this.executeBatch(batch, store, settled, transactions))
    } catch (err) {
      // An invariant failed: nothing of this checkpoint is kept (its changes were only in `store`).
      for (const item of batch) item.reject(err)
      return
    }
    const { checkpoint, head } = executed.value
    // The checkpoint row is the last change recorded; the writer signs it and fills its signature in.
    const last = executed.ops.length - 1
    if (checkpoint !== undefined && executed.ops[last]?.[0] !== 'insertCheckpoint') {
      for (const item of batch) item.reject(new ChainInvariantError('the checkpoint row is not the last change of its commit'))
      return
    }
    const sign = checkpoint === undefined ? undefined : { op: last, message: signedMessage(checkpoint.summary, checkpoint.epoch) }
    this.head = head
    this.pending.add(store.changes)
    for (const [digest, value] of transactions) this.pendingTransactions.set(digest, value)
    const entry: InFlightCheckpoint = { checkpoint, changes: store.changes, transactions, settled, changesEpoch: batch.some((item) => item.kind === 'epoch') }
    this.inFlight.push(entry)
    this.writer.commit(executed.ops, sign).then(
      (signature) => this.durable(entry, signature),
      (err: unknown) => this.commitFailed(entry, err),
    )
  }

  /** A checkpoint is on disk: RPC may read it, and its callers get their effects. */
  private durable(entry: InFlightCheckpoint, signature: Uint8Array | undefined): void {
    if (this.inFlight[0] !== entry) return
    const checkpoint = entry.checkpoint === undefined || signature === undefined ? undefined : { ...entry.checkpoint, signature }
    this.inFlight.shift()
    this.pending.settle(entry.changes)
    for (const [digest, value] of entry.transactions) if (this.pendingTransactions.get(digest) === value) this.pendingTransactions.delete(digest)
    // The committed store may hold the SystemState as it was before this checkpoint.
    if (entry.changes.has(SYSTEM_STATE_OBJECT_ID)) this.store.discardCache()
    this.latest = checkpoint ?? this.latest
    if (entry.changesEpoch) this.currentEpoch = undefined
    for (const s of entry.settled) {
      if (s.value !== undefined) s.item.resolve(s.value)
      else s.item.reject(s.error)
    }
    if (checkpoint !== undefined) for (const listener of this.checkpointListeners) listener(checkpoint)
    this.afterCommit()
  }

  /**
   * The writer could not commit a checkpoint (the disk is full, say): none of it was written, nor
   * any checkpoint executed on top of it. Their callers get the error; the loop starts again from
   * what the database holds.
   */
  private commitFailed(entry: InFlightCheckpoint, err: unknown): void {
    const index = this.inFlight.indexOf(entry)
    if (index === -1) return
    const [failed, ...onTop] = this.inFlight.splice(index)
    for (const s of failed!.settled) s.item.reject(err)
    const reason = err instanceof Error ? err.message : String(err)
    for (const d of onTop) for (const s of d.settled) s.item.reject(new CommitFailedError(`${BUILDS_ON_FAILED} (${reason})`))
    this.pending.clear()
    this.pendingTransactions.clear()
    this.store.discardCache()
    this.head = undefined
    this.latest = undefined
    this.currentEpoch = undefined
    this.writer.reset()
    this.afterCommit()
  }

  private afterCommit(): void {
    if (this.queue.length > 0) this.scheduleDrain()
    else this.wakeIdleWaiters()
  }

  private executeBatch(
    batch: readonly QueueItem[],
    store: CheckpointStore,
    settled: Settled[],
    transactions: Map<string, CommittedTransaction>,
  ): { checkpoint: StoredCheckpoint | undefined; head: ExecutedHead } {
    const head = this.executedHead()
    const previous = head.checkpoint
    const sequence = previous.sequence + 1n
    const epoch = head.epoch
    let nextEpoch = epoch
    let fees = head.epochFees
    const included: StoredTransaction[] = []
    for (const item of batch) {
      if (item.kind === 'epoch') {
        const result = executeSystemTransaction(store, {
          ChangeEpoch: {
            epoch: epoch + 1n,
            epochStartTimestampMs: BigInt(this.timestamp(previous)),
            protocolVersion: PROTOCOL_VERSION,
            fees,
            epochRandomness: new Uint8Array(),
          },
        })
        store.applyWrites(result.writes)
        fees = 0n
        nextEpoch = epoch + 1n
        assertSupplyConserved(store)
        this.recordEpochStart(store, sequence + 1n)
        const stored = this.record(result, new Uint8Array(), sequence, included.length)
        included.push(stored)
        settled.push({ item, value: committed(stored) })
        continue
      }
      let parsed: ParsedTransaction
      try {
        parsed = item.parsed ?? parseSignedTransaction(item.signed)
      } catch (err) {
        settled.push({ item, error: err })
        continue
      }
      const digest = parsed.digest
      const earlier = transactions.get(digest) ?? this.pendingTransactions.get(digest) ?? storedResult(this.database.getTransaction(digest))
      if (earlier !== undefined) {
        settled.push({ item, value: earlier })
        continue
      }
      let result: ExecutionResult
      try {
        result = executeParsedTransaction(store, item.signed, parsed)
      } catch (err) {
        if (!(err instanceof TransactionRejected)) throw err
        settled.push({ item, error: err })
        continue
      }
      store.applyWrites(result.writes)
      fees += result.totalFee
      const stored = this.record(result, item.signed, sequence, included.length)
      included.push(stored)
      const value = committed(stored)
      transactions.set(digest, value)
      settled.push({ item, value })
    }
    this.database.setMetaU64('epoch_fees', fees)
    if (included.length === 0) return { checkpoint: undefined, head: { ...head, epochFees: fees } }
    const totalTransactions = head.totalTransactions + BigInt(included.length)
    const summaryBytes = encodeCheckpointSummary({
      epoch,
      sequenceNumber: sequence,
      networkTotalTransactions: totalTransactions,
      contentDigest: checkpointContentDigest(included.map((t) => ({ transaction: t.digest, effects: t.effectsDigest }))),
      previousDigest: previous.digest,
      timestampMs: BigInt(this.timestamp(previous)),
    })
    this.database.setMetaU64('total_transactions', totalTransactions)
    const signers = allSigners(this.committee.length)
    const checkpoint: StoredCheckpoint = { sequence, digest: checkpointDigest(summaryBytes), epoch, summary: summaryBytes, signature: UNSIGNED, signers }
    this.database.insertCheckpoint(checkpoint)
    return { checkpoint, head: { checkpoint, epoch: nextEpoch, epochFees: fees, totalTransactions } }
  }

  /** The epoch ChangeEpoch just started begins with the checkpoint after this one (the reference's rule). */
  private recordEpochStart(store: CheckpointStore, startCheckpoint: bigint): void {
    const object = store.getObject(SYSTEM_STATE_OBJECT_ID)!
    const state = decodeSystemStateContents(object.contents)
    this.database.recordEpochStart({
      epoch: state.epoch,
      protocolVersion: state.protocolVersion,
      startTimestampMs: state.epochStartTimestampMs,
      startCheckpoint,
      systemState: object.contents,
    })
  }

  private record(result: ExecutionResult, signed: Uint8Array, checkpoint: bigint, position: number): StoredTransaction {
    const stored: StoredTransaction = {
      digest: result.transactionDigest,
      checkpoint,
      position: BigInt(position),
      signedTransaction: signed,
      effects: result.effects,
      effectsDigest: result.effectsDigest,
      errorName: result.errorName,
    }
    this.database.insertTransaction(stored)
    return stored
  }

  /** Checkpoint timestamps never go backwards, whatever the clock does. */
  private timestamp(previous: StoredCheckpoint): number {
    const previousMs = Number(decodeTimestamp(previous.summary))
    return Math.max(this.now(), previousMs)
  }
}

/**
 * A database from before the epochs table knows nothing of the current epoch: record it from the
 * system state, as the reference's index does when it starts (the start checkpoint stays unknown).
 */
function recordCurrentEpochIfMissing(database: ChainDatabase, store: SqliteObjectStore): void {
  const object = store.getObject(SYSTEM_STATE_OBJECT_ID)
  if (object === undefined) throw new ChainInvariantError('the SystemState object is missing')
  const state = decodeSystemStateContents(object.contents)
  if (database.getEpoch(state.epoch) !== undefined) return
  database.inTransaction(() =>
    database.recordEpochStart({
      epoch: state.epoch,
      protocolVersion: state.protocolVersion,
      startTimestampMs: state.epochStartTimestampMs,
      startCheckpoint: undefined,
      systemState: object.contents,
    }),
  )
}

function decodeTimestamp(summary: Uint8Array): bigint {
  // timestampMs is the summary's last field, a u64.
  return new DataView(summary.buffer, summary.byteOffset + summary.byteLength - 8, 8).getBigUint64(0, true)
}

function committed(stored: StoredTransaction): CommittedTransaction {
  return {
    transactionDigest: stored.digest,
    effects: stored.effects,
    effectsDigest: stored.effectsDigest,
    errorName: stored.errorName,
    checkpoint: stored.checkpoint,
    signedTransaction: stored.signedTransaction,
  }
}

function storedResult(stored: StoredTransaction | undefined): CommittedTransaction | undefined {
  return stored === undefined ? undefined : committed(stored)
}

function writeGenesis(database: ChainDatabase, { genesis, committee, meta }: NodeGenesis, now: () => number): void {
  database.inTransaction(() => {
    for (const [key, value] of Object.entries(meta ?? {})) database.setMetaText(key, value)
    const store = new SqliteObjectStore(database)
    store.applyWrites({ written: genesis.objects, deleted: [] })
    assertSupplyConserved(store)
    database.insertCommittee(committee)
    const system = genesis.objects.find((o) => o.id === SYSTEM_STATE_OBJECT_ID)
    if (system === undefined) throw new ChainInvariantError('the genesis has no SystemState object')
    const state = decodeSystemStateContents(system.contents)
    database.recordEpochStart({
      epoch: state.epoch,
      protocolVersion: state.protocolVersion,
      startTimestampMs: state.epochStartTimestampMs,
      startCheckpoint: 0n,
      systemState: system.contents,
    })
    database.setMetaText('genesis_transaction', genesis.transactionDigest)
    database.setMetaU64('epoch_fees', 0n)
    database.setMetaU64('total_transactions', 1n)
    const summary = encodeCheckpointSummary({
      epoch: 0n,
      sequenceNumber: 0n,
      networkTotalTransactions: 1n,
      contentDigest: checkpointContentDigest([]),
      previousDigest: null,
      timestampMs: BigInt(now()),
    })
    const { signature, signers } = signCheckpoint(summary, 0n, committee)
    database.insertCheckpoint({ sequence: 0n, digest: checkpointDigest(summary), epoch: 0n, summary, signature, signers })
  })
}
