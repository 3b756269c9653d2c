/**
 * The local network's embedded database (SQLite through better-sqlite3, WAL, `synchronous = FULL`).
 * Objects are versioned rows; `live_objects` names each live object's current version. A checkpoint's
 * transactions, effects and object writes are written inside one SQLite transaction by the
 * execution loop (`node.ts`), so after a crash the database holds whole checkpoints only.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import Database from 'better-sqlite3'

import { SYSTEM_STATE_OBJECT_ID } from '../chain/constants.js'
import { ChainInvariantError } from '../chain/errors.js'
import { digestOf, targetOf, type ChainObject, type ObjectOwner, type ObjectTypeName } from '../chain/objects.js'
import { assertWritesApply, type ObjectStore, type ObjectWrites } from '../chain/store.js'

/** 2 added `targets` (the ListTargets index) and `epochs` (what GetEpoch serves for past epochs). */
const SCHEMA_VERSION = 2n

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS objects (
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  owner_kind TEXT NOT NULL,
  owner_address TEXT,
  initial_shared_version INTEGER,
  contents BLOB NOT NULL,
  previous_transaction TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (id, version)
) STRICT;
CREATE TABLE IF NOT EXISTS live_objects (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  owner_address TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS live_objects_by_owner ON live_objects (owner_address, id);
CREATE TABLE IF NOT EXISTS transactions (
  digest TEXT PRIMARY KEY,
  checkpoint INTEGER NOT NULL,
  position INTEGER NOT NULL,
  signed_transaction BLOB NOT NULL,
  effects BLOB NOT NULL,
  effects_digest TEXT NOT NULL,
  error_name TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS checkpoints (
  sequence INTEGER PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  epoch INTEGER NOT NULL,
  summary BLOB NOT NULL,
  signature BLOB NOT NULL,
  signers BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS committee (
  position INTEGER PRIMARY KEY,
  address TEXT NOT NULL,
  bls_secret_key BLOB NOT NULL,
  bls_public_key BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS targets (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  generation_epoch INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS targets_in_order ON targets (length(status), status, generation_epoch, id);
CREATE TABLE IF NOT EXISTS epochs (
  epoch INTEGER PRIMARY KEY,
  protocol_version INTEGER NOT NULL,
  start_timestamp_ms INTEGER NOT NULL,
  end_timestamp_ms INTEGER,
  start_checkpoint INTEGER,
  system_state BLOB NOT NULL
) STRICT;
`

/**
 * Every statement that changes the database, by name. The node's writer thread prepares the same
 * table (`commit-writer.ts`), so a checkpoint is recorded here as a list of `[name, parameters]`
 * and run there in one transaction.
 */
export const WRITE_STATEMENTS = {
  insertObject:
    'INSERT INTO objects (id, version, type, owner_kind, owner_address, initial_shared_version, contents, previous_transaction, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  upsertLive:
    'INSERT INTO live_objects (id, version, owner_address) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, owner_address = excluded.owner_address',
  deleteLive: 'DELETE FROM live_objects WHERE id = ?',
  setMeta: 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  insertTransaction:
    'INSERT INTO transactions (digest, checkpoint, position, signed_transaction, effects, effects_digest, error_name) VALUES (?, ?, ?, ?, ?, ?, ?)',
  insertCheckpoint: 'INSERT INTO checkpoints (sequence, digest, epoch, summary, signature, signers) VALUES (?, ?, ?, ?, ?, ?)',
  insertCommittee: 'INSERT INTO committee (position, address, bls_secret_key, bls_public_key) VALUES (?, ?, ?, ?)',
  upsertTarget:
    'INSERT INTO targets (id, version, status, generation_epoch) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, generation_epoch = excluded.generation_epoch',
  deleteTarget: 'DELETE FROM targets WHERE id = ?',
  insertEpoch:
    'INSERT INTO epochs (epoch, protocol_version, start_timestamp_ms, end_timestamp_ms, start_checkpoint, system_state) VALUES (?, ?, ?, NULL, ?, ?)',
  endEpoch: 'UPDATE epochs SET end_timestamp_ms = ? WHERE epoch = ?',
} as const

export type WriteStatement = keyof typeof WRITE_STATEMENTS
/** Where `insertCheckpoint` takes the signature (the writer thread signs and fills it in). */
export const CHECKPOINT_SIGNATURE_PARAMETER = 4
export type SqlValue = string | bigint | Uint8Array | null
/** One change to the database: a statement of `WRITE_STATEMENTS` and its parameters. */
export type WriteOp = readonly [WriteStatement, readonly SqlValue[]]

/**
 * The pragmas every connection sets, the writer thread's included: WAL, and a commit returns only
 * once it is on disk. The writer thread and the reading connection share the file; a reader never
 * blocks the writer in WAL mode, but opening and checkpointing take short locks (`busy_timeout`).
 */
export const CONNECTION_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', 'busy_timeout = 5000'] as const

export function configureConnection(db: Database.Database): void {
  for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma)
}

/** The status text the reference's target index keys on. */
function targetStatusText(object: ChainObject): string {
  const status = targetOf(object).status
  return status.Open !== undefined ? 'open' : status.Filled !== undefined ? 'filled' : 'claimed'
}

interface ObjectRow {
  id: string
  version: bigint
  type: string
  owner_kind: string
  owner_address: string | null
  initial_shared_version: bigint | null
  contents: Uint8Array
  previous_transaction: string
}

function objectFromRow(row: ObjectRow): ChainObject {
  let owner: ObjectOwner
  if (row.owner_kind === 'Address' && row.owner_address !== null) owner = { kind: 'Address', address: row.owner_address }
  else if (row.owner_kind === 'Shared' && row.initial_shared_version !== null) owner = { kind: 'Shared', initialSharedVersion: row.initial_shared_version }
  else if (row.owner_kind === 'Immutable') owner = { kind: 'Immutable' }
  else throw new ChainInvariantError(`object ${row.id}@${row.version} has an unreadable owner (${row.owner_kind})`)
  return {
    id: row.id,
    version: row.version,
    type: row.type as ObjectTypeName,
    owner,
    contents: new Uint8Array(row.contents),
    previousTransaction: row.previous_transaction,
  }
}

export interface CommitteeMemberRow {
  readonly address: string
  readonly blsSecretKey: Uint8Array
  readonly blsPublicKey: Uint8Array
}

export interface StoredTransaction {
  readonly digest: string
  readonly checkpoint: bigint
  readonly position: bigint
  readonly signedTransaction: Uint8Array
  readonly effects: Uint8Array
  readonly effectsDigest: string
  readonly errorName: string | undefined
}

/** One row of the target index, in the reference's key order (status, generation epoch, id). */
export interface TargetIndexEntry {
  readonly id: string
  readonly version: bigint
  readonly status: string
  readonly generationEpoch: bigint
}

/** What the node records when an epoch starts (the reference's `EpochInfo`). */
export interface StoredEpoch {
  readonly epoch: bigint
  readonly protocolVersion: bigint
  readonly startTimestampMs: bigint
  /** Set when the next epoch starts. */
  readonly endTimestampMs: bigint | undefined
  /** The first checkpoint of the epoch; unknown for an epoch recorded on reopening an older database. */
  readonly startCheckpoint: bigint | undefined
  /** BCS of the SystemState contents at the start of the epoch. */
  readonly systemState: Uint8Array
}

export interface StoredCheckpoint {
  readonly sequence: bigint
  readonly digest: string
  readonly epoch: bigint
  /** BCS of the local `CheckpointSummary` (see `checkpoint.ts`). */
  readonly summary: Uint8Array
  /** The committee's aggregate BLS signature (48 bytes, min-sig). */
  readonly signature: Uint8Array
  /** Which committee positions signed (a bitmap, one byte per 8 members). */
  readonly signers: Uint8Array
}

/** The database file and its prepared statements; one instance per open local network. */
export class ChainDatabase {
  readonly db: Database.Database
  /** The database file (the writer thread opens its own connection to it). */
  readonly file: string
  private readonly statements
  private readonly writes: Record<WriteStatement, Database.Statement>
  /** Set while `record` runs: changes are collected here instead of being run. */
  private recording: WriteOp[] | undefined
  /** Set once the writer thread owns the writes: this connection only reads from then on. */
  private readOnly = false

  private constructor(db: Database.Database, file: string) {
    this.db = db
    this.file = file
    this.writes = Object.fromEntries(Object.entries(WRITE_STATEMENTS).map(([name, sql]) => [name, db.prepare(sql)])) as Record<WriteStatement, Database.Statement>
    this.statements = {
      getLive: db.prepare<[string], ObjectRow>(
        'SELECT o.* FROM live_objects l JOIN objects o ON o.id = l.id AND o.version = l.version WHERE l.id = ?',
      ),
      getAtVersion: db.prepare<[string, bigint], ObjectRow>('SELECT * FROM objects WHERE id = ? AND version = ?'),
      allLive: db.prepare<[], ObjectRow>('SELECT o.* FROM live_objects l JOIN objects o ON o.id = l.id AND o.version = l.version ORDER BY l.id'),
      ownedLive: db.prepare<[string, string, number], ObjectRow>(
        'SELECT o.* FROM live_objects l JOIN objects o ON o.id = l.id AND o.version = l.version WHERE l.owner_address = ? AND l.id > ? ORDER BY l.id LIMIT ?',
      ),
      liveVersion: db.prepare<[string], { version: bigint }>('SELECT version FROM live_objects WHERE id = ?'),
      getMeta: db.prepare<[string], { value: Uint8Array }>('SELECT value FROM meta WHERE key = ?'),
      getTransaction: db.prepare<[string], Record<string, unknown>>('SELECT * FROM transactions WHERE digest = ?'),
      checkpointTransactions: db.prepare<[bigint], { digest: string }>('SELECT digest FROM transactions WHERE checkpoint = ? ORDER BY position'),
      getCheckpoint: db.prepare<[bigint], Record<string, unknown>>('SELECT * FROM checkpoints WHERE sequence = ?'),
      checkpointByDigest: db.prepare<[string], Record<string, unknown>>('SELECT * FROM checkpoints WHERE digest = ?'),
      latestCheckpoint: db.prepare<[], Record<string, unknown>>('SELECT * FROM checkpoints ORDER BY sequence DESC LIMIT 1'),
      committee: db.prepare<[], { address: string; bls_secret_key: Uint8Array; bls_public_key: Uint8Array }>('SELECT * FROM committee ORDER BY position'),
      targetsFrom: db.prepare<[number, string, bigint, string, string | null, string | null, bigint | null, bigint | null], { id: string; version: bigint; status: string; generation_epoch: bigint }>(
        `SELECT id, version, status, generation_epoch FROM targets
         WHERE (length(status), status, generation_epoch, id) >= (?, ?, ?, ?)
           AND (? IS NULL OR status = ?) AND (? IS NULL OR generation_epoch = ?)
         ORDER BY length(status), status, generation_epoch, id`,
      ),
      getEpoch: db.prepare<[bigint], Record<string, unknown>>('SELECT * FROM epochs WHERE epoch = ?'),
    }
  }

  /** Opens (creating if needed) `<directory>/chain.db`. */
  static open(directory: string): ChainDatabase {
    mkdirSync(directory, { recursive: true })
    const file = join(directory, 'chain.db')
    const db = new Database(file)
    db.defaultSafeIntegers(true)
    configureConnection(db)
    db.exec(SCHEMA)
    const database = new ChainDatabase(db, file)
    const stored = database.getMetaU64('schema_version')
    if (stored === undefined) database.setMetaU64('schema_version', SCHEMA_VERSION)
    else if (stored === 1n) database.migrateFromVersion1()
    else if (stored !== SCHEMA_VERSION) {
      db.close()
      throw new ChainInvariantError(`the database in ${directory} has schema version ${stored}, this build reads ${SCHEMA_VERSION}; start with forceRegenesis`)
    }
    return database
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  /** Version 1 had no target index: build it from the live objects (the epochs table fills on open). */
  private migrateFromVersion1(): void {
    this.inTransaction(() => {
      for (const object of this.liveObjects()) if (object.type === 'Target') this.indexTarget(object)
      this.setMetaU64('schema_version', SCHEMA_VERSION)
    })
  }

  /** Runs `body` inside one SQLite transaction (committed durably when it returns, rolled back if it throws). */
  inTransaction<T>(body: () => T): T {
    return this.db.transaction(body).immediate()
  }

  /**
   * Runs `body` with every change it makes collected instead of written: the returned ops, run in
   * order in one transaction (the writer thread does), make exactly those changes. Reads inside
   * `body` see the database as committed, not the collected changes.
   */
  record<T>(body: () => T): { value: T; ops: WriteOp[] } {
    if (this.recording !== undefined) throw new ChainInvariantError('record() does not nest')
    const ops: WriteOp[] = []
    this.recording = ops
    try {
      return { value: body(), ops }
    } finally {
      this.recording = undefined
    }
  }

  /** From now on changes are only recorded (`record`); the writer thread commits them. */
  handOverWrites(): void {
    this.readOnly = true
  }

  private write(name: WriteStatement, ...params: SqlValue[]): void {
    if (this.recording === undefined) {
      if (this.readOnly) throw new ChainInvariantError(`${name}: this connection only reads; the writer thread commits changes`)
      this.writes[name].run(...params)
      return
    }
    // A view into a larger buffer (a request body, say) would carry that whole buffer to the writer thread.
    this.recording.push([name, params.map((p) => (p instanceof Uint8Array && p.byteLength !== p.buffer.byteLength ? p.slice() : p))])
  }

  // ---- objects ------------------------------------------------------------------------------

  getLiveObject(id: string): ChainObject | undefined {
    const row = this.statements.getLive.get(id)
    return row === undefined ? undefined : objectFromRow(row)
  }

  getObjectAtVersion(id: string, version: bigint): ChainObject | undefined {
    const row = this.statements.getAtVersion.get(id, version)
    return row === undefined ? undefined : objectFromRow(row)
  }

  *liveObjects(): Iterable<ChainObject> {
    for (const row of this.statements.allLive.iterate()) yield objectFromRow(row)
  }

  /** Live objects owned by `address` with id above `afterId`, ascending, at most `limit`. */
  ownedObjects(address: string, afterId: string, limit: number): ChainObject[] {
    return this.statements.ownedLive.all(address, afterId, limit).map(objectFromRow)
  }

  liveVersion(id: string): bigint | undefined {
    return this.statements.liveVersion.get(id)?.version
  }

  writeObject(object: ChainObject): void {
    const owner = object.owner
    const ownerAddress = owner.kind === 'Address' ? owner.address : null
    this.write('insertObject',
      object.id,
      object.version,
      object.type,
      owner.kind,
      ownerAddress,
      owner.kind === 'Shared' ? owner.initialSharedVersion : null,
      object.contents,
      object.previousTransaction,
      digestOf(object),
    )
    this.write('upsertLive', object.id, object.version, ownerAddress)
    if (object.type === 'Target') this.indexTarget(object)
  }

  deleteLive(id: string): void {
    this.write('deleteLive', id)
    this.write('deleteTarget', id)
  }

  private indexTarget(object: ChainObject): void {
    this.write('upsertTarget', object.id, object.version, targetStatusText(object), targetOf(object).generationEpoch)
  }

  /**
   * Target index entries from `from` on (inclusive), in the reference's key order: status by
   * length then text (its keys are bincode, a length-prefixed string first), generation epoch, id.
   */
  *targetEntries(
    filter: { readonly status?: string | undefined; readonly generationEpoch?: bigint | undefined },
    from: TargetIndexEntry | undefined,
  ): Iterable<TargetIndexEntry> {
    const start = from ?? { status: '', generationEpoch: 0n, id: '' }
    const status = filter.status ?? null
    const epoch = filter.generationEpoch ?? null
    for (const row of this.statements.targetsFrom.iterate(start.status.length, start.status, start.generationEpoch, start.id, status, status, epoch, epoch)) {
      yield { id: row.id, version: row.version, status: row.status, generationEpoch: row.generation_epoch }
    }
  }

  // ---- epochs -------------------------------------------------------------------------------

  /** Records the start of `epoch` and closes the previous epoch at the same timestamp. */
  recordEpochStart(epoch: Omit<StoredEpoch, 'endTimestampMs'>): void {
    this.write('insertEpoch', epoch.epoch, epoch.protocolVersion, epoch.startTimestampMs, epoch.startCheckpoint ?? null, epoch.systemState)
    if (epoch.epoch > 0n) this.write('endEpoch', epoch.startTimestampMs, epoch.epoch - 1n)
  }

  getEpoch(epoch: bigint): StoredEpoch | undefined {
    const row = this.statements.getEpoch.get(epoch)
    if (row === undefined) return undefined
    return {
      epoch: row.epoch as bigint,
      protocolVersion: row.protocol_version as bigint,
      startTimestampMs: row.start_timestamp_ms as bigint,
      endTimestampMs: (row.end_timestamp_ms as bigint | null) ?? undefined,
      startCheckpoint: (row.start_checkpoint as bigint | null) ?? undefined,
      systemState: new Uint8Array(row.system_state as Uint8Array),
    }
  }

  // ---- meta ---------------------------------------------------------------------------------

  getMetaU64(key: string): bigint | undefined {
    const row = this.statements.getMeta.get(key)
    if (row === undefined) return undefined
    return new DataView(row.value.buffer, row.value.byteOffset, row.value.byteLength).getBigUint64(0, true)
  }

  setMetaU64(key: string, value: bigint): void {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setBigUint64(0, value, true)
    this.write('setMeta', key, bytes)
  }

  getMetaText(key: string): string | undefined {
    const row = this.statements.getMeta.get(key)
    return row === undefined ? undefined : new TextDecoder().decode(row.value)
  }

  setMetaText(key: string, value: string): void {
    this.write('setMeta', key, new TextEncoder().encode(value))
  }

  // ---- transactions and checkpoints ---------------------------------------------------------

  insertTransaction(tx: StoredTransaction): void {
    this.write('insertTransaction', tx.digest, tx.checkpoint, tx.position, tx.signedTransaction, tx.effects, tx.effectsDigest, tx.errorName ?? null)
  }

  getTransaction(digest: string): StoredTransaction | undefined {
    const row = this.statements.getTransaction.get(digest)
    if (row === undefined) return undefined
    return {
      digest: row.digest as string,
      checkpoint: row.checkpoint as bigint,
      position: row.position as bigint,
      signedTransaction: new Uint8Array(row.signed_transaction as Uint8Array),
      effects: new Uint8Array(row.effects as Uint8Array),
      effectsDigest: row.effects_digest as string,
      errorName: (row.error_name as string | null) ?? undefined,
    }
  }

  checkpointTransactionDigests(sequence: bigint): string[] {
    return this.statements.checkpointTransactions.all(sequence).map((r) => r.digest)
  }

  insertCheckpoint(checkpoint: StoredCheckpoint): void {
    const c = checkpoint
    this.write('insertCheckpoint', c.sequence, c.digest, c.epoch, c.summary, c.signature, c.signers)
  }

  getCheckpoint(sequence: bigint): StoredCheckpoint | undefined {
    return checkpointFromRow(this.statements.getCheckpoint.get(sequence))
  }

  getCheckpointByDigest(digest: string): StoredCheckpoint | undefined {
    return checkpointFromRow(this.statements.checkpointByDigest.get(digest))
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return checkpointFromRow(this.statements.latestCheckpoint.get())
  }

  // ---- committee ----------------------------------------------------------------------------

  insertCommittee(members: readonly CommitteeMemberRow[]): void {
    members.forEach((m, i) => this.write('insertCommittee', BigInt(i), m.address, m.blsSecretKey, m.blsPublicKey))
  }

  committee(): CommitteeMemberRow[] {
    return this.statements.committee.all().map((r) => ({
      address: r.address,
      blsSecretKey: new Uint8Array(r.bls_secret_key),
      blsPublicKey: new Uint8Array(r.bls_public_key),
    }))
  }
}

function checkpointFromRow(row: Record<string, unknown> | undefined): StoredCheckpoint | undefined {
  if (row === undefined) return undefined
  return {
    sequence: row.sequence as bigint,
    digest: row.digest as string,
    epoch: row.epoch as bigint,
    summary: new Uint8Array(row.summary as Uint8Array),
    signature: new Uint8Array(row.signature as Uint8Array),
    signers: new Uint8Array(row.signers as Uint8Array),
  }
}

/** The chain's `ObjectStore` over the database: every version is a row, `applyWrites` is all-or-nothing. */
export class SqliteObjectStore implements ObjectStore {
  /**
   * The live SystemState object, which every transaction reads (a large row): kept from the last
   * read or write. A rolled-back database transaction must call `discardCache`.
   */
  private systemState: ChainObject | undefined

  constructor(private readonly database: ChainDatabase) {}

  getObject(id: string): ChainObject | undefined {
    if (id === SYSTEM_STATE_OBJECT_ID) {
      this.systemState ??= this.database.getLiveObject(id)
      return this.systemState
    }
    return this.database.getLiveObject(id)
  }

  /** Forgets what the store keeps in memory (after a rollback, the database is the truth again). */
  discardCache(): void {
    this.systemState = undefined
  }

  getObjectAtVersion(id: string, version: bigint): ChainObject | undefined {
    return this.database.getObjectAtVersion(id, version)
  }

  liveObjects(): Iterable<ChainObject> {
    return this.database.liveObjects()
  }

  applyWrites(writes: ObjectWrites): void {
    assertWritesApply(writes, (id) => this.database.liveVersion(id))
    // A savepoint, so a failure half-way (e.g. the disk is full) leaves the enclosing checkpoint intact.
    this.database.db.transaction(() => {
      for (const id of writes.deleted) this.database.deleteLive(id)
      for (const object of writes.written) this.database.writeObject(object)
    })()
    if (writes.deleted.includes(SYSTEM_STATE_OBJECT_ID)) this.systemState = undefined
    for (const object of writes.written) if (object.id === SYSTEM_STATE_OBJECT_ID) this.systemState = object
  }
}
