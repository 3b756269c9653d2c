/**
 * The verified encrypted weights a scoring service keeps on disk (`weights/{checksum}`), within a
 * byte budget, least recently used out. A file enters only after its download matched the declared
 * size and Blake2b-256, and the service loads a file it found here with that checksum checked
 * again (the engine hashes while it reads), so a file changed on disk since is dropped and fetched
 * afresh, never served. Files in use (being downloaded or loaded) are never evicted; a model
 * larger than the whole budget is kept only while it loads.
 */
import { lstatSync, mkdirSync, readdirSync, rmSync, utimesSync } from 'node:fs'
import { join } from 'node:path'

/** Four network-size models (about 4.9 GB each). */
export const DEFAULT_DISK_CACHE_BYTES = 20 * 1024 ** 3

/** A checksum as the service names files: Base58 of 32 bytes (43 or 44 characters, or fewer with leading zeros). */
const CHECKSUM_NAME = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/

export interface WeightsDiskCacheStats {
  files: number
  bytes: number
  budgetBytes: number
  evictions: number
}

export class WeightsDiskCache {
  readonly dir: string
  readonly budgetBytes: number
  // Map iteration order is insertion order: re-inserting on every use keeps the oldest first.
  readonly #sizes = new Map<string, number>()
  readonly #pins = new Map<string, number>()
  #bytes = 0
  #evictions = 0

  /**
   * Opens (creating) `dir` and indexes the weights already there, oldest use first (a use touches
   * the file's times, so the order survives a restart); leftovers of interrupted downloads are
   * removed, and files beyond the budget evicted.
   */
  constructor(dir: string, budgetBytes: number) {
    this.dir = dir
    this.budgetBytes = budgetBytes
    mkdirSync(dir, { recursive: true })
    const found: { name: string; size: number; used: number }[] = []
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (name.startsWith('.') && name.endsWith('.partial')) {
        rmSync(path, { force: true })
        continue
      }
      if (!CHECKSUM_NAME.test(name)) continue
      const st = lstatSync(path, { throwIfNoEntry: false })
      if (st?.isFile()) found.push({ name, size: st.size, used: st.mtimeMs })
    }
    found.sort((a, b) => a.used - b.used)
    for (const f of found) this.#add(f.name, f.size)
    this.#evict()
  }

  /** Where the weights with `checksum` live (whether or not they are there yet). */
  pathOf(checksum: string): string {
    return join(this.dir, checksum)
  }

  /**
   * Whether verified weights of `size` bytes are on disk for `checksum`, marking them used. A file
   * another instance sharing the directory put there counts too; one of another size is removed.
   */
  has(checksum: string, size: number): boolean {
    let known = this.#sizes.get(checksum)
    if (known === undefined) {
      const st = lstatSync(this.pathOf(checksum), { throwIfNoEntry: false })
      if (!st?.isFile()) return false
      this.#add(checksum, st.size)
      known = st.size
    }
    if (known !== size) {
      this.remove(checksum)
      return false
    }
    this.#touch(checksum)
    return true
  }

  /** Records weights just downloaded and verified into `pathOf(checksum)`. */
  added(checksum: string, size: number): void {
    this.#add(checksum, size)
    this.#evict()
  }

  /** Deletes the file of `checksum` (one that failed its check on load, or is evicted). */
  remove(checksum: string): void {
    const size = this.#sizes.get(checksum)
    if (size !== undefined) {
      this.#sizes.delete(checksum)
      this.#bytes -= size
    }
    rmSync(this.pathOf(checksum), { force: true })
  }

  /** Keeps the file of `checksum` from eviction until the returned function is called. */
  pin(checksum: string): () => void {
    this.#pins.set(checksum, (this.#pins.get(checksum) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#pins.get(checksum) ?? 1) - 1
      if (left > 0) this.#pins.set(checksum, left)
      else this.#pins.delete(checksum)
      this.#evict()
    }
  }

  stats(): WeightsDiskCacheStats {
    return { files: this.#sizes.size, bytes: this.#bytes, budgetBytes: this.budgetBytes, evictions: this.#evictions }
  }

  #add(checksum: string, size: number): void {
    const old = this.#sizes.get(checksum)
    if (old !== undefined) {
      this.#sizes.delete(checksum)
      this.#bytes -= old
    }
    this.#sizes.set(checksum, size)
    this.#bytes += size
  }

  #touch(checksum: string): void {
    const size = this.#sizes.get(checksum)
    if (size === undefined) return
    this.#sizes.delete(checksum)
    this.#sizes.set(checksum, size)
    const now = new Date()
    try {
      utimesSync(this.pathOf(checksum), now, now)
    } catch {
      // The order in memory stands; only a restart would see an older use.
    }
  }

  #evict(): void {
    for (const [checksum] of this.#sizes) {
      if (this.#bytes <= this.budgetBytes) return
      if (this.#pins.has(checksum)) continue
      this.remove(checksum)
      this.#evictions += 1
    }
  }
}
