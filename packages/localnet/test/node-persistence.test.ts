/** The persistent node: SQLite store, group commit, restart, regenesis, checkpoint signatures. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { bls12_381 } from '@noble/curves/bls12-381.js'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'

import { assertSupplyConserved, buildGenesis, coinBalance, localGenesisConfig, SYSTEM_STATE_OBJECT_ID, TransactionRejected, type ChainObject } from '../src/chain/index.js'
import { parseSignedTransaction } from '../src/chain/execute.js'
import { decodeCheckpointSummary, verifyCheckpointSignature } from '../src/node/checkpoint.js'
import { CommitFailedError } from '../src/node/commit-writer.js'
import { LocalNode, NodeClosedError, type NodeGenesis } from '../src/node/node.js'
import { blsSecret, decodeEffects, FAUCET, refOf, sign, USERS, validatorInfo } from './chain-helpers.js'

const SOMA = 1_000_000_000n
const directories: string[] = []
const nodes: LocalNode[] = []

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close()
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'soma-node-'))
  directories.push(dir)
  return dir
}

function nodeGenesis(committeeSize: number): NodeGenesis {
  const validators = Array.from({ length: committeeSize }, (_, i) => validatorInfo(i))
  const config = localGenesisConfig({
    accountAddresses: USERS.map((k) => k.toSomaAddress()),
    faucetAddress: FAUCET.toSomaAddress(),
    validators,
    chainStartTimestampMs: 1_000_000n,
    epochDurationMs: 60_000n,
  })
  const committee = validators.map((v, i) => ({ address: v.address, blsSecretKey: blsSecret(i), blsPublicKey: v.protocolPubkey }))
  return { genesis: buildGenesis(config), committee }
}

function open(directory: string, options: { forceRegenesis?: boolean; committeeSize?: number; clock?: () => number } = {}): LocalNode {
  const node = LocalNode.open({
    directory,
    genesis: () => nodeGenesis(options.committeeSize ?? 2),
    now: options.clock ?? (() => 2_000_000),
    ...(options.forceRegenesis !== undefined ? { forceRegenesis: options.forceRegenesis } : {}),
  })
  nodes.push(node)
  return node
}

async function reopen(node: LocalNode, directory: string): Promise<LocalNode> {
  await node.close()
  nodes.splice(nodes.indexOf(node), 1)
  return open(directory)
}

function coinsOf(node: LocalNode, address: string): ChainObject[] {
  return [...node.store.liveObjects()].filter((o) => o.type === 'Coin' && o.owner.kind === 'Address' && o.owner.address === address)
}

function transfer(node: LocalNode, from: number, to: number, amount: bigint): Uint8Array {
  const sender = USERS[from]!
  const gas = coinsOf(node, sender.toSomaAddress())[0]!
  return sign(sender, { TransferCoin: { coin: refOf(gas), amount, recipient: USERS[to]!.toSomaAddress() } }, [refOf(gas)])
}

describe('LocalNode persistence', () => {
  it('commits a transfer durably and resumes after a restart with the same objects, versions and checkpoint', async () => {
    const dir = tempDir()
    let node = open(dir)
    const bob = USERS[1]!.toSomaAddress()
    const before = coinsOf(node, bob).length
    const gasBefore = coinsOf(node, USERS[0]!.toSomaAddress())[0]!
    const result = await node.submit(transfer(node, 0, 1, 3n * SOMA))
    expect(result.errorName).toBeUndefined()
    expect(result.checkpoint).toBe(1n)
    const effects = decodeEffects(result.effects)
    expect(effects.status.Success).toBeDefined()
    const snapshot = [...node.store.liveObjects()]
    const checkpoint = node.latestCheckpoint()

    node = await reopen(node, dir)
    expect([...node.store.liveObjects()]).toEqual(snapshot)
    expect(node.latestCheckpoint()).toEqual(checkpoint)
    expect(node.getTransaction(result.transactionDigest)?.effects).toEqual(result.effects)
    expect(coinsOf(node, bob).length).toBe(before + 1)
    expect(coinsOf(node, bob).some((c) => coinBalance(c) === 3n * SOMA)).toBe(true)
    // Every version is a row: the gas coin's pre-transfer version stays readable.
    expect(node.store.getObjectAtVersion(gasBefore.id, gasBefore.version)).toEqual(gasBefore)
    expect(node.store.getObject(gasBefore.id)!.version).toBeGreaterThan(gasBefore.version)
  })

  it('answers a resubmitted transaction with its stored effects and executes it once', async () => {
    const node = open(tempDir())
    const tx = transfer(node, 0, 1, SOMA)
    const [a, b] = await Promise.all([node.submit(tx), node.submit(tx)])
    expect(b).toEqual(a)
    const again = await node.submit(tx)
    expect(again).toEqual(a)
    expect(node.latestCheckpoint().sequence).toBe(1n)
  })

  it('puts transactions queued in the same tick into one checkpoint, in order', async () => {
    const node = open(tempDir())
    const txs = [0, 1, 2, 3].map((i) => transfer(node, i, (i + 1) % 5, SOMA))
    const results = await Promise.all(txs.map((tx) => node.submit(tx)))
    expect(new Set(results.map((r) => r.checkpoint))).toEqual(new Set([1n]))
    expect(node.database.checkpointTransactionDigests(1n)).toEqual(results.map((r) => r.transactionDigest))
    const summary = decodeCheckpointSummary(node.latestCheckpoint().summary)
    expect(summary.networkTotalTransactions).toBe(5n)
    expect(summary.previousDigest).toBe(node.database.getCheckpoint(0n)!.digest)
  })

  it('rejects a transaction with a bad signature, writes nothing, and keeps serving', async () => {
    const node = open(tempDir())
    const tx = transfer(node, 0, 1, SOMA)
    const tampered = tx.slice()
    tampered[tampered.length - 1]! ^= 0xff
    const before = [...node.store.liveObjects()]
    await expect(node.submit(tampered)).rejects.toBeInstanceOf(TransactionRejected)
    await expect(node.submit(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'FailedToDeserialize' })
    expect([...node.store.liveObjects()]).toEqual(before)
    expect(node.latestCheckpoint().sequence).toBe(0n)
    expect((await node.submit(tx)).errorName).toBeUndefined()
  })

  it('signs every checkpoint with the committee aggregate BLS signature; a wrong key or summary fails', async () => {
    const node = open(tempDir(), { committeeSize: 3 })
    await node.submit(transfer(node, 0, 1, SOMA))
    const checkpoint = node.latestCheckpoint()
    const keys = node.committee.map((m) => m.blsPublicKey)
    expect(checkpoint.signature.length).toBe(48)
    expect(verifyCheckpointSignature(checkpoint.summary, checkpoint.epoch, checkpoint, keys)).toBe(true)
    const other = bls12_381.shortSignatures.getPublicKey(new Uint8Array(32).fill(0x42)).toBytes(true)
    expect(verifyCheckpointSignature(checkpoint.summary, checkpoint.epoch, checkpoint, [keys[0]!, keys[1]!, other])).toBe(false)
    const summary = checkpoint.summary.slice()
    summary[0]! ^= 1
    expect(verifyCheckpointSignature(summary, checkpoint.epoch, checkpoint, keys)).toBe(false)
    expect(verifyCheckpointSignature(checkpoint.summary, checkpoint.epoch + 1n, checkpoint, keys)).toBe(false)
  })

  it('advances the epoch through the loop, and the epoch and fees survive a restart (supply checked)', async () => {
    const dir = tempDir()
    let node = open(dir)
    await node.submit(transfer(node, 0, 1, SOMA))
    expect(node.epochFees()).toBeGreaterThan(0n)
    const change = await node.advanceEpoch()
    expect(change.errorName).toBeUndefined()
    expect(node.epoch()).toBe(1n)
    expect(node.epochFees()).toBe(0n)
    await node.submit(transfer(node, 1, 2, SOMA))
    const fees = node.epochFees()
    node = await reopen(node, dir)
    expect(node.epoch()).toBe(1n)
    expect(node.epochFees()).toBe(fees)
    expect(decodeCheckpointSummary(node.latestCheckpoint().summary).epoch).toBe(1n)
  })

  it('forceRegenesis starts from a fresh genesis', async () => {
    const dir = tempDir()
    let node = open(dir)
    await node.submit(transfer(node, 0, 1, SOMA))
    await node.close()
    nodes.splice(0)
    node = open(dir, { forceRegenesis: true })
    expect(node.latestCheckpoint().sequence).toBe(0n)
    expect(coinsOf(node, USERS[1]!.toSomaAddress()).every((c) => c.version === 1n)).toBe(true)
  })

  it('refuses work after close with a typed error', async () => {
    const node = open(tempDir())
    await node.close()
    nodes.splice(0)
    await expect(node.submit(new Uint8Array())).rejects.toBeInstanceOf(NodeClosedError)
  })
})

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Whether a promise has settled by now. */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await nextTurn()
  return settled
}

/**
 * Holds the database's write lock from another connection, so the node's writer thread waits (up to
 * its busy timeout) and the checkpoints handed to it stay executed but not yet durable.
 */
function holdWriteLock(directory: string): { release(): void } {
  const blocker = new Database(join(directory, 'chain.db'))
  blocker.exec('BEGIN IMMEDIATE')
  return {
    release: () => {
      blocker.exec('COMMIT')
      blocker.close()
    },
  }
}

describe('LocalNode pipelined commit (the writer thread)', () => {
  function stake(node: LocalNode, user: number): Uint8Array {
    const sender = USERS[user]!
    const [gas, coin] = coinsOf(node, sender.toSomaAddress())
    return sign(sender, { AddStake: { address: validatorInfo(0).address, coinRef: refOf(coin!), amount: SOMA } }, [refOf(gas!)])
  }

  it('executes a checkpoint on top of one still being written; neither is readable or answered before it is durable', async () => {
    const dir = tempDir()
    const node = open(dir)
    const before = node.latestCheckpoint().sequence
    const systemBefore = node.getObject(SYSTEM_STATE_OBJECT_ID)!
    const stakedBefore = [...node.store.liveObjects()].filter((o) => o.type === 'StakedSoma').length
    // Both write the SystemState: the second must read the first's version from the pending layer.
    const txA = stake(node, 0)
    const txB = stake(node, 1)
    const lock = holdWriteLock(dir)
    const a = node.submit(txA)
    await nextTurn()
    const b = node.submit(txB)
    await nextTurn()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await settledYet(a)).toBe(false)
    expect(await settledYet(b)).toBe(false)
    expect(node.getTransaction(parseSignedTransaction(txA).digest)).toBeUndefined()
    expect(node.latestCheckpoint().sequence).toBe(before)
    lock.release()
    const [ra, rb] = await Promise.all([a, b])
    expect(ra.errorName).toBeUndefined()
    expect(rb.errorName).toBeUndefined()
    expect([ra.checkpoint, rb.checkpoint]).toEqual([before + 1n, before + 2n])
    expect(decodeCheckpointSummary(node.database.getCheckpoint(before + 2n)!.summary).previousDigest).toBe(node.database.getCheckpoint(before + 1n)!.digest)
    expect(node.getObject(SYSTEM_STATE_OBJECT_ID)!.version).toBeGreaterThan(systemBefore.version + 1n)
    const staked = [...node.store.liveObjects()].filter((o) => o.type === 'StakedSoma')
    expect(staked).toHaveLength(stakedBefore + 2)
    assertSupplyConserved(node.store, node.epochFees())
    const reopened = await reopen(node, dir)
    expect([...reopened.store.liveObjects()].filter((o) => o.type === 'StakedSoma')).toHaveLength(stakedBefore + 2)
  })

  it('changes the epoch on top of a transfer still being written (the supply check sees both)', async () => {
    const dir = tempDir()
    let node = open(dir)
    const lock = holdWriteLock(dir)
    const sent = node.submit(transfer(node, 0, 1, SOMA))
    await nextTurn()
    const change = node.advanceEpoch()
    await nextTurn()
    expect(await settledYet(change)).toBe(false)
    lock.release()
    const [transferred, changed] = await Promise.all([sent, change])
    expect(transferred.errorName).toBeUndefined()
    expect(changed.errorName).toBeUndefined()
    expect(changed.checkpoint).toBe(transferred.checkpoint + 1n)
    expect(node.epoch()).toBe(1n)
    expect(node.epochFees()).toBe(0n)
    // ChangeEpoch returned the transfer's fee to the pools: the supply is whole with no fees outstanding.
    assertSupplyConserved(node.store, 0n)
    node = await reopen(node, dir)
    expect(node.epoch()).toBe(1n)
  })

  it('a checkpoint the disk refuses fails its callers and those executed on top; nothing is written and the node goes on', async () => {
    const dir = tempDir()
    let node = open(dir)
    const before = node.latestCheckpoint()
    const liveBefore = [...node.store.liveObjects()]
    const txA = transfer(node, 0, 1, SOMA)
    const txB = transfer(node, 2, 3, SOMA)
    const sabotage = new Database(join(dir, 'chain.db'))
    sabotage.exec("CREATE TRIGGER refuse_checkpoints BEFORE INSERT ON checkpoints BEGIN SELECT RAISE(ABORT, 'injected write failure'); END")
    const lock = holdWriteLock(dir)
    const a = node.submit(txA)
    await nextTurn()
    const b = node.submit(txB)
    await nextTurn()
    lock.release()
    const [ra, rb] = await Promise.allSettled([a, b])
    expect(ra.status).toBe('rejected')
    expect(rb.status).toBe('rejected')
    const errorA = (ra as PromiseRejectedResult).reason
    const errorB = (rb as PromiseRejectedResult).reason
    expect(errorA).toBeInstanceOf(CommitFailedError)
    expect(errorA.message).toContain('injected write failure')
    expect(errorB).toBeInstanceOf(CommitFailedError)
    expect(errorB.message).toContain('an earlier checkpoint it builds on failed')
    expect(node.latestCheckpoint()).toEqual(before)
    expect([...node.store.liveObjects()]).toEqual(liveBefore)
    expect(node.getTransaction(parseSignedTransaction(txA).digest)).toBeUndefined()
    sabotage.exec('DROP TRIGGER refuse_checkpoints')
    sabotage.close()
    // The same transactions go through now, once each, right after the last durable checkpoint.
    const again = await Promise.all([node.submit(txA), node.submit(txB)])
    expect(again.map((r) => r.errorName)).toEqual([undefined, undefined])
    expect(again.map((r) => r.checkpoint)).toEqual([before.sequence + 1n, before.sequence + 1n])
    node = await reopen(node, dir)
    expect(node.latestCheckpoint().sequence).toBe(before.sequence + 1n)
    expect(node.database.checkpointTransactionDigests(before.sequence + 1n)).toEqual(again.map((r) => r.transactionDigest))
  })
})
