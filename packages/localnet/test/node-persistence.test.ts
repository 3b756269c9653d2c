/** The persistent node: SQLite store, group commit, restart, regenesis, checkpoint signatures. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { afterEach, describe, expect, it } from 'vitest'

import { buildGenesis, coinBalance, localGenesisConfig, TransactionRejected, type ChainObject } from '../src/chain/index.js'
import { decodeCheckpointSummary, verifyCheckpointSignature } from '../src/node/checkpoint.js'
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
