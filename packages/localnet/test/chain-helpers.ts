/** Shared fixtures for the state-machine tests: deterministic keys, a local genesis, signing. */
import {
  Ed25519Keypair,
  bcsTypes,
  decodeBcs,
  encodeBcs,
  serializeSignedTransaction,
  signTransaction,
  type bcsTypes as BcsTypes,
} from '@soma-ts/sdk'

import {
  LocalChain,
  buildGenesis,
  coinBalance,
  digestOf,
  localGenesisConfig,
  targetOf,
  type ChainObject,
  type GenesisModel,
  type GenesisValidator,
} from '../src/chain/index.js'

export function keypair(n: number): Ed25519Keypair {
  return Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(n + 1))
}

export const USERS = [0, 1, 2, 3, 4].map(keypair)
export const FAUCET = keypair(9)
export const VALIDATOR_KEYS = [20, 21, 22, 23].map(keypair)

export function validatorInfo(i: number): Omit<GenesisValidator, 'stake' | 'gas'> {
  return {
    address: VALIDATOR_KEYS[i]!.toSomaAddress(),
    protocolPubkey: new Uint8Array(96).fill(0x10 + i),
    proofOfPossession: new Uint8Array(48).fill(0x20 + i),
    networkPubkey: new Uint8Array(32).fill(0x30 + i),
    workerPubkey: new Uint8Array(32).fill(0x40 + i),
    netAddress: `/ip4/127.0.0.1/tcp/${8000 + i}/http`,
    p2pAddress: `/ip4/127.0.0.1/tcp/${8100 + i}/http`,
    primaryAddress: `/ip4/127.0.0.1/tcp/${8200 + i}/http`,
    proxyAddress: `/ip4/127.0.0.1/tcp/${8300 + i}/http`,
  }
}

export function newChain(committeeSize = 1, epochDurationMs = 60_000n, models: readonly GenesisModel[] = [], embeddingDimOverride?: bigint): LocalChain {
  const config = localGenesisConfig({
    accountAddresses: USERS.map((k) => k.toSomaAddress()),
    faucetAddress: FAUCET.toSomaAddress(),
    validators: Array.from({ length: committeeSize }, (_, i) => validatorInfo(i)),
    chainStartTimestampMs: 1_000_000n,
    epochDurationMs,
    ...(embeddingDimOverride !== undefined ? { embeddingDimOverride } : {}),
  })
  return LocalChain.fromGenesis(buildGenesis({ ...config, models }))
}

export function manifestOf(size: bigint, url = 'https://example.com/data.bin') {
  return { V1: { url, metadata: { V1: { checksum: new Uint8Array(32).fill(7), size } } } }
}

/** The target_tests.rs genesis model: 5 SOMA stake, commission 0, key [0xAA; 32], weights [0xBB; 32]. */
export function genesisModel(owner: string, initialStake = 5_000_000_000n): GenesisModel {
  return {
    owner,
    manifest: manifestOf(4096n, 'https://example.com/weights.bin'),
    decryptionKey: new Uint8Array(32).fill(0xaa),
    weightsCommitment: new Uint8Array(32).fill(0xbb),
    commissionRate: 0n,
    initialStake,
  }
}

export function targets(chain: LocalChain) {
  return [...chain.store.liveObjects()].filter((o) => o.type === 'Target').map((o) => ({ object: o, target: targetOf(o) }))
}

export type Ref = typeof BcsTypes.ObjectRef.$inferInput

export function refOf(object: ChainObject): Ref {
  return { objectId: object.id, version: object.version, digest: digestOf(object) }
}

export function ownedObjects(chain: LocalChain, address: string, type: ChainObject['type'] = 'Coin'): ChainObject[] {
  return [...chain.store.liveObjects()].filter((o) => o.type === type && o.owner.kind === 'Address' && o.owner.address === address)
}

export function coinsOf(chain: LocalChain, address: string): ChainObject[] {
  return ownedObjects(chain, address, 'Coin')
}

export function balanceOf(object: ChainObject): bigint {
  return coinBalance(object)!
}

export function sign(signer: Ed25519Keypair, kind: typeof BcsTypes.TransactionKind.$inferInput, gas: Ref[]): Uint8Array {
  const data = { V1: { kind, sender: signer.toSomaAddress(), gasPayment: gas } }
  const bytes = encodeBcs(bcsTypes.TransactionData, data)
  const signed = signTransaction(signer, bytes)
  return serializeSignedTransaction(bytes, [signed.signature])
}

export function decodeEffects(bytes: Uint8Array) {
  return decodeBcs(bcsTypes.TransactionEffects, bytes).V1!
}
