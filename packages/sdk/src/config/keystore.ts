/**
 * The reference CLI's file keystore (`soma-keys/src/keystore.rs`): `soma.keystore` is a pretty
 * JSON array of Base64 `flag ‖ seed` strings in address order, mode 0600; the aliases file (same
 * path, extension `.aliases`) is a pretty JSON array of `{alias, public_key_base64}`. Both files
 * are read and written byte-compatibly, so either CLI can use the other's keys.
 */
import { dirname, extname, join, basename } from 'node:path'

import { ConfigError, InvalidArgumentError, KeyNotFoundError, truncate } from '../errors/index.js'
import { Ed25519Keypair } from '../keys/keypair.js'
import { Ed25519PublicKey } from '../keys/publickey.js'
import { isValidAddress, normalizeAddress } from '../utils/encoding.js'
import { readConfigFile, regularFileExists, tightenFileMode, writeFileAtomic } from './files.js'
import { randomAlias } from './names.js'

export const KEYSTORE_FILENAME = 'soma.keystore'
export const ALIASES_EXTENSION = 'aliases'
const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9\-_.]*$/
/**
 * The most entries a keystore or aliases file may hold. A user has a few dozen keys; 1,024 leaves
 * room for scripted fleets while bounding what a file can cost to load: each distinct key is one
 * Ed25519 derivation (about 1.4 ms of CPU in JavaScript on a slow machine), so a 1 MiB file could
 * otherwise hold 20,000 of them and take half a minute.
 */
export const MAX_KEYSTORE_ENTRIES = 1_024

export interface KeystoreAlias {
  alias: string
  /** Base64 of `flag ‖ pk`. */
  public_key_base64: string
}

export interface KeystoreEntry {
  address: string
  alias: string
  keypair: Ed25519Keypair
}

/** The aliases file that belongs to a keystore path (extension replaced by `.aliases`). */
export function aliasesPathFor(keystorePath: string): string {
  const ext = extname(keystorePath)
  const stem = ext ? basename(keystorePath, ext) : basename(keystorePath)
  return join(dirname(keystorePath), `${stem}.${ALIASES_EXTENSION}`)
}

/** Checks an alias the way the reference does (after trimming). */
export function validateAlias(alias: string): string {
  const trimmed = alias.trim()
  if (!ALIAS_PATTERN.test(trimmed)) {
    throw new InvalidArgumentError(`Invalid alias "${truncate(trimmed, 60)}".`, {
      hint: 'A valid alias must start with a letter and can contain only letters, digits, hyphens (-), dots (.), or underscores (_).',
    })
  }
  return trimmed
}

function compareAddresses(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function readJsonArray(path: string, what: string): unknown[] {
  const text = readConfigFile(path, what)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ConfigError(`Cannot deserialize the ${what} file: ${path}`, { details: 'not valid JSON' })
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`Cannot deserialize the ${what} file: ${path}`, { details: 'expected a JSON array' })
  if (parsed.length > MAX_KEYSTORE_ENTRIES) {
    throw new ConfigError(`The ${what} file ${path} has too many entries.`, {
      details: `${parsed.length} entries, at most ${MAX_KEYSTORE_ENTRIES} are loaded`,
      hint: 'Split the keys over several keystores (client.yaml names the one in use).',
    })
  }
  return parsed
}

export class FileKeystore {
  readonly path: string
  readonly aliasesPath: string
  readonly #keys = new Map<string, Ed25519Keypair>()
  readonly #aliases = new Map<string, KeystoreAlias>()

  private constructor(path: string) {
    this.path = path
    this.aliasesPath = aliasesPathFor(path)
  }

  /**
   * Loads a keystore (empty when the file does not exist). Like the reference, a keystore without
   * an aliases file gets random aliases, written out at once.
   */
  static load(path: string): FileKeystore {
    const ks = new FileKeystore(path)
    // Both paths are checked before anything is touched: a directory or symlink is refused.
    const keystoreExists = regularFileExists(path, 'keystore')
    const aliasesExist = regularFileExists(ks.aliasesPath, 'aliases')
    if (keystoreExists) {
      tightenFileMode(path, 0o600, 'keystore')
      // A repeated entry is one key: it is derived once.
      const seen = new Set<string>()
      for (const [i, entry] of readJsonArray(path, 'keystore').entries()) {
        if (typeof entry !== 'string') throw new ConfigError(`Invalid keystore file: ${path}`, { details: `entry ${i} is not a string` })
        if (seen.has(entry)) continue
        seen.add(entry)
        let kp: Ed25519Keypair
        try {
          kp = Ed25519Keypair.fromKeystoreString(entry)
        } catch (err) {
          throw new ConfigError(`Invalid keystore file: ${path}`, { details: `entry ${i}: ${(err as Error & { shortMessage?: string }).shortMessage ?? 'bad key'}` })
        }
        ks.#keys.set(kp.toSomaAddress(), kp)
      }
    }
    if (aliasesExist) {
      for (const [i, entry] of readJsonArray(ks.aliasesPath, 'aliases').entries()) {
        const e = entry as Partial<KeystoreAlias>
        if (typeof e?.alias !== 'string' || typeof e.public_key_base64 !== 'string') {
          throw new ConfigError(`Invalid aliases file in keystore: ${ks.aliasesPath}`, { details: `entry ${i} lacks alias/public_key_base64` })
        }
        let pk: Ed25519PublicKey
        try {
          pk = Ed25519PublicKey.fromSomaBase64(e.public_key_base64)
        } catch {
          throw new ConfigError(`Invalid aliases file in keystore: ${ks.aliasesPath}`, { details: `entry ${i} has a bad public key` })
        }
        ks.#aliases.set(pk.toSomaAddress(), { alias: e.alias, public_key_base64: e.public_key_base64 })
      }
    } else if (ks.#keys.size > 0) {
      const taken = new Set<string>()
      for (const [address, kp] of ks.#sortedKeys()) {
        const alias = randomAlias(taken)
        taken.add(alias)
        ks.#aliases.set(address, { alias, public_key_base64: kp.getPublicKey().toSomaBase64() })
      }
      ks.#saveAliases()
    }
    return ks
  }

  #sortedKeys(): [string, Ed25519Keypair][] {
    return [...this.#keys.entries()].sort((a, b) => compareAddresses(a[0], b[0]))
  }

  /** Entries in address order. */
  entries(): KeystoreEntry[] {
    return this.#sortedKeys().map(([address, keypair]) => ({ address, keypair, alias: this.#aliases.get(address)?.alias ?? '' }))
  }

  addresses(): string[] {
    return this.#sortedKeys().map(([a]) => a)
  }

  has(address: string): boolean {
    return this.#keys.has(normalizeAddress(address))
  }

  aliasOf(address: string): string | undefined {
    return this.#aliases.get(normalizeAddress(address))?.alias
  }

  aliasExists(alias: string): boolean {
    for (const a of this.#aliases.values()) if (a.alias === alias) return true
    return false
  }

  /**
   * An address from `0x…` / 64-hex text or an alias (the reference's `KeyIdentity`). The address
   * need not be in the keystore; an unknown alias is an error.
   */
  resolve(identity: string): string {
    if (identity.startsWith('0x') || (identity.length === 64 && isValidAddress(identity))) return normalizeAddress(identity)
    for (const [address, a] of this.#aliases) if (a.alias === identity) return address
    throw new KeyNotFoundError({ identity, details: `Cannot resolve alias ${truncate(identity, 60)} to an address` })
  }

  /** The keypair for an address or alias. */
  get(identity: string): Ed25519Keypair {
    const address = this.resolve(identity)
    const kp = this.#keys.get(address)
    if (!kp) throw new KeyNotFoundError({ identity, details: `Cannot find key for address: [${address}]` })
    return kp
  }

  /** Adds a key (replacing one with the same address) and saves both files. Returns its alias. */
  import(keypair: Ed25519Keypair, alias?: string): string {
    const address = keypair.toSomaAddress()
    if (!this.#keys.has(address) && this.#keys.size >= MAX_KEYSTORE_ENTRIES) {
      throw new ConfigError(`The keystore ${this.path} is full.`, {
        details: `it holds ${this.#keys.size} keys, the most a keystore file may hold`,
        hint: 'Remove keys you no longer use, or use another keystore for the rest.',
      })
    }
    let name: string
    if (alias !== undefined) {
      name = validateAlias(alias)
      const current = this.#aliases.get(address)?.alias
      if (this.aliasExists(name) && current !== name) {
        throw new InvalidArgumentError(`Alias ${name} already exists. Please choose another alias.`)
      }
    } else {
      name = this.#aliases.get(address)?.alias ?? randomAlias(new Set([...this.#aliases.values()].map((a) => a.alias)))
    }
    this.#keys.set(address, keypair)
    this.#aliases.set(address, { alias: name, public_key_base64: keypair.getPublicKey().toSomaBase64() })
    this.save()
    return name
  }

  remove(address: string): void {
    const a = normalizeAddress(address)
    if (!this.#keys.has(a)) throw new KeyNotFoundError({ identity: address })
    this.#keys.delete(a)
    this.#aliases.delete(a)
    this.save()
  }

  /** Renames an alias (a random new one when `newAlias` is not given). Returns the new alias. */
  updateAlias(oldAlias: string, newAlias?: string): string {
    const entry = [...this.#aliases.entries()].find(([, a]) => a.alias === oldAlias)
    if (!entry) throw new KeyNotFoundError({ identity: oldAlias, details: `The provided alias ${truncate(oldAlias, 60)} does not exist` })
    const taken = new Set([...this.#aliases.values()].map((a) => a.alias))
    const name = newAlias === undefined ? randomAlias(taken) : validateAlias(newAlias)
    if (newAlias !== undefined && taken.has(name) && name !== oldAlias) {
      throw new InvalidArgumentError(`Alias ${name} already exists. Please choose another alias.`)
    }
    entry[1].alias = name
    this.#saveAliases()
    return name
  }

  #saveAliases(): void {
    const list = [...this.#aliases.entries()].sort((a, b) => compareAddresses(a[0], b[0])).map(([, a]) => a)
    // serde_json's pretty printer: two-space indent, no trailing newline.
    writeFileAtomic(this.aliasesPath, JSON.stringify(list, null, 2), 0o644, 'aliases')
  }

  /** Writes the aliases file, then the keystore (mode 0600), as the reference does. */
  save(): void {
    this.#saveAliases()
    const list = this.#sortedKeys().map(([, kp]) => kp.toKeystoreString())
    writeFileAtomic(this.path, JSON.stringify(list, null, 2), 0o600, 'keystore')
  }
}
