// The fuzz engine: structure-aware mutations of valid encodings (lengths and tags pushed to their
// limits, repeated slices for depth, truncations, bit flips, splices), each input run under a CPU
// clock, a wall clock and a heap meter, and failing inputs saved as regression files that the normal
// suite replays.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { BaseError } from '../../src/errors/index.js'
import type { R } from '../helpers/bcs-cases.js'
import { uleb } from '../helpers/hostile.js'

/** The size cap of a fuzz input: the target is "no decoder over 50 ms or 16 MiB on ≤ 1 MiB". */
export const MAX_INPUT_BYTES = 1 << 20

export interface FuzzBounds {
  /**
   * Most CPU time one input may cost on the thread that runs it (see `threadCpuMs`), the best of
   * three tries to skip GC noise. CPU time, not wall time: the machine is shared, so wall time per
   * input is mostly the scheduler's; CPU time is what the decode costs. Wall time and the whole
   * process's CPU time are measured and reported only.
   */
  maxMs: number
  /** Largest acceptable heap growth over one input. */
  maxHeapBytes: number
  /** Extra milliseconds allowed per MiB of input (a linear-cost allowance; 0 for the strict target). */
  msPerMiB?: number
  /** Extra heap allowed per input byte (decoded JS objects are larger than their bytes). */
  heapPerInputByte?: number
}

function limitsFor(bounds: FuzzBounds, size: number): { ms: number; heap: number } {
  return { ms: bounds.maxMs + ((bounds.msPerMiB ?? 0) * size) / 2 ** 20, heap: bounds.maxHeapBytes + (bounds.heapPerInputByte ?? 0) * size }
}

/** The acceptance target (CPU time, heap); a long run (`npm run fuzz`) holds every input to it. */
export const TARGET_BOUNDS: FuzzBounds = { maxMs: 50, maxHeapBytes: 16 * 2 ** 20 }

export interface FuzzTarget {
  /** `group/name`, also the regression folder under fuzz/regressions. */
  name: string
  /** Valid (or hand-crafted hostile) inputs to mutate. */
  seeds(r: R): Uint8Array[]
  /** Runs one input; throws what the code under test threw. May be async (servers, files). */
  run(input: Uint8Array): unknown
  /** Whether `err` is an acceptable (typed) refusal; default: any BaseError. */
  typed?(err: unknown): boolean
}

export interface FuzzFailure {
  target: string
  reason: string
  input: Uint8Array
}

export interface FuzzStats {
  inputs: number
  /** The input that cost the most CPU time on its thread (the bounded measure). */
  slowest: { ms: number; target: string; bytes: number }
  /** The input that cost the most CPU time of the whole process, V8's helper threads included. */
  slowestProcess: { ms: number; target: string; bytes: number }
  /** The input that took the longest wall time (best of its tries). */
  slowestWall: { ms: number; target: string; bytes: number }
  largestHeapGrowth: { bytes: number; target: string }
  peakRss: number
  failures: FuzzFailure[]
}

export function newStats(): FuzzStats {
  return {
    inputs: 0,
    slowest: { ms: 0, target: '', bytes: 0 },
    slowestProcess: { ms: 0, target: '', bytes: 0 },
    slowestWall: { ms: 0, target: '', bytes: 0 },
    largestHeapGrowth: { bytes: 0, target: '' }, peakRss: process.memoryUsage().rss, failures: [] }
}

const LIMIT_LENGTHS = [
  [0xff, 0xff, 0xff, 0xff, 0x0f], // u32::MAX
  [0x80, 0x80, 0x80, 0x80, 0x10], // 2^32: one past the Rust limit
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // six continuation bytes
  uleb(2 ** 25),
  uleb(2 ** 31 - 1),
  [0x80, 0x00], // redundant zero byte
]
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]

function cap(bytes: Uint8Array): Uint8Array {
  return bytes.length > MAX_INPUT_BYTES ? bytes.subarray(0, MAX_INPUT_BYTES) : bytes
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length)
  out.set(bytes.subarray(0, at))
  out.set(insert, at)
  out.set(bytes.subarray(at + remove), at + insert.length)
  return out
}

/** One structure-aware mutation of `bytes` (`others` are the target's seeds, for splicing). */
function mutateOnce(bytes: Uint8Array, r: R, others: Uint8Array[]): Uint8Array {
  const at = bytes.length === 0 ? 0 : r.int(bytes.length + 1)
  switch (r.int(10)) {
    case 0: // truncate
      return bytes.subarray(0, at)
    case 1: {
      // flip 1-4 bits
      const out = bytes.slice()
      for (let i = r.int(4) + 1; i > 0 && out.length > 0; i--) out[r.int(out.length)]! ^= 1 << r.int(8)
      return out
    }
    case 2: {
      // a byte pushed to a boundary value (tags, small lengths)
      if (bytes.length === 0) return Uint8Array.of(BOUNDARY_BYTES[r.int(BOUNDARY_BYTES.length)]!)
      const out = bytes.slice()
      out[r.int(out.length)] = BOUNDARY_BYTES[r.int(BOUNDARY_BYTES.length)]!
      return out
    }
    case 3: // a length at a hard limit, replacing 1 byte
      return splice(bytes, Math.min(at, Math.max(0, bytes.length - 1)), bytes.length > 0 ? 1 : 0, LIMIT_LENGTHS[r.int(LIMIT_LENGTHS.length)]!)
    case 4: {
      // a length of exactly what remains, or one more (the edge of the bound)
      const rest = bytes.length - at
      return splice(bytes, at, bytes.length > at ? 1 : 0, uleb(Math.max(0, rest + r.int(3) - 1)))
    }
    case 5: {
      // a slice repeated: deeper nesting, longer vectors
      if (bytes.length === 0) return bytes
      const start = r.int(bytes.length)
      const len = Math.min(1 + r.int(64), bytes.length - start)
      const times = 1 + r.int(r.bool() ? 8 : r.bool() ? 512 : 16_384)
      const slice = bytes.subarray(start, start + len)
      const repeated = new Uint8Array(Math.min(len * times, MAX_INPUT_BYTES))
      for (let i = 0; i < repeated.length; i += len) repeated.set(slice.subarray(0, Math.min(len, repeated.length - i)), i)
      return cap(splice(bytes, start, 0, repeated))
    }
    case 6: // delete a slice
      return splice(bytes, at, Math.min(r.int(16) + 1, bytes.length - at), [])
    case 7: {
      // splice in part of another seed
      const other = others[r.int(others.length)] ?? bytes
      const from = other.length === 0 ? 0 : r.int(other.length)
      return cap(splice(bytes, at, 0, other.subarray(from, from + r.int(128) + 1)))
    }
    case 8: // random bytes appended or inserted
      return cap(splice(bytes, at, 0, r.bytes(r.int(32) + 1)))
    default: {
      // a ULEB tag pushed past the last variant
      return splice(bytes, at, bytes.length > at ? 1 : 0, r.bool() ? [0x7f] : [0x80 + r.int(0x7f), 0x01])
    }
  }
}

/** A mutated input: 1-3 mutations of a seed (sometimes the seed itself, or pure noise). */
export function mutate(seeds: Uint8Array[], r: R): Uint8Array {
  const pick = r.int(20)
  if (pick === 0 || seeds.length === 0) return r.bytes(r.int(256))
  let bytes = seeds[r.int(seeds.length)]!
  if (pick === 1) return bytes
  for (let i = r.int(3) + 1; i > 0; i--) bytes = mutateOnce(bytes, r, seeds)
  return bytes
}

function isTypedDefault(err: unknown): boolean {
  return err instanceof BaseError
}

/** CPU milliseconds of this whole process so far, user + system, every thread. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** Where a thread may sleep for a moment (see `threadCpuMs`). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4))
const SCHEDSTAT = '/proc/thread-self/schedstat'

/**
 * CPU milliseconds the calling thread has run: the first field of /proc/thread-self/schedstat
 * (Linux), in ns; throws where that file is missing.
 *
 * Why not the process clock alone: `process.cpuUsage` counts every thread, and V8 keeps helper
 * threads busy beside the one that runs an input, marking and sweeping the whole heap (the garbage
 * that earlier inputs and the harness left) and compiling. On the saved dense 1 MiB inputs
 * (fuzz/regressions/README.md) that added up to 80 ms to a 25-90 ms decode, so an input was
 * charged for its predecessors' garbage. The thread's own time still holds every collection
 * pause the input meets on it; the best of three tries takes out those that earlier garbage
 * caused. Collecting (`--expose-gc`) before each try was measured slower on both clocks: the try
 * then faults fresh pages in and restarts concurrent marking against a shrunk heap.
 *
 * The kernel brings that sum up to date when the thread is switched out, else once a scheduler
 * tick (up to 4 ms here), so a sleep of 20 µs comes first: with it, repeated runs of the same loop
 * read within 0.3 ms of the process clock; without it they are off by up to a tick.
 */
function threadCpuMs(): number {
  Atomics.wait(sleepCell, 0, 0, 0.02)
  return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ', 1)[0]) / 1e6
}
const HAS_THREAD_CLOCK = (() => {
  try {
    return Number.isFinite(threadCpuMs())
  } catch {
    return false
  }
})()

interface RunCost {
  error?: unknown
  /** CPU milliseconds of the thread that ran the input (of the process where not measured). */
  cpuMs: number
  /** CPU milliseconds of the whole process, every thread. */
  processMs: number
  wallMs: number
  heap: number
}

/**
 * Runs `input` once. `onThread`: also read the thread's clock (two short sleeps, so only for
 * inputs over a bound); otherwise the input is charged the process's time, never less than its
 * thread's.
 */
async function runOnce(target: FuzzTarget, input: Uint8Array, onThread: boolean): Promise<RunCost> {
  const heapBefore = process.memoryUsage().heapUsed
  const threadBefore = onThread ? threadCpuMs() : 0
  const processBefore = processCpuMs()
  const started = performance.now()
  let error: unknown
  try {
    const out = target.run(input)
    if (out instanceof Promise) await out
  } catch (err) {
    error = err ?? new Error('threw a nullish value')
  }
  const wallMs = performance.now() - started
  const processMs = processCpuMs() - processBefore
  const cpuMs = onThread ? threadCpuMs() - threadBefore : processMs
  return { error, cpuMs, processMs, wallMs, heap: process.memoryUsage().heapUsed - heapBefore }
}

/** Runs one input against `target`, updating `stats`; returns the failure, if any. */
export async function check(target: FuzzTarget, input: Uint8Array, bounds: FuzzBounds, stats: FuzzStats): Promise<FuzzFailure | undefined> {
  const limit = limitsFor(bounds, input.length)
  let result = await runOnce(target, input, false)
  // GC and the scheduler add noise: an input over a bound (or slow on the wall clock, which is
  // reported) gets two more tries, on the thread's clock, and the best of each measure counts.
  for (let retry = 0; retry < 2 && (result.cpuMs > limit.ms || result.wallMs > limit.ms || result.heap > limit.heap); retry++) {
    const again = await runOnce(target, input, HAS_THREAD_CLOCK)
    result = {
      error: result.error,
      cpuMs: Math.min(result.cpuMs, again.cpuMs),
      processMs: Math.min(result.processMs, again.processMs),
      wallMs: Math.min(result.wallMs, again.wallMs),
      heap: Math.min(result.heap, again.heap),
    }
  }
  stats.inputs++
  if (result.cpuMs > stats.slowest.ms) stats.slowest = { ms: result.cpuMs, target: target.name, bytes: input.length }
  if (result.processMs > stats.slowestProcess.ms) stats.slowestProcess = { ms: result.processMs, target: target.name, bytes: input.length }
  if (result.wallMs > stats.slowestWall.ms) stats.slowestWall = { ms: result.wallMs, target: target.name, bytes: input.length }
  if (result.heap > stats.largestHeapGrowth.bytes) stats.largestHeapGrowth = { bytes: result.heap, target: target.name }
  if (stats.inputs % 64 === 0) stats.peakRss = Math.max(stats.peakRss, process.memoryUsage().rss)
  let reason: string | undefined
  if (result.error !== undefined && !(target.typed ?? isTypedDefault)(result.error)) {
    const e = result.error as Error
    reason = `untyped ${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 200)}`
  } else if (result.cpuMs > limit.ms) {
    reason = `took ${result.cpuMs.toFixed(1)} ms of CPU on its thread (${result.processMs.toFixed(1)} ms of the process's), ${result.wallMs.toFixed(1)} ms wall (bound ${limit.ms.toFixed(0)} ms of CPU)`
  } else if (result.heap > limit.heap) {
    reason = `grew the heap by ${(result.heap / 2 ** 20).toFixed(1)} MiB (bound ${(limit.heap / 2 ** 20).toFixed(1)} MiB)`
  }
  if (!reason) return undefined
  const failure = { target: target.name, reason, input }
  stats.failures.push(failure)
  return failure
}

// Regression corpus ---------------------------------------------------------------------------

/** `fuzz/regressions` at the repository root. */
export const REGRESSIONS_DIR = fileURLToPath(new URL('../../../../fuzz/regressions', import.meta.url))

const folderOf = (target: string) => join(REGRESSIONS_DIR, target.replace(/[^A-Za-z0-9._-]+/g, '_'))

/** Saves a failing input as `fuzz/regressions/<target>/<sha256 prefix>.bin`; returns its path. */
export function saveRegression(failure: FuzzFailure): string {
  const dir = folderOf(failure.target)
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${createHash('sha256').update(failure.input).digest('hex').slice(0, 16)}.bin`)
  writeFileSync(path, failure.input)
  return path
}

/** The saved regression inputs of `target`. */
export function regressionsOf(target: string): { file: string; input: Uint8Array }[] {
  const dir = folderOf(target)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => ({ file: join(dir, f), input: new Uint8Array(readFileSync(join(dir, f))) }))
}
