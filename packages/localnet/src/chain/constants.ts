/**
 * Protocol version 5 as the reference defines it (`protocol-config/src/lib.rs`, Chain::Unknown ==
 * Testnet), and the constants that live outside the config. Amounts are shannons (bigint).
 */

export const SHANNONS_PER_SOMA = 1_000_000_000n
export const TOTAL_SUPPLY_SHANNONS = 10_000_000n * SHANNONS_PER_SOMA
export const BPS_DENOMINATOR = 10_000n
export const U64_MAX = 0xffff_ffff_ffff_ffffn

export const PROTOCOL_VERSION = 5n
export const EXECUTION_VERSION = 2n

export const SYSTEM_STATE_OBJECT_ID = `0x${'0'.repeat(63)}5`
export const ZERO_ADDRESS = `0x${'0'.repeat(64)}`
/** `OBJECT_START_VERSION`: the initial shared version of SystemState and every Target. */
export const OBJECT_START_VERSION = 1n

export const TOTAL_VOTING_POWER = 10_000n
export const QUORUM_THRESHOLD = 6_667n
export const MAX_VOTING_POWER = 1_000n
export const VALIDATOR_CONSENSUS_MIN_POWER = 12n
export const VALIDATOR_CONSENSUS_LOW_POWER = 8n
export const VALIDATOR_CONSENSUS_VERY_LOW_POWER = 4n
export const VALIDATOR_LOW_STAKE_GRACE_PERIOD = 7n
export const MAX_COMMISSION_RATE = 10_000n
/** A validator that joins through AddValidator starts at this commission (genesis ones at 200). */
export const NEW_VALIDATOR_COMMISSION_RATE = 10n
export const GENESIS_VALIDATOR_COMMISSION_RATE = 200n

/** The protocol-config values `advance_epoch` reads from the next config, not from SystemParameters. */
export const REWARD_SLASHING_RATE_BPS = 5_000n

/** The V5 `SystemParameters` (`build_system_parameters`), f32 values as JS numbers. */
export const V5_PARAMETERS = {
  epochDurationMs: 86_400_000n,
  validatorRewardAllocationBps: 7_000n,
  modelMinStake: 1_000_000_000n,
  modelArchitectureVersion: 1n,
  modelRevealSlashRateBps: 5_000n,
  modelTallySlashRateBps: 9_500n,
  targetEpochFeeCollection: 1_000_000_000n,
  baseFee: 1_000n,
  writeObjectFee: 300n,
  valueFeeBps: 10n,
  minValueFeeBps: 1n,
  maxValueFeeBps: 50n,
  feeAdjustmentRateBps: 1_250n,
  targetModelsPerTarget: 3n,
  targetEmbeddingDim: 2_048n,
  targetInitialDistanceThreshold: 1.05,
  targetRewardAllocationBps: 8_000n,
  targetHitsPerEpoch: 86_400n,
  targetHitsEmaDecayBps: 9_000n,
  targetDifficultyAdjustmentRateBps: 10_000n,
  targetMaxDistanceThreshold: 2.0,
  targetMinDistanceThreshold: 0.95,
  targetInitialTargetsPerEpoch: 100n,
  targetSubmitterRewardShareBps: 4_975n,
  targetModelRewardShareBps: 4_975n,
  targetClaimerIncentiveBps: 50n,
  submissionBondPerByte: 65n,
  maxSubmissionDataSize: 1_048_576n,
} as const

/** Genesis defaults (`types/src/config/genesis_config.rs`, `genesis_builder.rs`). */
export const DEFAULT_GAS_AMOUNT = 30_000n * SHANNONS_PER_SOMA
export const DEFAULT_VALIDATOR_STAKE = 20_000n * SHANNONS_PER_SOMA
export const DEFAULT_VALIDATOR_GAS = DEFAULT_GAS_AMOUNT * 10n
export const DEFAULT_ACCOUNT_COIN = DEFAULT_GAS_AMOUNT * 10n
export const DEFAULT_COINS_PER_ACCOUNT = 5
export const DEFAULT_LOCAL_ACCOUNTS = 5
export const DEFAULT_EMISSION_PER_EPOCH = 1_370n * SHANNONS_PER_SOMA
