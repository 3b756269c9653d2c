/** Faucet → balance → transferCoin / payCoins / transferObjects / mergeCoins, through the SDK client. */
import { Ed25519Keypair, InsufficientFundsError, InvalidArgumentError, TransactionFailedError, formatSoma } from '@soma-ts/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSdkNetwork, type SdkNetwork } from './sdk-helpers.js'

let sdk: SdkNetwork
beforeAll(async () => {
  sdk = await startSdkNetwork()
})
afterAll(async () => {
  await sdk?.stop()
})

/** The fee a transaction paid: what the sender lost beyond what others gained. */
function feeOf(result: { effects: { fee?: { totalFee?: bigint } } }): bigint {
  return result.effects.fee?.totalFee ?? 0n
}

describe('SomaClient transfers on a local network', () => {
  it('funds from the faucet and moves exact decimal amounts', async () => {
    const { client } = sdk
    const alice = await sdk.fundedSigner()
    const bob = Ed25519Keypair.generate().toSomaAddress()
    expect(await client.getBalance({ address: alice.toSomaAddress() })).toBe(2_000_000_000n)

    const sent = await client.transferCoin({ signer: alice, recipient: bob, amount: '1.15' })
    expect(sent.checkpoint).toBeGreaterThan(0n)
    expect(await client.getBalance({ address: bob })).toBe(1_150_000_000n)
    expect(await client.getBalance({ address: alice.toSomaAddress() })).toBe(2_000_000_000n - 1_150_000_000n - feeOf(sent))
    expect(sent.balanceChanges.find((c) => c.address === bob)?.amount).toBe(1_150_000_000n)

    const carol = Ed25519Keypair.generate().toSomaAddress()
    const paid = await client.payCoins({ signer: alice, recipients: [bob, carol], amounts: [1n, '0.25'] })
    expect(await client.getBalance({ address: carol })).toBe(250_000_000n)
    expect(await client.getBalance({ address: bob })).toBe(1_150_000_001n)
    expect(formatSoma(await client.getBalance({ address: alice.toSomaAddress() }))).toBe(
      formatSoma(2_000_000_000n - 1_150_000_000n - feeOf(sent) - 250_000_001n - feeOf(paid)),
    )
  })

  it('transfers objects by id and merges coins', async () => {
    const { client } = sdk
    const alice = await sdk.fundedSigner(4)
    const coins = await client.listOwnedObjects({ owner: alice.toSomaAddress(), objectType: 'coin' })
    expect(coins).toHaveLength(4)
    const bob = Ed25519Keypair.generate()
    const moved = coins[0]!.objectId!
    await client.transferObjects({ signer: alice, recipient: bob.toSomaAddress(), objectIds: [moved] })
    const bobs = await client.listOwnedObjects({ owner: bob.toSomaAddress() })
    expect(bobs.map((o) => o.objectId)).toEqual([moved])

    const before = await client.getBalance({ address: alice.toSomaAddress() })
    const merged = await client.mergeCoins({ signer: alice })
    const after = await client.listOwnedObjects({ owner: alice.toSomaAddress(), objectType: 'Coin' })
    // As the reference: the smallest coin is the transfer's input, every other coin is smashed into the gas coin.
    expect(after).toHaveLength(2)
    expect(await client.getBalance({ address: alice.toSomaAddress() })).toBe(before - feeOf(merged))
    await client.transferObjects({ signer: alice, recipient: bob.toSomaAddress(), objectIds: [after[0]!.objectId!] })
    await expect(client.mergeCoins({ signer: alice })).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('raises typed errors: a failed transaction names the chain error and digest, bad amounts, no coins', async () => {
    const { client } = sdk
    const alice = await sdk.fundedSigner()
    const bob = Ed25519Keypair.generate().toSomaAddress()
    const err = await client.transferCoin({ signer: alice, recipient: bob, amount: '5' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransactionFailedError)
    const failed = err as TransactionFailedError
    expect(failed.code).toBe('SOMA_TRANSACTION_FAILED')
    expect(failed.errorName).toMatch(/^Insufficient/)
    expect(failed.digest).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/)
    // It was executed (and charged): the node knows the digest.
    const tx = await client.rpc.getTransaction(failed.digest)
    expect(tx.effects?.status?.success).toBe(false)

    for (const amount of ['-1', '1.0000000001', 'abc', Number.NaN, '1e400']) {
      await expect(client.transferCoin({ signer: alice, recipient: bob, amount })).rejects.toBeInstanceOf(InvalidArgumentError)
    }
    const empty = Ed25519Keypair.generate()
    await expect(client.transferCoin({ signer: empty, recipient: bob, amount: 1n })).rejects.toBeInstanceOf(InsufficientFundsError)
  })
})
