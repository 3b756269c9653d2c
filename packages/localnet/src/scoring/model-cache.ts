/**
 * Loaded models, kept within a byte budget and handed out least recently used last. An entry is
 * keyed by the weights' checksum *and* the decryption key: the same encrypted file opened with a
 * different key is a different model (or a failure), so a wrong key can never stand in for the
 * right one. Loads are single-flight: callers asking for a key that is loading wait for that load.
 * A failed load leaves nothing behind, so the next caller tries afresh.
 */
import type { Model } from '@soma-ts/core'

interface Entry {
  /** Settles once; replaced by nothing (the entry is deleted) when it rejects. */
  model: Promise<Model>
  /** Bytes the loaded model occupies; 0 while loading. */
  bytes: number
}

export interface ModelCacheStats {
  entries: number
  bytes: number
  loads: number
  hits: number
  evictions: number
}

/** Bytes a loaded model holds: its float32 parameters. */
export function modelBytes(model: Model): number {
  return model.parameterCount * 4
}

export class ModelCache {
  readonly budgetBytes: number
  // Map iteration order is insertion order: re-inserting on every use keeps the oldest first.
  private readonly entries = new Map<string, Entry>()
  private usedBytes = 0
  private loads = 0
  private hits = 0
  private evictions = 0

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes
  }

  static keyOf(checksum: string, decryptionKey: string | null | undefined): string {
    return `${checksum}/${decryptionKey ?? '-'}`
  }

  /** The model under `key`, loading it with `load` when it is neither cached nor loading. */
  get(key: string, load: () => Promise<Model>): Promise<Model> {
    const found = this.entries.get(key)
    if (found) {
      this.hits += 1
      this.entries.delete(key)
      this.entries.set(key, found)
      return found.model
    }
    this.loads += 1
    const entry: Entry = { model: Promise.resolve().then(load), bytes: 0 }
    this.entries.set(key, entry)
    entry.model.then(
      (model) => {
        if (this.entries.get(key) !== entry) return
        entry.bytes = modelBytes(model)
        this.usedBytes += entry.bytes
        this.evict()
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key)
      },
    )
    return entry.model
  }

  /**
   * Drops loaded entries, oldest first, until the budget holds. A model larger than the whole
   * budget is dropped too: the requests holding it finish with it, nobody keeps it afterwards.
   * Entries still loading cost nothing yet and stay.
   */
  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.usedBytes <= this.budgetBytes) return
      if (entry.bytes === 0) continue
      this.entries.delete(key)
      this.usedBytes -= entry.bytes
      this.evictions += 1
    }
  }

  stats(): ModelCacheStats {
    return { entries: this.entries.size, bytes: this.usedBytes, loads: this.loads, hits: this.hits, evictions: this.evictions }
  }

  clear(): void {
    this.entries.clear()
    this.usedBytes = 0
  }
}
