/**
 * SimulateTransaction's gas over gRPC, as the reference resolves it: with checks enabled and no gas
 * payment the server pays with the sender's other coins; with checks disabled, or when the sender
 * has no coin to spare, a mock coin of 10^18 shannons pays. Nothing is written either way.
 */
import { createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { Ed25519Keypair, bcsTypes, buildTransaction, deriveObjectId, encodeBcs, toHex, transactionDataFromProto, transactionDigest } from '@soma-ts/sdk'
import { SimulateTransactionRequest_TransactionChecks, TransactionExecutionService } from '@soma-ts/sdk/generated/soma/rpc/transaction_execution_service_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { coinBalance, digestOf } from '../src/chain/index.js'
import { MOCK_GAS_BALANCE, MOCK_GAS_ID } from '../src/rpc/simulate.js'
import { fund, gasCoin, startTestNet, type TestNet } from './localnet-helpers.js'
import { runLocalnetDriver, somaSdkPython } from './python-helpers.js'

let t: TestNet
beforeAll(async () => {
  t = await startTestNet()
}, 60_000)
afterAll(async () => {
  await t?.close()
})

type Ref = typeof bcsTypes.ObjectRef.$inferInput
const MASK = { paths: ['transaction.effects', 'transaction.transaction', 'transaction.objects', 'transaction.digest'] }

function simulate(transaction: ReturnType<typeof buildTransaction>['proto'], checks?: SimulateTransactionRequest_TransactionChecks) {
  const client = createClient(TransactionExecutionService, createGrpcTransport({ baseUrl: t.net.urls.rpc }))
  return client.simulateTransaction({ transaction, readMask: MASK, ...(checks !== undefined ? { checks } : {}) })
}

/** The sender's coins in id order, as the node's index lists them. */
function coinsOf(owner: string): Ref[] {
  return t.net.node.database
    .ownedObjects(owner, '', 1000)
    .filter((o) => o.type === 'Coin')
    .map((o) => ({ objectId: o.id, version: o.version, digest: digestOf(o) }))
}

/** Ids come as `0x` + 64 hex or bare 64 hex depending on the field (wire.md §8.3). */
const isMock = (id: string | undefined) => id !== undefined && BigInt(`0x${id.replace(/^0x/, '')}`) === BigInt(MOCK_GAS_ID)

const balanceOf = (owner: string) => t.net.node.database.ownedObjects(owner, '', 1000).reduce((sum, o) => sum + (coinBalance(o) ?? 0n), 0n)

describe('SimulateTransaction gas', () => {
  it('with checks enabled and no gas, pays with every other coin of the sender, in id order', async () => {
    const alice = Ed25519Keypair.generate()
    await fund(t.faucet, alice, 3)
    const sender = alice.toSomaAddress()
    const coin = await gasCoin(t.client, sender)
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin, amount: 1000n, recipient: sender } }, sender, gasPayment: [] } })
    const before = balanceOf(sender)
    for (const checks of [undefined, SimulateTransactionRequest_TransactionChecks.ENABLED]) {
      const res = await simulate(tx.proto, checks)
      const ran = transactionDataFromProto(res.transaction!.transaction!)
      const expected = coinsOf(sender).filter((c) => c.objectId !== coin.objectId)
      expect(expected).toHaveLength(2)
      expect(ran.data.V1!.gasPayment).toEqual(expected)
      expect(res.transaction!.effects!.status!.success).toBe(true)
      // The digest is that of the transaction with the chosen gas.
      expect(res.transaction!.digest).toBe(transactionDigest(ran.bcs))
      expect(res.transaction!.effects!.transactionDigest).toBe(transactionDigest(ran.bcs))
      expect(res.transaction!.objects!.objects.some((o) => isMock(o.objectId))).toBe(false)
    }
    expect(balanceOf(sender)).toBe(before)
  })

  it('with checks disabled and no gas, pays with a mock coin of 10^18 shannons owned by the sender', async () => {
    const alice = Ed25519Keypair.generate()
    await fund(t.faucet, alice, 2)
    const sender = alice.toSomaAddress()
    const coin = await gasCoin(t.client, sender)
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin, amount: 1000n, recipient: sender } }, sender, gasPayment: [] } })
    const res = await simulate(tx.proto, SimulateTransactionRequest_TransactionChecks.DISABLED)
    const ran = transactionDataFromProto(res.transaction!.transaction!).data.V1!
    expect(ran.gasPayment).toHaveLength(1)
    expect(ran.gasPayment[0]).toMatchObject({ objectId: MOCK_GAS_ID, version: 0n })
    const effects = res.transaction!.effects!
    expect(effects.status!.success).toBe(true)
    const gas = effects.changedObjects[effects.gasObjectIndex!]!
    expect(isMock(gas.objectId)).toBe(true)
    const written = res.transaction!.objects!.objects.find((o) => isMock(o.objectId))!
    const left = new DataView(written.contents!.buffer, written.contents!.byteOffset).getBigUint64(0, true)
    expect(left).toBe(MOCK_GAS_BALANCE - effects.fee!.totalFee!)
    // The mock coin never exists on chain.
    expect(t.net.node.getObject(MOCK_GAS_ID)).toBeUndefined()
  })

  it('uses the mock coin when checks are enabled but the sender has no other coin, and keeps a given gas payment', async () => {
    const alice = Ed25519Keypair.generate()
    await fund(t.faucet, alice, 1)
    const sender = alice.toSomaAddress()
    const [only] = coinsOf(sender)
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin: only!, amount: 5n, recipient: sender } }, sender, gasPayment: [] } })
    const res = await simulate(tx.proto)
    expect(transactionDataFromProto(res.transaction!.transaction!).data.V1!.gasPayment.map((g) => g.objectId)).toEqual([MOCK_GAS_ID])
    expect(res.transaction!.effects!.status!.success).toBe(true)

    const paid = buildTransaction({ V1: { kind: { TransferCoin: { coin: only!, amount: 5n, recipient: sender } }, sender, gasPayment: [only!] } })
    for (const checks of [SimulateTransactionRequest_TransactionChecks.ENABLED, SimulateTransactionRequest_TransactionChecks.DISABLED]) {
      const given = await simulate(paid.proto, checks)
      expect(transactionDataFromProto(given.transaction!.transaction!).data.V1!.gasPayment).toEqual([only])
      expect(given.transaction!.digest).toBe(paid.digest)
    }
    // A sender that owns nothing still simulates (and fails on its own terms, not on gas).
    const nobody = Ed25519Keypair.generate().toSomaAddress()
    const orphan = buildTransaction({ V1: { kind: { ReportModel: { modelId: deriveObjectId(paid.digest, 9) } }, sender: nobody, gasPayment: [] } })
    const failed = await simulate(orphan.proto)
    expect(transactionDataFromProto(failed.transaction!.transaction!).data.V1!.gasPayment.map((g) => g.objectId)).toEqual([MOCK_GAS_ID])
    expect(failed.transaction!.effects!.status!.success).toBe(false)
  })

  it.skipIf('skip' in somaSdkPython)('the reference Python client (soma-sdk) simulates without gas and with it', async () => {
    const alice = Ed25519Keypair.generate()
    await fund(t.faucet, alice, 2)
    const sender = alice.toSomaAddress()
    const coin = await gasCoin(t.client, sender)
    const kind = { TransferCoin: { coin, amount: 1000n, recipient: sender } }
    const unpaid = buildTransaction({ V1: { kind, sender, gasPayment: [] } })
    const paid = buildTransaction({ V1: { kind, sender, gasPayment: [coin] } })
    const chosen = coinsOf(sender).filter((c) => c.objectId !== coin.objectId)
    const resolved = transactionDigest(encodeBcs(bcsTypes.TransactionData, { V1: { kind, sender, gasPayment: chosen } }))
    const py = await runLocalnetDriver<{ simulate: { status?: unknown; digest?: string; fee?: number; error?: string }[] }>('reads.py', {
      rpc: t.net.urls.rpc,
      models: [],
      simulate: [toHex(unpaid.bcs), toHex(paid.bcs)],
    })
    expect(py.simulate.map((r) => r.error)).toEqual([undefined, undefined])
    expect(py.simulate.map((r) => r.status)).toEqual(['Success', 'Success'])
    // Without gas, the node paid with the sender's other coin: the digest is of that transaction.
    expect(py.simulate.map((r) => r.digest)).toEqual([resolved, paid.digest])
  })

  it('serves the whole transaction without a mask and none for a mask that does not name it, as the reference', async () => {
    const alice = Ed25519Keypair.generate()
    await fund(t.faucet, alice, 1)
    const sender = alice.toSomaAddress()
    const [only] = coinsOf(sender)
    const bob = Ed25519Keypair.generate().toSomaAddress()
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin: only!, amount: 5n, recipient: bob } }, sender, gasPayment: [only!] } })
    const client = createClient(TransactionExecutionService, createGrpcTransport({ baseUrl: t.net.urls.rpc }))
    const all = await client.simulateTransaction({ transaction: tx.proto })
    expect(all.transaction?.effects?.status?.success).toBe(true)
    // Balance changes from the simulation's own inputs and outputs, the address as the reference
    // writes it (64 hex, no `0x`), as ExecuteTransaction does.
    const fee = all.transaction!.effects!.fee!.totalFee!
    expect(all.transaction?.balanceChanges.map((b) => [b.address, b.amount])).toEqual(
      [
        [sender.slice(2), (-(5n + fee)).toString()],
        [bob.slice(2), '5'],
      ].sort(([a], [b]) => (a! < b! ? -1 : 1)),
    )
    expect(all.transaction?.transaction?.sender).toBeDefined()
    expect(all.transaction?.objects?.objects.length).toBeGreaterThan(0)
    const none = await client.simulateTransaction({ transaction: tx.proto, readMask: { paths: ['nothing_here'] } })
    expect(none.transaction).toBeUndefined()
    const effectsOnly = await client.simulateTransaction({ transaction: tx.proto, readMask: { paths: ['transaction.effects'] } })
    expect(effectsOnly.transaction?.effects?.transactionDigest).toBe(tx.digest)
    expect(effectsOnly.transaction?.transaction).toBeUndefined()
  })
})
