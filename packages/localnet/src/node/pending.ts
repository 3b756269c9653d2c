/**
 * What the execution loop reads while earlier checkpoints are still being written: the objects
 * those checkpoints changed, over the committed database. RPC reads never see this layer; they
 * read the database, which holds durable checkpoints only.
 */
import type { ChainObject } from '../chain/objects.js'
import { assertWritesApply, type ObjectStore, type ObjectWrites } from '../chain/store.js'
import type { ChainDatabase, SqliteObjectStore } from './database.js'

/** An object's state after a change: the object, or `null` once deleted. */
export type PendingState = ChainObject | null

/** Changes of executed checkpoints not yet durable, keyed by object id (the newest state wins). */
export class PendingObjects {
  private readonly states = new Map<string, PendingState>()

  get(id: string): PendingState | undefined {
    return this.states.get(id)
  }

  has(id: string): boolean {
    return this.states.has(id)
  }

  ids(): IterableIterator<string> {
    return this.states.keys()
  }

  /** A checkpoint's changes, once it has executed. */
  add(changes: ReadonlyMap<string, PendingState>): void {
    for (const [id, state] of changes) this.states.set(id, state)
  }

  /** A checkpoint is durable: its changes are in the database now, unless a later checkpoint changed the object again. */
  settle(changes: ReadonlyMap<string, PendingState>): void {
    for (const [id, state] of changes) if (this.states.get(id) === state) this.states.delete(id)
  }

  clear(): void {
    this.states.clear()
  }
}

/**
 * The store one checkpoint executes against: its own changes, then the pending ones, then the
 * database. `applyWrites` records the SQL of each change (inside `ChainDatabase.record`).
 */
export class CheckpointStore implements ObjectStore {
  /** This checkpoint's changes so far. */
  readonly changes = new Map<string, PendingState>()

  constructor(
    private readonly database: ChainDatabase,
    private readonly committed: SqliteObjectStore,
    private readonly pending: PendingObjects,
  ) {}

  getObject(id: string): ChainObject | undefined {
    const state = this.changed(id)
    if (state !== undefined) return state ?? undefined
    return this.committed.getObject(id)
  }

  /** In ascending id order, as the database lists them: the committed rows merged with the changed ids. */
  *liveObjects(): Iterable<ChainObject> {
    const changed = [...new Set([...this.changes.keys(), ...this.pending.ids()])].sort()
    let next = 0
    for (const row of this.committed.liveObjects()) {
      while (next < changed.length && changed[next]! < row.id) {
        const object = this.getObject(changed[next++]!)
        if (object !== undefined) yield object
      }
      if (next < changed.length && changed[next] === row.id) {
        next++
        const object = this.getObject(row.id)
        if (object !== undefined) yield object
        continue
      }
      yield row
    }
    while (next < changed.length) {
      const object = this.getObject(changed[next++]!)
      if (object !== undefined) yield object
    }
  }

  applyWrites(writes: ObjectWrites): void {
    assertWritesApply(writes, (id) => this.liveVersion(id))
    for (const id of writes.deleted) {
      this.database.deleteLive(id)
      this.changes.set(id, null)
    }
    for (const object of writes.written) {
      this.database.writeObject(object)
      this.changes.set(object.id, object)
    }
  }

  private liveVersion(id: string): bigint | undefined {
    const state = this.changed(id)
    if (state !== undefined) return state?.version
    return this.database.liveVersion(id)
  }

  /** The object's state if this checkpoint or one in flight changed it; undefined if neither did. */
  private changed(id: string): PendingState | undefined {
    return this.changes.has(id) ? this.changes.get(id) : this.pending.get(id)
  }
}
