/**
 * `CheckpointSummary.epoch_rolling_transaction_fees` over gRPC: the fees of the checkpoint's
 * epoch so far, each part summed from the effects of every transaction up to and including that
 * checkpoint, starting again at zero in a new epoch; absent when the mask leaves it out.
 */
import { Ed25519Keypair } from '@soma-ts/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { execute, fund, gasCoin, startTestNet, type TestNet } from './localnet-helpers.js'

let t: TestNet
beforeAll(async () => {
  t = await startTestNet()
}, 60_000)
afterAll(async () => {
  await t?.close()
})

const zero = { baseFee: 0n, operationFee: 0n, valueFee: 0n, totalFee: 0n }

describe('checkpoint epoch rolling fees', () => {
  it('sums the fees of the epoch up to each checkpoint and restarts with the epoch', async () => {
    const { client, net } = t
    const alice = Ed25519Keypair.generate()
    const bob = Ed25519Keypair.generate().toSomaAddress()
    await fund(t.faucet, alice, 2)
    for (let i = 0; i < 3; i++) {
      const richest = await gasCoin(client, alice.toSomaAddress())
      const coin = await gasCoin(client, alice.toSomaAddress(), [richest.objectId as string])
      await execute(client, alice, { TransferCoin: { coin, amount: 1000n + BigInt(i), recipient: bob } }, richest)
    }
    await net.node.advanceEpoch()
    await fund(t.faucet, alice, 1)

    const latest = net.node.latestCheckpoint().sequence
    let running = { ...zero }
    let epoch = 0n
    let seen = 0
    for (let seq = 0n; seq <= latest; seq++) {
      const cp = await client.getCheckpoint({ sequenceNumber: seq }, { readMask: 'sequence_number,summary,transactions.effects' })
      const summary = cp.summary!
      if (summary.epoch !== epoch) {
        epoch = summary.epoch!
        running = { ...zero }
      }
      for (const tx of cp.transactions) {
        const fee = tx.effects!.fee!
        running = {
          baseFee: running.baseFee + fee.baseFee!,
          operationFee: running.operationFee + fee.operationFee!,
          valueFee: running.valueFee + fee.valueFee!,
          totalFee: running.totalFee + fee.totalFee!,
        }
        seen++
      }
      const fees = summary.epochRollingTransactionFees!
      expect({ baseFee: fees.baseFee, operationFee: fees.operationFee, valueFee: fees.valueFee, totalFee: fees.totalFee }, `checkpoint ${seq}`).toEqual(running)
    }
    expect(epoch).toBe(1n)
    expect(seen).toBeGreaterThan(4)
    // Fees were paid in both epochs, and the second started again from its own.
    expect(running.totalFee).toBeGreaterThan(0n)
    const last = await client.getCheckpoint({ sequenceNumber: latest }, { readMask: 'summary.epoch_rolling_transaction_fees' })
    expect(last.summary?.epochRollingTransactionFees?.totalFee).toBe(running.totalFee)
    const without = await client.getCheckpoint({ sequenceNumber: latest }, { readMask: 'summary.epoch' })
    expect(without.summary?.epochRollingTransactionFees).toBeUndefined()
  })
})
