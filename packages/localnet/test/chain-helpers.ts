/** Shared fixtures for the state-machine tests: deterministic keys, a local genesis, signing. */
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  Ed25519Keypair,
  bcsTypes,
  decodeBcs,
  encodeBcs,
  serializeSignedTransaction,
  signingDigest,
  toSerializedSignature,
  type bcsTypes as BcsTypes,
} from '@soma-ts/sdk'

import {
  LocalChain,
  buildGenesis,
  coinBalance,
  digestOf,
  localGenesisConfig,
  signProofOfPossession,
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
export const VALIDATOR_KEYS = Array.from({ length: 12 }, (_, i) => keypair(20 + i))

/** A deterministic BLS12-381 secret key (any value in [1, r) works). */
export function blsSecret(i: number): Uint8Array {
  return new Uint8Array(32).fill(0x11).map((b, j) => (j === 0 ? 0x10 + i : b))
}

export function validatorInfo(i: number, key: Ed25519Keypair = VALIDATOR_KEYS[i]!): Omit<GenesisValidator, 'stake' | 'gas'> {
  const address = key.toSomaAddress()
  const { publicKey, proof } = signProofOfPossession(blsSecret(i), address)
  return {
    address,
    protocolPubkey: publicKey,
    proofOfPossession: proof,
    networkPubkey: keypair(100 + i).getPublicKey().toRawBytes(),
    workerPubkey: keypair(150 + i).getPublicKey().toRawBytes(),
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
  // Signed synchronously here (the SDK's Signer is async) so that the tests can drive the
  // state machine in plain loops; the bytes are the same as `signer.signTransaction` gives.
  const signature = toSerializedSignature(ed25519.sign(signingDigest(bytes), signer.getSecretKey()), signer.getPublicKey())
  return serializeSignedTransaction(bytes, [signature])
}

export function decodeEffects(bytes: Uint8Array) {
  return decodeBcs(bcsTypes.TransactionEffects, bytes).V1!
}
