/**
 * A started local network with an Active model, reached the way a user gets there: faucet coins,
 * CreateModel, CommitModel, an epoch, RevealModel, an epoch (which generates the targets). Every
 * transaction goes through the SDK's client over gRPC.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { blake2b256Js, buildTransaction, deriveObjectId, normalizeAddress, userSignatureToProto, type bcsTypes, type Ed25519Keypair, type SomaRpcClient } from '@soma-ts/sdk'
import { createSomaRpcClient, FaucetClient } from '@soma-ts/sdk/node'

import { embeddingCommitmentOf } from '../src/chain/index.js'
import { startLocalnet, type LocalnetOptions, type RunningLocalnet } from '../src/index.js'

export const SOMA = 1_000_000_000n
/** `--small-model`: 16-dim targets. */
export const DIM = 16
export const MODEL_EMBEDDING = { values: Array.from({ length: DIM }, (_, i) => (i + 1) / DIM), shape: [BigInt(DIM)] }
const DECRYPTION_KEY = new Uint8Array(32).fill(0x42)

export interface TestNet {
  readonly net: RunningLocalnet
  readonly dir: string
  readonly client: SomaRpcClient
  readonly faucet: FaucetClient
  close(): Promise<void>
}

export async function startTestNet(options: LocalnetOptions = {}): Promise<TestNet> {
  const dir = mkdtempSync(join(tmpdir(), 'soma-ln-'))
  const net = await startLocalnet({
    configDir: dir,
    rpcPort: 0,
    rpcHost: '127.0.0.1',
    adminPort: 0,
    faucet: { host: '127.0.0.1', port: 0 },
    scoring: false,
    smallModel: true,
    ...options,
  })
  const client = createSomaRpcClient({ url: net.urls.rpc })
  // Without a faucet (`faucet: false`) the client points nowhere and is never called.
  const faucet = new FaucetClient({ url: net.urls.faucet ?? 'http://127.0.0.1:9' })
  return {
    net,
    dir,
    client,
    faucet,
    close: async () => {
      faucet.close()
      await net.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

type Ref = typeof bcsTypes.ObjectRef.$inferInput

/** The richest coin `owner` has, as an object reference. */
export async function gasCoin(client: SomaRpcClient, owner: string, skip: readonly string[] = []): Promise<Ref> {
  let best: { objectId: string; version: bigint; digest: string; balance: bigint } | undefined
  for await (const o of client.listOwnedObjects(owner, { objectType: 'Coin', readMask: 'object_id,version,digest,contents' })) {
    // ListOwnedObjects writes ids without `0x` (wire.md §8.3); the ref carries the chain's form.
    const objectId = normalizeAddress(o.objectId!)
    if (skip.some((s) => normalizeAddress(s) === objectId)) continue
    const balance = new DataView(o.contents!.buffer, o.contents!.byteOffset).getBigUint64(0, true)
    if (best === undefined || balance > best.balance) best = { objectId, version: o.version!, digest: o.digest!, balance }
  }
  if (best === undefined) throw new Error(`${owner} has no coins`)
  return { objectId: best.objectId, version: best.version, digest: best.digest }
}

/** Signs and executes `kind` from `signer` over gRPC; throws when the effects report a failure. */
export async function execute(client: SomaRpcClient, signer: Ed25519Keypair, kind: typeof bcsTypes.TransactionKind.$inferInput, gas?: Ref) {
  const sender = signer.toSomaAddress()
  const tx = buildTransaction({ V1: { kind, sender, gasPayment: [gas ?? (await gasCoin(client, sender))] } })
  const { signature } = await signer.signTransaction(tx.bcs)
  const executed = await client.executeTransaction(tx.proto, [userSignatureToProto(signature)])
  if (executed.effects?.status?.success !== true) throw new Error(`${Object.keys(kind)[0]} failed: ${executed.effects?.status?.error?.description}`)
  return { digest: tx.digest, executed }
}

/** Funds `key` with `requests` faucet coins of 2 SOMA. */
export async function fund(faucet: FaucetClient, key: Ed25519Keypair, requests = 2): Promise<void> {
  for (let i = 0; i < requests; i++) await faucet.requestGas(key.toSomaAddress())
}

/** Creates, commits and reveals a model owned by `owner`, advancing two epochs; returns its id. */
export async function activateModel(t: TestNet, owner: Ed25519Keypair, weightsUrl = 'https://example.com/weights.bin'): Promise<string> {
  await fund(t.faucet, owner, 3)
  const created = await execute(t.client, owner, { CreateModel: { stakeAmount: SOMA, commissionRate: 0n, architectureVersion: 1n } })
  const modelId = deriveObjectId(created.digest, 0)
  await execute(t.client, owner, {
    CommitModel: {
      modelId,
      manifest: { V1: { url: weightsUrl, metadata: { V1: { checksum: new Uint8Array(32).fill(7), size: 4096n } } } },
      weightsCommitment: new Uint8Array(32).fill(1),
      embeddingCommitment: embeddingCommitmentOf(MODEL_EMBEDDING),
      decryptionKeyCommitment: blake2b256Js(DECRYPTION_KEY),
    },
  })
  await t.net.node.advanceEpoch()
  await execute(t.client, owner, { RevealModel: { modelId, decryptionKey: DECRYPTION_KEY, embedding: MODEL_EMBEDDING } })
  await t.net.node.advanceEpoch()
  return modelId
}
