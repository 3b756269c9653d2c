/**
 * Genesis (reference: `types/src/genesis_builder.rs::create_genesis_state`, protocol.md §3):
 * validators, allocations (coins and validator stakes), the emission fund, the SystemState object.
 * optional genesis models (created Active) and, with them, the seed targets.
 */
import { genesisModelEmbedding, toBase58 } from '@soma-ts/core'
import { bcsTypes, blake2b256Js, encodeBcs, toHex, transactionDigest } from '@soma-ts/sdk'

import {
  DEFAULT_ACCOUNT_COIN,
  DEFAULT_COINS_PER_ACCOUNT,
  DEFAULT_EMISSION_PER_EPOCH,
  DEFAULT_VALIDATOR_GAS,
  DEFAULT_VALIDATOR_STAKE,
  GENESIS_VALIDATOR_COMMISSION_RATE,
  OBJECT_START_VERSION,
  PROTOCOL_VERSION,
  SHANNONS_PER_SOMA,
  SYSTEM_STATE_OBJECT_ID,
  TOTAL_SUPPLY_SHANNONS,
  V5_PARAMETERS,
  ZERO_ADDRESS,
} from './constants.js'
import { ChainInvariantError } from './errors.js'
import { addressOwner, coinContents, idToBytes, objectBcsInput, sharedOwner, stakedSomaContents, type ChainObject } from './objects.js'
import { embeddingCommitmentOf, type ModelValue } from './models.js'
import { activatePool, newStakingPool, processPendingStake, requestAddStake } from './staking-pool.js'
import { generateTarget, makeTargetSeed, newTargetObject } from './targets.js'
import { encodeSystemStateContents, setVotingPower, type SystemStateValue, type ValidatorValue } from './system-state.js'

export interface GenesisValidator {
  readonly address: string
  /** BLS12-381 public key (96 bytes), its proof of possession (48 bytes). */
  readonly protocolPubkey: Uint8Array
  readonly proofOfPossession: Uint8Array
  readonly networkPubkey: Uint8Array
  readonly workerPubkey: Uint8Array
  readonly netAddress: string
  readonly p2pAddress: string
  readonly primaryAddress: string
  readonly proxyAddress: string
  readonly stake: bigint
  readonly gas: bigint
}

export interface GenesisAccount {
  readonly address: string
  readonly coins: readonly bigint[]
}

export interface GenesisModel {
  readonly owner: string
  readonly manifest: typeof bcsTypes.Manifest.$inferInput
  /** The 32-byte AES key (its Blake2b256 is the decryption-key commitment). */
  readonly decryptionKey: Uint8Array
  readonly weightsCommitment: Uint8Array
  readonly architectureVersion?: bigint
  readonly commissionRate?: bigint
  /** Taken from the emission fund and staked with the model (default 1 SOMA). */
  readonly initialStake?: bigint
}

export interface GenesisConfig {
  readonly validators: readonly GenesisValidator[]
  readonly models?: readonly GenesisModel[]
  readonly accounts: readonly GenesisAccount[]
  readonly epochDurationMs?: bigint
  readonly chainStartTimestampMs: bigint
  readonly emissionPerEpoch?: bigint
  /** `target_embedding_dim_override` (`--small-model` sets 16). */
  readonly embeddingDimOverride?: bigint
}

export interface Genesis {
  readonly transactionDigest: string
  readonly objects: readonly ChainObject[]
}

const utf8 = new TextEncoder()

/** `deterministic_object_id(counter)` = Blake2b256("soma-genesis-object-id" ‖ counter LE)[..32]. */
export function deterministicObjectId(counter: bigint): string {
  const le = new Uint8Array(8)
  new DataView(le.buffer).setBigUint64(0, counter, true)
  return `0x${toHex(blake2b256Js(utf8.encode('soma-genesis-object-id'), le))}`
}

const ZERO_DIGEST = toBase58(new Uint8Array(32))

export function buildGenesis(config: GenesisConfig): Genesis {
  let counter = 0n
  const nextId = () => deterministicObjectId(counter++)

  const validators: ValidatorValue[] = config.validators.map((v) => {
    const pool = newStakingPool(nextId())
    activatePool(pool, 0n)
    return {
      metadata: {
        somaAddress: v.address,
        protocolPubkey: v.protocolPubkey,
        networkPubkey: v.networkPubkey,
        workerPubkey: v.workerPubkey,
        netAddress: v.netAddress,
        p2pAddress: v.p2pAddress,
        primaryAddress: v.primaryAddress,
        proxyAddress: v.proxyAddress,
        proofOfPossession: v.proofOfPossession,
        nextEpochProtocolPubkey: null,
        nextEpochNetworkPubkey: null,
        nextEpochNetAddress: null,
        nextEpochP2pAddress: null,
        nextEpochPrimaryAddress: null,
        nextEpochWorkerPubkey: null,
        nextEpochProofOfPossession: null,
        nextEpochProxyAddress: null,
      },
      votingPower: 0n,
      stakingPool: pool,
      commissionRate: GENESIS_VALIDATOR_COMMISSION_RATE,
      nextEpochStake: 0n,
      nextEpochCommissionRate: GENESIS_VALIDATOR_COMMISSION_RATE,
    }
  })

  const objects: ChainObject[] = []
  const pending = (id: string, type: ChainObject['type'], owner: string, contents: Uint8Array): ChainObject => ({
    id,
    type,
    version: OBJECT_START_VERSION,
    owner: addressOwner(owner),
    contents,
    previousTransaction: ZERO_DIGEST,
  })
  const embeddingDim = config.embeddingDimOverride ?? V5_PARAMETERS.targetEmbeddingDim

  // Genesis models: created Active, their initial stake taken from the emission fund (below).
  const models = new Map<string, ModelValue>()
  const modelPoolMappings = new Map<string, string>()
  let modelStakeTotal = 0n
  for (const m of config.models ?? []) {
    const modelId = nextId()
    const embedding = { values: Array.from(genesisModelEmbedding(idToBytes(modelId), Number(embeddingDim))), shape: [embeddingDim] }
    const pool = newStakingPool(`0x${toHex(blake2b256Js(utf8.encode('soma-genesis-model-staking-pool'), idToBytes(modelId)))}`)
    pool.activationEpoch = 0n
    pool.exchangeRates.set(0n, { somaAmount: 0n, poolTokenAmount: 0n })
    const stake = m.initialStake ?? SHANNONS_PER_SOMA
    if (stake > 0n) {
      const staked = requestAddStake(pool, stake, 0n)
      processPendingStake(pool)
      modelStakeTotal += stake
      objects.push(pending(nextId(), 'StakedSoma', m.owner, stakedSomaContents(staked)))
    }
    const commissionRate = m.commissionRate ?? 0n
    const active = {
      owner: m.owner,
      architectureVersion: m.architectureVersion ?? V5_PARAMETERS.modelArchitectureVersion,
      stakingPool: pool,
      commissionRate,
      nextEpochCommissionRate: commissionRate,
      manifest: m.manifest,
      weightsCommitment: m.weightsCommitment,
      embeddingCommitment: embeddingCommitmentOf(embedding),
      decryptionKeyCommitment: blake2b256Js(m.decryptionKey),
      decryptionKey: m.decryptionKey,
      embedding,
      pendingUpdate: null,
    }
    models.set(modelId, { $kind: 'V1', V1: { $kind: 'Active', Active: active } } as unknown as ModelValue)
    modelPoolMappings.set(pool.id, modelId)
  }

  // Allocations, in the reference's order: validator stakes and gas, then account coins.
  let allocated = 0n
  const stakingPoolMappings = new Map<string, string>()
  config.validators.forEach((v, i) => {
    const validator = validators[i]!
    if (v.stake > 0n) {
      const staked = requestAddStake(validator.stakingPool, v.stake, 0n)
      processPendingStake(validator.stakingPool)
      validator.nextEpochStake += v.stake
      stakingPoolMappings.set(validator.stakingPool.id, v.address)
      objects.push(pending(nextId(), 'StakedSoma', v.address, stakedSomaContents(staked)))
      allocated += v.stake
    }
    if (v.gas > 0n) {
      objects.push(pending(nextId(), 'Coin', v.address, coinContents(v.gas)))
      allocated += v.gas
    }
  })
  for (const account of config.accounts) {
    for (const amount of account.coins) {
      objects.push(pending(nextId(), 'Coin', account.address, coinContents(amount)))
      allocated += amount
    }
  }
  if (allocated + modelStakeTotal > TOTAL_SUPPLY_SHANNONS) {
    throw new ChainInvariantError(`genesis allocates ${allocated + modelStakeTotal} shannons, more than the total supply ${TOTAL_SUPPLY_SHANNONS}`)
  }

  const parameters = {
    ...V5_PARAMETERS,
    epochDurationMs: config.epochDurationMs ?? V5_PARAMETERS.epochDurationMs,
    targetEmbeddingDim: embeddingDim,
    targetInitialDistanceThreshold: scalar(V5_PARAMETERS.targetInitialDistanceThreshold),
    targetMaxDistanceThreshold: scalar(V5_PARAMETERS.targetMaxDistanceThreshold),
    targetMinDistanceThreshold: scalar(V5_PARAMETERS.targetMinDistanceThreshold),
  }
  const state: SystemStateValue = {
    epoch: 0n,
    protocolVersion: PROTOCOL_VERSION,
    validators: {
      totalStake: 0n,
      validators,
      pendingValidators: [],
      pendingRemovals: [],
      stakingPoolMappings,
      inactiveValidators: new Map(),
      atRiskValidators: new Map(),
    },
    parameters,
    epochStartTimestampMs: config.chainStartTimestampMs,
    validatorReportRecords: new Map(),
    modelRegistry: { models, stakingPoolMappings: modelPoolMappings, totalModelStake: modelStakeTotal, modelReportRecords: new Map() },
    emissionPool: { balance: TOTAL_SUPPLY_SHANNONS - allocated - modelStakeTotal, emissionPerEpoch: config.emissionPerEpoch ?? DEFAULT_EMISSION_PER_EPOCH },
    targetState: {
      distanceThreshold: scalar(V5_PARAMETERS.targetInitialDistanceThreshold),
      targetsGeneratedThisEpoch: 0n,
      hitsThisEpoch: 0n,
      hitsEma: 0n,
      rewardPerTarget: 0n,
    },
    safeMode: false,
    safeModeAccumulatedFees: 0n,
    safeModeAccumulatedEmissions: 0n,
  }
  setVotingPower(state.validators)

  // Seed targets, only with an Active model: a bootstrap reward of 80% of one epoch's emission over
  // twice the initial target count, seeds from the default (all-zero) transaction digest.
  if (models.size > 0) {
    const p = state.parameters
    const initial = p.targetInitialTargetsPerEpoch
    state.targetState.rewardPerTarget =
      (state.emissionPool.emissionPerEpoch * p.targetRewardAllocationBps) / 10_000n / (2n * initial > 0n ? 2n * initial : 1n)
    for (let i = 0n; i < initial; i++) {
      const reward = state.targetState.rewardPerTarget
      if (state.emissionPool.balance < reward) break
      const target = generateTarget(state, makeTargetSeed(ZERO_DIGEST, i), 0n)
      state.targetState.targetsGeneratedThisEpoch += 1n
      state.emissionPool.balance -= reward
      objects.push({ ...newTargetObject(nextId(), target, ZERO_DIGEST), version: OBJECT_START_VERSION })
    }
  }

  objects.unshift({
    id: SYSTEM_STATE_OBJECT_ID,
    type: 'SystemState',
    version: OBJECT_START_VERSION,
    owner: sharedOwner(OBJECT_START_VERSION),
    contents: encodeSystemStateContents(state),
    previousTransaction: ZERO_DIGEST,
  })

  // The genesis transaction carries every object; the objects then name it as their previous transaction.
  const txBytes = encodeBcs(bcsTypes.TransactionData, {
    V1: { kind: { Genesis: { objects: objects.map(objectBcsInput) } }, sender: ZERO_ADDRESS, gasPayment: [] },
  })
  const digest = transactionDigest(txBytes)
  return { transactionDigest: digest, objects: objects.map((o) => ({ ...o, previousTransaction: digest })) }
}

function scalar(value: number) {
  return { values: [Math.fround(value)], shape: [1n] }
}

// ---- the local network's genesis --------------------------------------------------------------

export interface LocalGenesisOptions {
  readonly accountAddresses: readonly string[]
  readonly faucetAddress: string
  readonly validators: readonly Omit<GenesisValidator, 'stake' | 'gas'>[]
  readonly chainStartTimestampMs: bigint
  readonly epochDurationMs?: bigint
  readonly embeddingDimOverride?: bigint
}

/**
 * How much each genesis validator gets. The reference gives 20_000 SOMA stake + 300_000 SOMA gas
 * each, and with 5 local accounts and the faucet (9.0M SOMA) only 3 validators fit in the 10M
 * supply; more panics. Here, while the reference amounts fit they are used unchanged; beyond that
 * the validators share what the accounts leave, minus an emission reserve of 100 epochs
 * (137_000 SOMA), with stake and gas scaled by the same factor (so stake:gas stays 1:15 and every
 * validator gets the same). Genesis therefore never over-allocates. See docs/deviations.md.
 */
export function validatorAllocation(committeeSize: number, accountsTotal: bigint): { stake: bigint; gas: bigint } {
  if (committeeSize <= 0) return { stake: 0n, gas: 0n }
  const n = BigInt(committeeSize)
  const room = TOTAL_SUPPLY_SHANNONS - accountsTotal
  const perValidator = DEFAULT_VALIDATOR_STAKE + DEFAULT_VALIDATOR_GAS
  if (n * perValidator <= room) return { stake: DEFAULT_VALIDATOR_STAKE, gas: DEFAULT_VALIDATOR_GAS }
  const reserve = 100n * DEFAULT_EMISSION_PER_EPOCH
  const budget = room > reserve ? room - reserve : 0n
  const share = budget / n
  const stake = (share * DEFAULT_VALIDATOR_STAKE) / perValidator
  return { stake, gas: share - stake }
}

/** `GenesisConfig::for_local_testing()` + `add_faucet_account()` + N validators. */
export function localGenesisConfig(options: LocalGenesisOptions): GenesisConfig {
  const coins = Array.from({ length: DEFAULT_COINS_PER_ACCOUNT }, () => DEFAULT_ACCOUNT_COIN)
  const accounts = [...options.accountAddresses, options.faucetAddress].map((address) => ({ address, coins }))
  const accountsTotal = BigInt(accounts.length) * BigInt(DEFAULT_COINS_PER_ACCOUNT) * DEFAULT_ACCOUNT_COIN
  const { stake, gas } = validatorAllocation(options.validators.length, accountsTotal)
  return {
    validators: options.validators.map((v) => ({ ...v, stake, gas })),
    accounts,
    chainStartTimestampMs: options.chainStartTimestampMs,
    ...(options.epochDurationMs !== undefined ? { epochDurationMs: options.epochDurationMs } : {}),
    ...(options.embeddingDimOverride !== undefined ? { embeddingDimOverride: options.embeddingDimOverride } : {}),
  }
}

