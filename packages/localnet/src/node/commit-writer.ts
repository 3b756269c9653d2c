/**
 * The thread that writes the chain database. The execution loop records each checkpoint as a list
 * of `WriteOp`s and hands it here; this thread runs them in one SQLite transaction on its own
 * connection (WAL, `synchronous = FULL`) and answers once the commit has returned, that is once it
 * is on disk. The fsync therefore blocks this thread, not the one that executes the next checkpoint
 * and serves RPC: execution and durable commit overlap (group commit, pipelined). Readers on the
 * main connection see a checkpoint only after its commit (and fsync) has finished.
 *
 * The same thread signs each checkpoint for the committee (BLS, through `@soma-ts/core`) just
 * before writing it: nothing the execution loop needs waits on the signature, so it need not cost
 * that thread anything either.
 *
 * Commits run in the order they were sent. After a failed commit the thread refuses every commit
 * until `reset` (the later ones were executed on top of the failed one).
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

import { ChainInvariantError } from '../chain/errors.js'
import { CHECKPOINT_SIGNATURE_PARAMETER, CONNECTION_PRAGMAS, WRITE_STATEMENTS, type WriteOp } from './database.js'

/** The disk write of a checkpoint failed; nothing of it (or of any later checkpoint) was written. */
export class CommitFailedError extends Error {
  override readonly name = 'CommitFailedError'
  readonly code: string | undefined
  constructor(message: string, code?: string) {
    super(message)
    this.code = code
  }
}

// Plain CommonJS run with `eval`, so the same thread code serves the built package and the test
// runner (which loads TypeScript sources a worker could not).
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.sqlite)
let db, commit, openError
try {
  db = new Database(workerData.file)
  for (const pragma of workerData.pragmas) db.pragma(pragma)
  const statements = {}
  for (const [name, sql] of Object.entries(workerData.statements)) statements[name] = db.prepare(sql)
  commit = db.transaction((ops) => { for (const [name, params] of ops) statements[name].run(...params) })
} catch (err) {
  openError = err
}
const core = import(workerData.coreUrl)
core.catch(() => undefined)
let failed = false
const errorOf = (err) => ({ message: String(err && err.message || err), code: err && typeof err.code === 'string' ? err.code : undefined })
async function handle(message) {
  if (message.type === 'reset') { failed = false; return }
  if (message.type === 'close') { if (db !== undefined && db.open) db.close(); parentPort.close(); return }
  if (openError !== undefined) { parentPort.postMessage({ seq: message.seq, error: errorOf(openError) }); return }
  if (failed) { parentPort.postMessage({ seq: message.seq, skipped: true }); return }
  try {
    let signature
    if (message.sign !== undefined) {
      const { blsMinSigSignAggregate } = await core
      signature = blsMinSigSignAggregate(message.sign.message, workerData.signing.dst, workerData.signing.keys)
      message.ops[message.sign.op][1][workerData.signing.parameter] = signature
    }
    commit.immediate(message.ops)
    parentPort.postMessage({ seq: message.seq, signature })
  } catch (err) {
    failed = true
    parentPort.postMessage({ seq: message.seq, error: errorOf(err) })
  }
}
// One message at a time, in order (the first signature waits for the core module to load).
let last = Promise.resolve()
parentPort.on('message', (message) => { last = last.then(() => handle(message)) })
`

/** Why a checkpoint executed on top of a failed one is not written either. */
export const BUILDS_ON_FAILED = 'the checkpoint was not written: an earlier checkpoint it builds on failed'

type Reply = { seq: number; signature?: Uint8Array; error?: { message: string; code?: string }; skipped?: boolean }

/** How the writer signs checkpoints: the committee's BLS secret keys and the signature's DST. */
export interface CheckpointSigning {
  readonly keys: readonly Uint8Array[]
  readonly dst: string
}

/** The checkpoint row in a commit whose signature the writer fills in: the op's index, and the message to sign. */
export interface CheckpointToSign {
  readonly op: number
  readonly message: Uint8Array
}

export class CommitWriter {
  private readonly worker: Worker
  private nextSeq = 0
  private readonly waiting = new Map<number, { resolve(signature: Uint8Array | undefined): void; reject(err: unknown): void }>()
  private broken: Error | undefined
  private closing: Promise<void> | undefined

  constructor(file: string, signing: CheckpointSigning) {
    const require = createRequire(import.meta.url)
    const sqlite = require.resolve('better-sqlite3')
    // The core package exports only ES modules; its package.json is exported, and locates dist/index.js.
    const coreUrl = pathToFileURL(join(dirname(require.resolve('@soma-ts/core/package.json')), 'dist', 'index.js')).href
    this.worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { sqlite, coreUrl, file, pragmas: CONNECTION_PRAGMAS, statements: WRITE_STATEMENTS, signing: { keys: signing.keys, dst: signing.dst, parameter: CHECKPOINT_SIGNATURE_PARAMETER } },
    })
    this.worker.unref()
    this.worker.on('message', (reply: Reply) => this.settle(reply))
    this.worker.on('error', (err) => this.fail(new CommitFailedError(`the database writer stopped: ${err.message}`)))
    this.worker.on('exit', () => this.fail(new CommitFailedError('the database writer exited')))
  }

  /**
   * Resolves once `ops` are committed durably (with the checkpoint's signature when `sign` names
   * its row); rejects with `CommitFailedError` if they were not.
   */
  commit(ops: readonly WriteOp[], sign?: CheckpointToSign): Promise<Uint8Array | undefined> {
    if (this.broken !== undefined) return Promise.reject(this.broken)
    if (this.closing !== undefined) return Promise.reject(new ChainInvariantError('the database writer is closed'))
    const seq = this.nextSeq++
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject })
      // Held only while a commit is outstanding, so an idle node does not keep the process alive.
      if (this.waiting.size === 1) this.worker.ref()
      this.worker.postMessage({ type: 'commit', seq, ops, sign })
    })
  }

  /** After a failed commit: accept commits again (those sent before this are refused). */
  reset(): void {
    this.worker.postMessage({ type: 'reset' })
  }

  /** Lets the outstanding commits finish, then closes the writer's connection and ends the thread. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      this.worker.once('exit', () => done())
      this.worker.ref()
      this.worker.postMessage({ type: 'close' })
    })
    return this.closing
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.seq)
    if (waiter === undefined) return
    this.waiting.delete(reply.seq)
    if (this.waiting.size === 0) this.worker.unref()
    if (reply.error !== undefined) waiter.reject(new CommitFailedError(`the checkpoint was not written: ${reply.error.message}`, reply.error.code))
    else if (reply.skipped === true) waiter.reject(new CommitFailedError(BUILDS_ON_FAILED))
    else waiter.resolve(reply.signature)
  }

  private fail(err: Error): void {
    if (this.closing !== undefined && this.waiting.size === 0) return
    this.broken ??= err
    for (const waiter of this.waiting.values()) waiter.reject(this.broken)
    this.waiting.clear()
  }
}
