/**
 * A started local network driven as a client drives it: soma.rpc over gRPC on 127.0.0.1 (the
 * SDK's `createSomaRpcClient`), transactions built with `buildTransaction` and signed by the
 * keypair, the admin service for AdvanceEpoch. The only in-process read is the node's own
 * supply check.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type Ed25519Keypair, RpcError, type SomaRpcClient, bcsTypes, buildTransaction, decodeBcs, normalizeAddress, type Signer, userSignatureToProto } from '@soma-ts/sdk'
import { AdminClient, FileKeystore, FaucetClient, createSomaRpcClient, defaultKeystorePath } from '@soma-ts/sdk/node'

import { SYSTEM_STATE_OBJECT_ID, assertSupplyConserved, decodeSystemStateContents, type SystemStateValue } from '../src/chain/index.js'
import { startLocalnet, type LocalnetOptions, type RunningLocalnet } from '../src/index.js'
import { USERS } from './chain-helpers.js'

export const SOMA = 1_000_000_000n
export type Ref = { objectId: string; version: bigint; digest: string }
type Kind = typeof bcsTypes.TransactionKind.$inferInput
export type Executed = Awaited<ReturnType<SomaRpcClient['executeTransaction']>>

export interface TestNet {
  readonly net: RunningLocalnet
  readonly client: SomaRpcClient
  readonly admin: AdminClient
  readonly faucet: FaucetClient | undefined
  /**
   * The keystore accounts genesis funded (5 coins of 300,000 SOMA each). The local network also
   * imports its faucet key before it picks the keystore's first 5 addresses, so one of the 5
   * USERS may lose its slot: only the funded ones are here (at least 4).
   */
  readonly users: readonly Ed25519Keypair[]
  /** The genesis validators' account keys, read from the keystore by alias, in committee order. */
  readonly validators: readonly Ed25519Keypair[]
  /** The injected clock (ms), when the test asked for one. */
  clock: number
  stop(): Promise<void>
}

/** Starts a local network on free ports under a temp config dir; the 5 USERS keys are funded at genesis. */
export async function startTestNet(options: Omit<LocalnetOptions, 'configDir'> & { fakeClock?: boolean } = {}): Promise<TestNet> {
  const dir = mkdtempSync(join(tmpdir(), 'soma-e2e-'))
  const keystore = FileKeystore.load(defaultKeystorePath(dir))
  for (const u of USERS) keystore.import(u)
  const { fakeClock, ...rest } = options
  const handle = { clock: 1_700_000_000_000 }
  const net = await startLocalnet({
    configDir: dir,
    rpcPort: 0,
    rpcHost: '127.0.0.1',
    adminPort: 0,
    faucet: { host: '127.0.0.1', port: 0 },
    smallModel: true,
    // Its scoring service on a free port too: test files run in parallel.
    scoring: { host: '127.0.0.1', port: 0 },
    ...(fakeClock === true ? { now: () => handle.clock } : {}),
    ...rest,
  })
  const reloaded = FileKeystore.load(defaultKeystorePath(dir))
  const validators = reloaded
    .entries()
    .filter((e) => e.alias.startsWith('localnet-validator-'))
    .sort((a, b) => Number(a.alias.split('-')[2]) - Number(b.alias.split('-')[2]))
    .map((e) => e.keypair)
  const client = createSomaRpcClient({ url: net.urls.rpc, defaultTimeoutMs: 60_000 })
  const admin = new AdminClient({ url: net.urls.admin })
  const faucet = net.urls.faucet === undefined ? undefined : new FaucetClient({ url: net.urls.faucet })
  const funded: Ed25519Keypair[] = []
  for (const u of USERS) if ((await client.getBalance(u.toSomaAddress())) > 0n) funded.push(u)
  const t: TestNet = {
    net,
    client,
    admin,
    faucet,
    users: funded,
    validators,
    get clock() {
      return handle.clock
    },
    set clock(v: number) {
      handle.clock = v
    },
    async stop() {
      admin.close()
      faucet?.close()
      await net.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return t
}

/** The owner's coins, largest first; ids in the chain's form (`0x` + 64; ListOwnedObjects sends them without `0x`). */
export async function coinsOf(t: TestNet, address: string): Promise<(Ref & { balance: bigint })[]> {
  const coins: (Ref & { balance: bigint })[] = []
  for await (const o of t.client.listOwnedObjects(address, { objectType: 'Coin' })) {
    coins.push({ objectId: normalizeAddress(o.objectId!), version: o.version!, digest: o.digest!, balance: decodeBcs(bcsTypes.Coin, o.contents!).balance })
  }
  return coins.sort((a, b) => (b.balance > a.balance ? 1 : b.balance < a.balance ? -1 : 0))
}

/** The owner's largest coin, as a ref (for gas). */
export async function gasOf(t: TestNet, address: string, skip: readonly string[] = []): Promise<Ref> {
  const skipped = new Set(skip.map((id) => normalizeAddress(id)))
  const coin = (await coinsOf(t, address)).find((c) => !skipped.has(c.objectId))
  if (coin === undefined) throw new Error(`${address} has no coin to pay gas with`)
  return { objectId: coin.objectId, version: coin.version, digest: coin.digest }
}

/** Builds, signs and executes over gRPC; resolves with the executed transaction (effects, objects). */
export async function execute(t: TestNet, signer: Signer, kind: Kind, gas?: Ref[]): Promise<Executed> {
  const signed = await sign(t, signer, kind, gas)
  return t.client.executeTransaction(signed.proto, signed.signatures)
}

export async function sign(t: TestNet, signer: Signer, kind: Kind, gas?: Ref[]) {
  const sender = signer.toSomaAddress()
  const gasPayment = gas ?? [await gasOf(t, sender, inputCoinIds(kind))]
  const tx = buildTransaction({ V1: { kind, sender, gasPayment } })
  const { signature } = await signer.signTransaction(tx.bcs)
  return { proto: tx.proto, digest: tx.digest, bcs: tx.bcs, signatures: [userSignatureToProto(signature)] }
}

function inputCoinIds(kind: Kind): string[] {
  const k = kind as Record<string, { coin?: Ref; coinRef?: Ref; bondCoin?: Ref; coins?: Ref[] } | undefined>
  const body = Object.values(k)[0]
  if (body === undefined || body === null) return []
  return [body.coin, body.coinRef, body.bondCoin, ...(body.coins ?? [])].filter((r): r is Ref => r !== undefined).map((r) => r.objectId)
}

/** The chain's error name carried by failed effects (undefined on success). */
export function errorOf(executed: Executed): string | undefined {
  const status = executed.effects?.status
  if (status?.success === true) return undefined
  return status?.error?.description ?? 'unknown failure'
}

export async function systemState(t: TestNet): Promise<SystemStateValue> {
  const object = await t.client.getObject(SYSTEM_STATE_OBJECT_ID)
  return decodeSystemStateContents(object.contents!)
}

/** AdvanceEpoch through the admin service; returns the new epoch and the targets its ChangeEpoch created (`0x` + 64 ids). */
export async function advanceEpoch(t: TestNet): Promise<{ epoch: bigint; createdTargets: string[] }> {
  const epoch = await t.admin.advanceEpoch()
  const checkpoint = await t.client.getCheckpoint(undefined, { readMask: 'sequence_number,transactions.digest,transactions.effects' })
  const createdTargets: string[] = []
  for (const tx of checkpoint.transactions) {
    for (const c of tx.effects?.changedObjects ?? []) {
      // Checkpoint effects carry ids without `0x`, as the reference's (wire.md §8.3).
      if (isCreatedShared(c)) createdTargets.push(normalizeAddress(c.objectId!))
    }
  }
  return { epoch, createdTargets }
}

/** A changed object the transaction created as a shared object (a Target: the only shared kind a transaction creates). */
export function isCreatedShared(c: { idOperation?: number; outputOwner?: { kind?: number } }): boolean {
  return c.idOperation === 2 /* CREATED */ && c.outputOwner?.kind === 2 /* SHARED */
}

export type TargetValue = typeof bcsTypes.Target.$inferType

export async function targetOf(t: TestNet, id: string): Promise<{ ref: Ref; target: TargetValue; owner: unknown }> {
  const o = await t.client.getObject(id)
  if (o.objectType !== 'Target') throw new Error(`${id} is a ${o.objectType}, not a Target`)
  return { ref: { objectId: normalizeAddress(o.objectId!), version: o.version!, digest: o.digest! }, target: decodeBcs(bcsTypes.Target, o.contents!), owner: o.owner }
}

/** Whether GetObject answers NOT_FOUND (deleted or never existed). */
export async function isGone(t: TestNet, id: string): Promise<boolean> {
  try {
    await t.client.getObject(id)
    return false
  } catch (err) {
    if (err instanceof RpcError && err.grpcCode === 5) return true
    throw err
  }
}

/** The node's own §13 check over its current state (the boundary runs it too). */
export function assertSupply(t: TestNet): void {
  assertSupplyConserved(t.net.node.store, t.net.node.epochFees())
}

/** Waits for a condition, polling; bounded so a broken node fails the test instead of hanging it. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export function manifest(size: bigint, url = 'https://example.com/data.bin') {
  return { V1: { url, metadata: { V1: { checksum: new Uint8Array(32).fill(7), size } } } }
}
