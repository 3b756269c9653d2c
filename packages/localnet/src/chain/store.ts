/**
 * The object store behind the state machine. Execution only reads through `ObjectReader`; the
 * driver applies a transaction's `ObjectWrites` in one step (`applyWrites`), so a store backed by a
 * database implements the same two interfaces and commits a checkpoint's writes in one transaction.
 */
import { ChainInvariantError } from './errors.js'
import type { ChainObject } from './objects.js'

export interface ObjectReader {
  /** The live version of an object, or undefined if it does not exist (never existed or deleted). */
  getObject(id: string): ChainObject | undefined
  /** Every live object, in ascending id order (used by the supply check and genesis readers). */
  liveObjects(): Iterable<ChainObject>
}

/** What one transaction changes: objects written at their new version, and ids deleted. */
export interface ObjectWrites {
  readonly written: readonly ChainObject[]
  readonly deleted: readonly string[]
}

export interface ObjectStore extends ObjectReader {
  /** Applies all writes of one transaction, or none (throws before changing anything). */
  applyWrites(writes: ObjectWrites): void
}

/** Every version ever written is kept, as a versioned-row store would. */
export class InMemoryObjectStore implements ObjectStore {
  private readonly live = new Map<string, ChainObject>()
  private readonly history = new Map<string, ChainObject>()

  getObject(id: string): ChainObject | undefined {
    return this.live.get(id)
  }

  /** A past version of an object, if it was ever written. */
  getObjectAtVersion(id: string, version: bigint): ChainObject | undefined {
    return this.history.get(`${id}@${version}`)
  }

  *liveObjects(): Iterable<ChainObject> {
    const ids = [...this.live.keys()].sort()
    for (const id of ids) yield this.live.get(id)!
  }

  applyWrites(writes: ObjectWrites): void {
    assertWritesApply(writes, (id) => this.live.get(id)?.version)
    for (const id of writes.deleted) this.live.delete(id)
    for (const object of writes.written) {
      this.live.set(object.id, object)
      this.history.set(`${object.id}@${object.version}`, object)
    }
  }
}

/**
 * Every store's check before it applies `writes`: each written object moves above its live version
 * and each deleted one is live. `liveVersion` is the store's own view (undefined: not live).
 */
export function assertWritesApply(writes: ObjectWrites, liveVersion: (id: string) => bigint | undefined): void {
  for (const object of writes.written) {
    const current = liveVersion(object.id)
    if (current !== undefined && current >= object.version) {
      throw new ChainInvariantError(`object ${object.id} written at version ${object.version}, not above ${current}`)
    }
  }
  for (const id of writes.deleted) {
    if (liveVersion(id) === undefined) throw new ChainInvariantError(`deleting object ${id}, which does not exist`)
  }
}
