/** The fullnode soma.rpc server with the SDK's own client, over real sockets on 127.0.0.1. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { buildTransaction, Ed25519Keypair, RpcError, userSignatureToProto, type SomaRpcClient } from '@soma-ts/sdk'
import type { ExecutedTransaction } from '@soma-ts/sdk/generated/soma/rpc/effects_pb'
import { Owner_OwnerKind, type Object$ } from '@soma-ts/sdk/generated/soma/rpc/object_pb'
import { createSomaRpcClient, FaucetClient, readClientConfig } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { FAUCET_AMOUNT, startLocalnet, verifyCheckpointSignature, type RunningLocalnet } from '../src/index.js'

let dir: string
let net: RunningLocalnet
let faucet: FaucetClient

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soma-rpc-'))
  // A client.yaml with a `localnet` env: startLocalnet points it at the RPC it serves.
  writeFileSync(
    join(dir, 'client.yaml'),
    `keystore:\n  File: ${join(dir, 'soma.keystore')}\nexternal_keys: ~\nenvs:\n  - alias: localnet\n    rpc: http://127.0.0.1:9000\n    basic_auth: ~\nactive_env: localnet\nactive_address: ~\n`,
  )
  net = await startLocalnet({ configDir: dir, rpcPort: 0, rpcHost: '127.0.0.1', adminPort: 0, faucet: { host: '127.0.0.1', port: 0 }, scoring: false })
  faucet = new FaucetClient({ url: net.urls.faucet! })
})

afterAll(async () => {
  faucet?.close()
  await net?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** 64 hex without `0x` (`SomaAddress` Display, `ObjectID::to_hex`), and `0x` + 64 (the rpc crate's `Address` Display). */
const BARE = /^[0-9a-f]{64}$/
const PREFIXED = /^0x[0-9a-f]{64}$/
type IdPattern = typeof BARE

/** Every object id and address owner of `objects` in one form. */
function expectObjects(objects: readonly Object$[], form: IdPattern) {
  expect(objects.length).toBeGreaterThan(0)
  for (const o of objects) {
    expect(o.objectId).toMatch(form)
    if (o.owner?.kind === Owner_OwnerKind.ADDRESS) expect(o.owner.address).toMatch(form)
  }
}

/**
 * The ids and addresses of an executed TransferCoin in one form: changed objects and their owners,
 * the objects, the sender, gas and recipient. Balance changes are bare in every call.
 */
function expectExecutedIds(executed: ExecutedTransaction, form: IdPattern, parts: { objects: boolean }) {
  const changed = executed.effects!.changedObjects
  expect(changed.length).toBeGreaterThan(0)
  for (const c of changed) {
    expect(c.objectId).toMatch(form)
    for (const owner of [c.inputOwner, c.outputOwner]) if (owner?.kind === Owner_OwnerKind.ADDRESS) expect(owner.address).toMatch(form)
  }
  for (const u of executed.effects!.unchangedSharedObjects) expect(u.objectId).toMatch(form)
  const tx = executed.transaction!
  expect(tx.sender).toMatch(form)
  for (const g of tx.gasPayment) expect(g.objectId).toMatch(form)
  const kind = tx.kind!.kind
  expect(kind.case).toBe('transferCoin')
  if (kind.case === 'transferCoin') {
    expect(kind.value.coin!.objectId).toMatch(form)
    expect(kind.value.recipient).toMatch(form)
  }
  if (parts.objects) expectObjects(executed.objects!.objects, form)
  for (const b of executed.balanceChanges) expect(b.address).toMatch(BARE)
}

async function coinRef(client: SomaRpcClient, owner: string) {
  for await (const o of client.listOwnedObjects(owner, { objectType: 'Coin' })) return { objectId: o.objectId!, version: o.version!, digest: o.digest! }
  throw new Error(`${owner} has no coin`)
}

const TX_PARTS = ['effects', 'transaction', 'objects', 'balance_changes', 'digest']

describe('fullnode soma.rpc', () => {
  it('rewrites the localnet env in client.yaml to the served RPC', () => {
    expect(readClientConfig(join(dir, 'client.yaml')).envs.find((e) => e.alias === 'localnet')!.rpc).toBe(net.urls.rpc)
  })

  it('faucet → balance → signed transfer → effects and balances read back', async () => {
    const client = createSomaRpcClient({ url: net.urls.rpc })
    const alice = Ed25519Keypair.generate()
    const bob = Ed25519Keypair.generate().toSomaAddress()
    await faucet.requestGas(alice.toSomaAddress())
    expect(await client.getBalance(alice.toSomaAddress())).toBe(FAUCET_AMOUNT)

    const coins = []
    for await (const o of client.listOwnedObjects(alice.toSomaAddress(), { objectType: 'Coin' })) coins.push(o)
    expect(coins).toHaveLength(1)
    const coin = coins[0]!
    const ref = { objectId: coin.objectId!, version: coin.version!, digest: coin.digest! }
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin: ref, amount: 500_000_000n, recipient: bob } }, sender: alice.toSomaAddress(), gasPayment: [ref] } })
    const { signature } = await alice.signTransaction(tx.bcs)
    const { executed, checkpoint } = await client.executeAndWait({ proto: tx.proto, digest: tx.digest }, [signature], { timeoutMs: 10_000 })
    expect(executed.effects?.status?.success).toBe(true)
    expect(checkpoint).toBeGreaterThan(0n)
    expect(await client.getBalance(bob)).toBe(500_000_000n)
    const fee = executed.effects!.fee!.totalFee!
    expect(await client.getBalance(alice.toSomaAddress())).toBe(FAUCET_AMOUNT - 500_000_000n - fee)
    // BalanceChange.address is `SomaAddress` Display on the reference's wire: 64 hex, no `0x`.
    expect(executed.balanceChanges.map((b) => b.address)).toEqual([alice.toSomaAddress(), bob].map((a) => a.slice(2)).sort())
    expect(executed.balanceChanges.find((b) => b.address === bob.slice(2))?.amount).toBe('500000000')

    const read = await client.getTransaction(tx.digest)
    expect(read.digest).toBe(tx.digest)
    expect(read.checkpoint).toBe(checkpoint)
    expect(read.effects?.transactionDigest).toBe(tx.digest)

    const cp = await client.getCheckpoint({ sequenceNumber: checkpoint })
    expect(cp.sequenceNumber).toBe(checkpoint)
    const stored = net.node.database.getCheckpoint(checkpoint)!
    expect(verifyCheckpointSignature(stored.summary, stored.epoch, stored, net.node.committee.map((m) => m.blsPublicKey))).toBe(true)

    const object = await client.getObject(coin.objectId!)
    expect(object.version).toBeGreaterThan(coin.version!)
    const old = await client.getObject(coin.objectId!, { version: coin.version! })
    expect(old.digest).toBe(coin.digest)
  })

  it('serves GetServiceInfo and GetEpoch with the chain headers', async () => {
    const client = createSomaRpcClient({ url: net.urls.rpc })
    const info = await client.getServiceInfo()
    expect(info.chain).toBe('localnet')
    expect(info.chainId).toBe(net.node.database.getCheckpoint(0n)!.digest)
    expect(info.epoch).toBe(net.node.epoch())
    expect((await client.getEpoch()).epoch).toBe(net.node.epoch())
    let headers: Headers | undefined
    await client.ledger.getServiceInfo({}, { onHeader: (h) => (headers = h) })
    expect(headers?.get('x-soma-chain')).toBe('localnet')
    expect(headers?.get('x-soma-checkpoint-height')).toBe(net.node.latestCheckpoint().sequence.toString())
  })

  it('answers bad input with typed errors and keeps serving', async () => {
    const client = createSomaRpcClient({ url: net.urls.rpc })
    const alice = Ed25519Keypair.generate()
    const mallory = Ed25519Keypair.generate()
    await faucet.requestGas(alice.toSomaAddress())
    const coins = []
    for await (const o of client.listOwnedObjects(alice.toSomaAddress(), { objectType: 'Coin' })) coins.push(o)
    const ref = { objectId: coins[0]!.objectId!, version: coins[0]!.version!, digest: coins[0]!.digest! }
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin: ref, amount: 1n, recipient: mallory.toSomaAddress() } }, sender: alice.toSomaAddress(), gasPayment: [ref] } })
    // Signed by another key: the node's rebuild + verify refuses it.
    const { signature: wrong } = await mallory.signTransaction(tx.bcs)
    await expect(client.executeTransaction(tx.proto, [userSignatureToProto(wrong)])).rejects.toBeInstanceOf(RpcError)
    await expect(client.getObject('0x1234zz')).rejects.toMatchObject({ grpcCode: 3 })
    await expect(client.getObject(`0x${'ab'.repeat(32)}`)).rejects.toMatchObject({ grpcCode: 5 })
    await expect(client.getTransaction('11111111111111111111111111111111')).rejects.toMatchObject({ grpcCode: 5 })
    // Still serving: the right signature goes through.
    const { signature } = await alice.signTransaction(tx.bcs)
    const executed = await client.executeTransaction(tx.proto, [userSignatureToProto(signature)])
    expect(executed.effects?.status?.success).toBe(true)
  })
  it('writes object ids and owner addresses in each call as the reference does (wire.md §8.3)', async () => {
    const client = createSomaRpcClient({ url: net.urls.rpc })
    const alice = Ed25519Keypair.generate()
    const bob = Ed25519Keypair.generate().toSomaAddress()
    await faucet.requestGas(alice.toSomaAddress())
    const sender = alice.toSomaAddress()
    const coin = await coinRef(client, sender)
    const transfer = (ref: typeof coin) => buildTransaction({ V1: { kind: { TransferCoin: { coin: ref, amount: 1000n, recipient: bob } }, sender, gasPayment: [ref] } })

    // Straight from `types`: GetObject, BatchGetObjects, ListOwnedObjects write 64 hex without `0x`.
    expect(coin.objectId).toMatch(BARE)
    const object = await client.getObject(coin.objectId)
    expectObjects([object], BARE)
    expect(object.owner!.address).toBe(sender.slice(2))
    const batch = await client.ledger.batchGetObjects({ requests: [{ objectId: coin.objectId }], readMask: { paths: ['object_id', 'owner'] } })
    expect(batch.objects[0]!.result.case).toBe('object')
    expectObjects([batch.objects[0]!.result.value as Object$], BARE)
    const listed: Object$[] = []
    for await (const o of client.listOwnedObjects(sender, { readMask: 'object_id,owner' })) listed.push(o)
    expectObjects(listed, BARE)

    // SimulateTransaction: effects and the transaction through the rpc crate's types (`0x`, even
    // for a request written bare), objects straight from `types` (bare).
    const tx = transfer(coin)
    const bareRequest = structuredClone(tx.proto)
    bareRequest.sender = sender.slice(2)
    const simulated = await client.simulateTransaction(bareRequest, { readMask: TX_PARTS.map((p) => `transaction.${p}`) })
    expectExecutedIds(simulated, PREFIXED, { objects: false })
    expect(simulated.transaction!.sender).toBe(sender)
    expect(simulated.transaction!.digest).toBe(tx.digest)
    expectObjects(simulated.objects!.objects, BARE)

    // ExecuteTransaction and GetTransaction: `0x` + 64 throughout (balance changes aside).
    const { signature } = await alice.signTransaction(tx.bcs)
    const { executed, checkpoint } = await client.executeAndWait({ proto: tx.proto, digest: tx.digest }, [signature], { readMask: TX_PARTS, timeoutMs: 10_000 })
    expectExecutedIds(executed, PREFIXED, { objects: true })
    expect(executed.transaction!.sender).toBe(sender)
    const read = await client.getTransaction(tx.digest, { readMask: ['effects', 'transaction', 'balance_changes'] })
    expectExecutedIds(read, PREFIXED, { objects: false })

    // GetCheckpoint's transactions are converted straight from `types`: bare throughout.
    const cp = await client.getCheckpoint({ sequenceNumber: checkpoint }, { readMask: TX_PARTS.map((p) => `transactions.${p}`) })
    const inCheckpoint = cp.transactions.find((t) => t.digest === tx.digest)!
    expectExecutedIds(inCheckpoint, BARE, { objects: true })
    expect(inCheckpoint.transaction!.sender).toBe(sender.slice(2))
    // Ids and addresses name the same bytes in both forms.
    expect(inCheckpoint.effects!.changedObjects.map((c) => `0x${c.objectId}`)).toEqual(executed.effects!.changedObjects.map((c) => c.objectId))

    // SubscribeCheckpoints: as GetCheckpoint.
    const abort = new AbortController()
    const stream = client.subscribeCheckpoints({ signal: abort.signal, readMask: ['sequence_number', ...TX_PARTS.map((p) => `transactions.${p}`)] })[Symbol.asyncIterator]()
    await stream.next() // the latest checkpoint, sent first
    const next = transfer(await coinRef(client, sender))
    const { signature: nextSignature } = await alice.signTransaction(next.bcs)
    await client.executeTransaction(next.proto, [userSignatureToProto(nextSignature)])
    let streamed: ExecutedTransaction | undefined
    while (streamed === undefined) {
      const message = await stream.next()
      if (message.done === true) throw new Error('the subscription ended')
      streamed = message.value.checkpoint!.transactions.find((t) => t.digest === next.digest)
    }
    abort.abort()
    expectExecutedIds(streamed, BARE, { objects: true })
  })
})
