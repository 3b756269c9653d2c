/**
 * Careful file handling for the config directory, `client.yaml` and the keystore: every path is
 * checked with `lstat` before anything reads, changes or replaces it (a directory or a symlink is
 * refused, nothing modified), files are written atomically with their mode set whatever the umask,
 * and reads are capped in size. Every failure is a `ConfigError` naming the path.
 */
import { chmodSync, closeSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs'
import { dirname } from 'node:path'

import { ConfigError } from '../errors/index.js'

/** The largest config or keystore file read (a keystore of 10,000 keys is about 600 KB). */
export const MAX_CONFIG_FILE_BYTES = 4 << 20

/** `lstat`, or undefined when nothing is at `path`; other failures are a ConfigError. */
function lstatOrUndefined(path: string, what: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`Cannot inspect the ${what} file: ${path}`, { cause: err, details: (err as NodeJS.ErrnoException).code })
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`Cannot inspect ${path}`, { cause: err, details: (err as NodeJS.ErrnoException).code })
  }
}

function refuseNonFile(stats: Stats, path: string, what: string): void {
  if (stats.isFile()) return
  const kind = stats.isSymbolicLink() ? 'a symbolic link' : stats.isDirectory() ? 'a directory' : 'not a regular file'
  throw new ConfigError(`Refusing to use the ${what} file ${path}: it is ${kind}.`, {
    hint: `Point to a regular file (the ${what} is never followed through links, and nothing at that path was changed).`,
  })
}

/**
 * Whether a regular file is at `path` (false when nothing is there). A directory, a symlink or
 * anything else there is a ConfigError, so callers never chmod, read or replace it.
 */
export function regularFileExists(path: string, what: string): boolean {
  const stats = lstatOrUndefined(path, what)
  if (!stats) return false
  refuseNonFile(stats, path, what)
  return true
}

/** Reads a regular file as UTF-8 text, refusing links, directories and files over the size cap. */
export function readConfigFile(path: string, what: string, maxBytes = MAX_CONFIG_FILE_BYTES): string {
  if (!regularFileExists(path, what)) throw new ConfigError(`Cannot open the ${what} file: ${path}`, { details: 'no such file' })
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    throw new ConfigError(`Cannot open the ${what} file: ${path}`, { cause: err, details: (err as NodeJS.ErrnoException).code })
  }
  try {
    const size = fstatSync(fd).size
    if (size > maxBytes) {
      throw new ConfigError(`The ${what} file ${path} is too large.`, { details: `${size} bytes, at most ${maxBytes} are read` })
    }
    const buffer = Buffer.alloc(size)
    let read = 0
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read)
      if (n === 0) break
      read += n
    }
    return buffer.subarray(0, read).toString('utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`Cannot read the ${what} file: ${path}`, { cause: err, details: (err as NodeJS.ErrnoException).code })
  } finally {
    closeSync(fd)
  }
}

/** Tightens a regular file's mode to `mode` when it grants more (best effort, as the reference). */
export function tightenFileMode(path: string, mode: number, what: string): void {
  if (process.platform === 'win32' || !regularFileExists(path, what)) return
  try {
    if ((lstatSync(path).mode & 0o777 & ~mode) !== 0) chmodSync(path, mode)
  } catch {
    // Permission tightening is best effort, as in the reference.
  }
}

/**
 * Creates `dir` (and missing parents) with mode 0700 whatever the umask; an existing path that is
 * not a directory is a ConfigError. Existing directories keep their mode.
 */
export function ensurePrivateDir(dir: string): void {
  // A symlinked config directory is a common setup, so the directory itself may be a link.
  const stats = statOrUndefined(dir)
  if (stats) {
    if (!stats.isDirectory()) throw new ConfigError(`Refusing to use ${dir} as the config directory: it is not a directory.`)
    return
  }
  let first: string | undefined
  try {
    first = mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new ConfigError(`Cannot create the config directory ${dir}`, { cause: err, details: (err as NodeJS.ErrnoException).code })
  }
  if (first === undefined || process.platform === 'win32') return
  // mkdir's mode is masked by the umask: set it on every directory this call created.
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, 0o700)
    if (d === first || dirname(d) === d) break
  }
}

/**
 * Writes `text` to `path` atomically (a fresh temp file, then rename) with exactly `mode`. A
 * directory or symlink at `path` is refused before anything is written.
 */
export function writeFileAtomic(path: string, text: string, mode: number, what: string): void {
  regularFileExists(path, what)
  ensurePrivateDir(dirname(path))
  const tmp = `${path}.tmp-${process.pid}`
  try {
    // A stale temp file (or a link planted there) must not receive the contents with its own mode.
    rmSync(tmp, { force: true })
    writeFileSync(tmp, text, { mode, flag: 'wx' })
    chmodSync(tmp, mode)
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw new ConfigError(`Cannot write the ${what} file: ${path}`, { cause: err, details: (err as NodeJS.ErrnoException).code })
  }
}
