/** Staking and the model lifecycle through the SDK client on a local network. */
import { randomBytes } from 'node:crypto'

import { Ed25519Keypair, InvalidArgumentError, normalizeAddress, ServiceNotConfiguredError, TransactionFailedError } from '@soma-ts/sdk'
import { encryptWeights } from '@soma-ts/sdk/native'
import { createSomaClient } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSdkNetwork, type SdkNetwork } from './sdk-helpers.js'

let sdk: SdkNetwork
beforeAll(async () => {
  sdk = await startSdkNetwork({ smallModel: true })
})
afterAll(async () => {
  await sdk?.stop()
})

describe('SomaClient models and staking on a local network', () => {
  it('stakes with a validator, advances the epoch and withdraws', async () => {
    const { client } = sdk
    const alice = await sdk.fundedSigner()
    const state = await client.getLatestSystemState()
    const validator = state.validators.validators[0]!.metadata.somaAddress
    const staked = await client.addStake({ signer: alice, validator, amount: '1' })
    const stake = staked.created.find((c) => c.objectType === 'StakedSoma')
    expect(stake).toBeDefined()
    const owned = await client.listOwnedObjects({ owner: alice.toSomaAddress(), objectType: 'staked_soma' })
    // The object as the node sends it (id without `0x`), the created id normalized: compared as bytes.
    expect(owned.map((o) => normalizeAddress(o.objectId!))).toEqual([stake!.objectId])
    const epoch = await client.advanceEpoch()
    expect((await client.getLatestSystemState()).epoch).toBe(epoch)
    const before = await client.getBalance({ address: alice.toSomaAddress() })
    const withdrawn = await client.withdrawStake({ signer: alice, stakedSomaId: stake!.objectId })
    const after = await client.getBalance({ address: alice.toSomaAddress() })
    // At least the principal comes back, less the fee.
    expect(after + (withdrawn.effects.fee?.totalFee ?? 0n) - before).toBeGreaterThanOrEqual(1_000_000_000n)
    expect(await client.listOwnedObjects({ owner: alice.toSomaAddress(), objectType: 'staked_soma' })).toHaveLength(0)
  })

  it('creates and commits a model in one call, reveals next epoch, updates, sets commission, stakes, deactivates', async () => {
    const { client } = sdk
    const owner = await sdk.fundedSigner(3)
    const { embeddingDim } = await client.getNetworkParameters()
    expect(embeddingDim).toBe(16n)
    const embedding = Array.from({ length: 16 }, (_, i) => (i + 1) / 16)
    const { encrypted, key } = encryptWeights(randomBytes(4096))
    const weightsUrl = `${sdk.net.urls.blobStore}/blobs/models/m1.enc`
    const committed = await client.commitModel({ signer: owner, weightsUrl, encryptedWeights: encrypted, decryptionKey: key, embedding, commissionRate: 500, stakeAmount: '1' })
    expect(committed.createTransaction).toBeDefined()
    expect((await client.getModel({ modelId: committed.modelId })).status).toBe('pending')
    const [manifest] = await client.getModelManifests({ models: [committed.modelId] })
    expect(manifest).toMatchObject({ url: weightsUrl, size: 4096n, decryptionKey: undefined })

    // Revealing in the commit epoch is refused by the chain, with its error name.
    const early = await client.revealModel({ signer: owner, modelId: committed.modelId, decryptionKey: key, embedding }).catch((e: unknown) => e)
    expect(early).toBeInstanceOf(TransactionFailedError)
    expect((early as TransactionFailedError).errorName).toBe('ModelRevealEpochMismatch')

    await client.advanceEpoch()
    await client.revealModel({ signer: owner, modelId: committed.modelId, decryptionKey: key, embedding })
    expect((await client.getModel({ modelId: committed.modelId })).status).toBe('active')
    const active = await client.getActiveModels()
    expect(active.map((m) => m.modelId)).toContain(committed.modelId)

    const next = encryptWeights(randomBytes(2048))
    await client.commitModelUpdate({
      signer: owner,
      modelId: committed.modelId,
      weightsUrl: `${sdk.net.urls.blobStore}/blobs/models/m1-v2.enc`,
      encryptedWeights: next.encrypted,
      decryptionKey: next.key,
      embedding,
    })
    expect((await client.getModel({ modelId: committed.modelId })).hasPendingUpdate).toBe(true)
    await client.advanceEpoch()
    await client.revealModelUpdate({ signer: owner, modelId: committed.modelId, decryptionKey: next.key, embedding })
    const updated = await client.getModel({ modelId: committed.modelId })
    expect(updated.hasPendingUpdate).toBe(false)
    expect(updated.weightsUrl).toBe(`${sdk.net.urls.blobStore}/blobs/models/m1-v2.enc`)

    await client.setModelCommissionRate({ signer: owner, modelId: committed.modelId, newRate: 800 })
    expect((await client.getModel({ modelId: committed.modelId })).nextEpochCommissionRate).toBe(800n)
    const stakeBefore = (await client.getModel({ modelId: committed.modelId })).stake
    const staker = await sdk.fundedSigner()
    await client.addStakeToModel({ signer: staker, modelId: committed.modelId, amount: '0.5' })
    await client.advanceEpoch()
    expect((await client.getModel({ modelId: committed.modelId })).stake).toBe(stakeBefore + 500_000_000n)
    await client.deactivateModel({ signer: owner, modelId: committed.modelId })
    expect((await client.getModel({ modelId: committed.modelId })).status).toBe('inactive')

    await expect(client.commitModel({ signer: owner, weightsUrl, encryptedWeights: encrypted, decryptionKey: key, embedding })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
  })

  it('fails only the call that needs a missing service, naming it', async () => {
    const bare = createSomaClient({ rpcUrl: sdk.net.urls.rpc })
    try {
      const address = Ed25519Keypair.generate().toSomaAddress()
      expect(await bare.getBalance({ address })).toBe(0n)
      const err = await bare.requestFaucet({ address }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ServiceNotConfiguredError)
      expect((err as ServiceNotConfiguredError).service).toBe('faucet')
      await expect(bare.advanceEpoch()).rejects.toThrow(/No admin service/)
      await expect(bare.scoringHealth()).rejects.toThrow(/No scoring service/)
    } finally {
      bare.close()
    }
    // A configured service that is down: the error names its URL.
    const down = createSomaClient({ rpcUrl: sdk.net.urls.rpc, scoringUrl: 'http://127.0.0.1:1' })
    try {
      await expect(down.scoringHealth({ timeoutMs: 5_000 })).rejects.toThrow(/127\.0\.0\.1:1/)
    } finally {
      down.close()
    }
  })
})
