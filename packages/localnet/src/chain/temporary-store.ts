/**
 * The per-transaction scratch store (reference: `types/src/temporary_store.rs`): input objects,
 * what execution wrote, created and deleted, the creation counter and the Lamport version. Nothing
 * reaches the object store until the driver applies the finished effects' writes.
 */
import { deriveObjectIdOf } from './digests.js'
import { ChainInvariantError } from './errors.js'
import { digestOf, type ChainObject, type ObjectOwner } from './objects.js'

export interface MutableInputRef {
  readonly version: bigint
  readonly digest: string
  readonly owner: ObjectOwner
}

export interface FeeParameters {
  readonly baseFee: bigint
  readonly writeObjectFee: bigint
  readonly valueFeeBps: bigint
}

export class TemporaryStore {
  readonly inputObjects: ReadonlyMap<string, ChainObject>
  readonly mutableInputRefs: ReadonlyMap<string, MutableInputRef>
  readonly lamportVersion: bigint
  written = new Map<string, ChainObject>()
  modified = new Set<string>()
  created = new Set<string>()
  deleted = new Set<string>()
  gasObjectId: string | undefined
  private creationCounter = 0n

  constructor(
    readonly txDigest: string,
    readonly epoch: bigint,
    readonly fees: FeeParameters,
    inputs: readonly ChainObject[],
    mutableInputIds: ReadonlySet<string>,
  ) {
    const objects = new Map<string, ChainObject>()
    const refs = new Map<string, MutableInputRef>()
    let maxVersion = 0n
    for (const object of inputs) {
      objects.set(object.id, object)
      if (object.version > maxVersion) maxVersion = object.version
      if (mutableInputIds.has(object.id) && object.owner.kind !== 'Immutable') {
        refs.set(object.id, { version: object.version, digest: digestOf(object), owner: object.owner })
      }
    }
    this.inputObjects = objects
    this.mutableInputRefs = refs
    // `Version::lamport_increment`: one above the highest input version.
    this.lamportVersion = maxVersion + 1n
  }

  nextCreationNum(): bigint {
    const n = this.creationCounter
    this.creationCounter += 1n
    return n
  }

  /** The id of the next object this transaction creates (`derive_id(tx, next_creation_num)`). */
  nextObjectId(): string {
    return deriveObjectIdOf(this.txDigest, this.nextCreationNum())
  }

  /**
   * Written version first, then the input; nothing for an object this transaction deleted. The
   * reference falls back to the stale input even then (a debug assert, "no read after delete"), so
   * a coin merged away as a secondary gas coin and also named as an argument is spent twice and
   * SOMA is minted; here that argument is `ObjectNotFound`.
   */
  readObject(id: string): ChainObject | undefined {
    if (this.deleted.has(id)) return undefined
    return this.written.get(id) ?? this.inputObjects.get(id)
  }

  /**
   * The reference's read, stale input included. Only the value-fee step uses it, where the
   * reference's release build double-counts a merged-away coin (a fee quirk, kept: it burns, it
   * does not mint).
   */
  readObjectForFee(id: string): ChainObject | undefined {
    return this.written.get(id) ?? this.inputObjects.get(id)
  }

  isDeleted(id: string): boolean {
    return this.deleted.has(id)
  }

  createObject(object: ChainObject): void {
    if (object.version !== 0n) throw new ChainInvariantError('created objects start at version 0')
    this.created.add(object.id)
    this.written.set(object.id, object)
  }

  mutateInputObject(object: ChainObject): void {
    if (!this.inputObjects.has(object.id)) throw new ChainInvariantError(`mutating ${object.id}, which is not an input`)
    this.modified.add(object.id)
    this.written.set(object.id, object)
  }

  deleteInputObject(id: string): void {
    if (!this.inputObjects.has(id)) throw new ChainInvariantError(`deleting ${id}, which is not an input`)
    this.modified.add(id)
    this.deleted.add(id)
    this.written.delete(id)
  }

  /** A snapshot to return to when the executor fails (`revert_non_gas_changes`). */
  snapshot(): TemporaryStoreSnapshot {
    return {
      written: new Map(this.written),
      modified: new Set(this.modified),
      created: new Set(this.created),
      deleted: new Set(this.deleted),
      creationCounter: this.creationCounter,
    }
  }

  restore(snapshot: TemporaryStoreSnapshot): void {
    this.written = new Map(snapshot.written)
    this.modified = new Set(snapshot.modified)
    this.created = new Set(snapshot.created)
    this.deleted = new Set(snapshot.deleted)
    this.creationCounter = snapshot.creationCounter
  }

  /** `ensure_active_inputs_mutated`: every mutable input is written, so its version is bumped. */
  ensureActiveInputsMutated(): void {
    for (const id of this.mutableInputRefs.keys()) {
      if (!this.modified.has(id)) this.mutateInputObject(this.inputObjects.get(id)!)
    }
  }
}

export interface TemporaryStoreSnapshot {
  readonly written: Map<string, ChainObject>
  readonly modified: Set<string>
  readonly created: Set<string>
  readonly deleted: Set<string>
  readonly creationCounter: bigint
}
