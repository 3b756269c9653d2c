// Generators of valid values for every exported BCS schema (CASES), seeded and deterministic;
// shared by the property tests and the fuzz suite, which mutates their encodings.
import { base58 } from '@scure/base'
import type { BcsType } from '@mysten/bcs'

import * as B from '../../src/bcs/index.js'
import { TRANSACTION_KIND_NAMES } from '../../src/bcs/index.js'

/** xorshift128+: deterministic, seedable. */
export function rng(seed: number) {
  let s0 = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n
  let s1 = BigInt(seed) ^ 0xdeadbeefcafebaben
  const M = (1n << 64n) - 1n
  const next64 = () => {
    let x = s0
    const y = s1
    s0 = y
    x = (x ^ (x << 23n)) & M
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n)
    return (s1 + y) & M
  }
  return {
    u64: () => next64(),
    int: (n: number) => Number(next64() % BigInt(n)),
    bool: () => (next64() & 1n) === 1n,
    bytes: (n: number) => Uint8Array.from({ length: n }, () => Number(next64() & 0xffn)),
  }
}
export type R = ReturnType<typeof rng>

export const g = {
  u64: (r: R) => [0n, 1n, 0xffff_ffff_ffff_ffffn, r.u64(), BigInt(r.int(1000))][r.int(5)]!,
  address: (r: R) => `0x${Buffer.from(r.bytes(32)).toString('hex')}`,
  digest: (r: R) => base58.encode(r.bytes(32)),
  bytes: (r: R) => r.bytes(r.int(40)),
  string: (r: R) => ['', 'a', 'https://example.com/w.bin', 'ünïcødé ✓', '/ip4/127.0.0.1/tcp/8080'][r.int(5)]!,
  f32: (r: R) => Math.fround([0, -0.5, 1.5, 3.4e38, 1e-40, (r.int(2 ** 30) - 2 ** 29) / 7][r.int(6)]!),
  option: <T>(r: R, f: (r: R) => T): T | null => (r.bool() ? f(r) : null),
  vec: <T>(r: R, f: (r: R) => T, max = 4): T[] => Array.from({ length: r.int(max + 1) }, () => f(r)),
}
const objectRef = (r: R) => ({ objectId: g.address(r), version: g.u64(r), digest: g.digest(r) })
const tensor = (r: R) => {
  const n = r.int(6)
  const values = Array.from({ length: n }, () => g.f32(r))
  return r.bool() ? { values, shape: [BigInt(n)] } : n === 0 ? { values, shape: [0n, 3n] } : { values, shape: [1n, BigInt(n)] }
}
const manifest = (r: R) => ({
  $kind: 'V1',
  V1: { url: g.string(r), metadata: { $kind: 'V1', V1: { checksum: g.digest(r), size: g.u64(r) } } },
})
const addrSet = (r: R) => [...new Set(g.vec(r, g.address))].sort()
// Maps are generated in canonical (ascending key) order, the order decoding yields.
const addrMap = <T>(r: R, f: (r: R) => T) =>
  new Map(g.vec(r, (r) => [g.address(r), f(r)] as [string, T]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))

const kinds: Record<string, (r: R) => unknown> = {
  Genesis: (r) => ({ objects: g.vec(r, object, 2) }),
  ConsensusCommitPrologueV1: (r) => ({
    epoch: g.u64(r),
    round: g.u64(r),
    subDagIndex: g.option(r, g.u64),
    commitTimestampMs: g.u64(r),
    consensusCommitDigest: g.digest(r),
    additionalStateDigest: g.digest(r),
  }),
  ChangeEpoch: (r) => ({ epoch: g.u64(r), epochStartTimestampMs: g.u64(r), protocolVersion: g.u64(r), fees: g.u64(r), epochRandomness: g.bytes(r) }),
  AddValidator: (r) =>
    Object.fromEntries(
      ['pubkeyBytes', 'networkPubkeyBytes', 'workerPubkeyBytes', 'proofOfPossession', 'netAddress', 'p2pAddress', 'primaryAddress', 'proxyAddress'].map((k) => [k, g.bytes(r)]),
    ),
  RemoveValidator: (r) => ({ pubkeyBytes: g.bytes(r) }),
  ReportValidator: (r) => ({ reportee: g.address(r) }),
  UndoReportValidator: (r) => ({ reportee: g.address(r) }),
  UpdateValidatorMetadata: (r) =>
    Object.fromEntries(
      [
        'nextEpochNetworkAddress',
        'nextEpochP2pAddress',
        'nextEpochPrimaryAddress',
        'nextEpochProxyAddress',
        'nextEpochProtocolPubkey',
        'nextEpochWorkerPubkey',
        'nextEpochNetworkPubkey',
        'nextEpochProofOfPossession',
      ].map((k) => [k, g.option(r, g.bytes)]),
    ),
  SetCommissionRate: (r) => ({ newRate: g.u64(r) }),
  TransferCoin: (r) => ({ coin: objectRef(r), amount: g.option(r, g.u64), recipient: g.address(r) }),
  PayCoins: (r) => ({ coins: g.vec(r, objectRef), amounts: g.option(r, (r) => g.vec(r, g.u64)), recipients: g.vec(r, g.address) }),
  TransferObjects: (r) => ({ objects: g.vec(r, objectRef), recipient: g.address(r) }),
  AddStake: (r) => ({ address: g.address(r), coinRef: objectRef(r), amount: g.option(r, g.u64) }),
  WithdrawStake: (r) => ({ stakedSoma: objectRef(r) }),
  CreateModel: (r) => ({ stakeAmount: g.u64(r), commissionRate: g.u64(r), architectureVersion: g.u64(r) }),
  CommitModel: (r) => ({
    modelId: g.address(r),
    manifest: manifest(r),
    weightsCommitment: g.digest(r),
    embeddingCommitment: g.digest(r),
    decryptionKeyCommitment: g.digest(r),
  }),
  RevealModel: (r) => ({ modelId: g.address(r), decryptionKey: g.digest(r), embedding: tensor(r) }),
  AddStakeToModel: (r) => ({ modelId: g.address(r), coinRef: objectRef(r), amount: g.option(r, g.u64) }),
  SetModelCommissionRate: (r) => ({ modelId: g.address(r), newRate: g.u64(r) }),
  DeactivateModel: (r) => ({ modelId: g.address(r) }),
  ReportModel: (r) => ({ modelId: g.address(r) }),
  UndoReportModel: (r) => ({ modelId: g.address(r) }),
  SubmitData: (r) => ({
    targetId: g.address(r),
    dataManifest: { manifest: manifest(r) },
    modelId: g.address(r),
    embedding: tensor(r),
    distanceScore: tensor(r),
    lossScore: tensor(r),
    bondCoin: objectRef(r),
  }),
  ClaimRewards: (r) => ({ targetId: g.address(r) }),
  ReportSubmission: (r) => ({ targetId: g.address(r) }),
  UndoReportSubmission: (r) => ({ targetId: g.address(r) }),
}

export function pick<T>(r: R, list: readonly T[]): T {
  return list[r.int(list.length)]!
}
export function enumValue(name: string, value: unknown) {
  return { $kind: name, [name]: value }
}
function owner(r: R) {
  return pick(r, [
    () => enumValue('AddressOwner', g.address(r)),
    () => enumValue('Shared', { initialSharedVersion: g.u64(r) }),
    () => enumValue('Immutable', true),
  ])()
}
function object(r: R) {
  return {
    data: { objectType: enumValue(pick(r, ['SystemState', 'Coin', 'StakedSoma', 'Target']), true), version: g.u64(r), contents: g.bytes(r) },
    owner: owner(r),
    previousTransaction: g.digest(r),
  }
}
function kind(r: R, name = pick(r, TRANSACTION_KIND_NAMES)) {
  return enumValue(name, kinds[name]!(r))
}
const stakingPool = (r: R) => ({
  id: g.address(r),
  activationEpoch: g.option(r, g.u64),
  deactivationEpoch: g.option(r, g.u64),
  somaBalance: g.u64(r),
  rewardsPool: g.u64(r),
  poolTokenBalance: g.u64(r),
  exchangeRates: new Map(
    g.vec(r, (r) => [g.u64(r), { somaAmount: g.u64(r), poolTokenAmount: g.u64(r) }] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  ),
  pendingStake: g.u64(r),
  pendingTotalSomaWithdraw: g.u64(r),
  pendingPoolTokenWithdraw: g.u64(r),
})
const validator = (r: R) => ({
  metadata: {
    somaAddress: g.address(r),
    protocolPubkey: r.bytes(96),
    networkPubkey: r.bytes(32),
    workerPubkey: r.bytes(32),
    netAddress: g.string(r),
    p2pAddress: g.string(r),
    primaryAddress: g.string(r),
    proxyAddress: g.string(r),
    proofOfPossession: r.bytes(48),
    nextEpochProtocolPubkey: g.option(r, (r) => r.bytes(96)),
    nextEpochNetworkPubkey: g.option(r, (r) => r.bytes(32)),
    nextEpochNetAddress: g.option(r, g.string),
    nextEpochP2pAddress: g.option(r, g.string),
    nextEpochPrimaryAddress: g.option(r, g.string),
    nextEpochWorkerPubkey: g.option(r, (r) => r.bytes(32)),
    nextEpochProofOfPossession: g.option(r, (r) => r.bytes(48)),
    nextEpochProxyAddress: g.option(r, g.string),
  },
  votingPower: g.u64(r),
  stakingPool: stakingPool(r),
  commissionRate: g.u64(r),
  nextEpochStake: g.u64(r),
  nextEpochCommissionRate: g.u64(r),
})
const PARAM_TENSORS = new Set(['targetInitialDistanceThreshold', 'targetMaxDistanceThreshold', 'targetMinDistanceThreshold'])
const PARAM_NAMES = [
  'epochDurationMs', 'validatorRewardAllocationBps', 'modelMinStake', 'modelArchitectureVersion', 'modelRevealSlashRateBps',
  'modelTallySlashRateBps', 'targetEpochFeeCollection', 'baseFee', 'writeObjectFee', 'valueFeeBps', 'minValueFeeBps',
  'maxValueFeeBps', 'feeAdjustmentRateBps', 'targetModelsPerTarget', 'targetEmbeddingDim', 'targetInitialDistanceThreshold',
  'targetRewardAllocationBps', 'targetHitsPerEpoch', 'targetHitsEmaDecayBps', 'targetDifficultyAdjustmentRateBps',
  'targetMaxDistanceThreshold', 'targetMinDistanceThreshold', 'targetInitialTargetsPerEpoch', 'targetSubmitterRewardShareBps',
  'targetModelRewardShareBps', 'targetClaimerIncentiveBps', 'submissionBondPerByte', 'maxSubmissionDataSize',
]
const parameters = (r: R) => Object.fromEntries(PARAM_NAMES.map((k) => [k, PARAM_TENSORS.has(k) ? tensor(r) : g.u64(r)]))
const committed = (r: R) => ({ manifest: manifest(r), weightsCommitment: g.digest(r), embeddingCommitment: g.digest(r), decryptionKeyCommitment: g.digest(r) })
const head = (r: R) => ({ owner: g.address(r), architectureVersion: g.u64(r), stakingPool: stakingPool(r), commissionRate: g.u64(r), nextEpochCommissionRate: g.u64(r) })
const model = (r: R) =>
  enumValue(
    'V1',
    pick(r, [
      () => enumValue('Created', { ...head(r), createEpoch: g.u64(r) }),
      () => enumValue('Pending', { ...head(r), ...committed(r), commitEpoch: g.u64(r) }),
      () =>
        enumValue('Active', {
          ...head(r),
          ...committed(r),
          decryptionKey: g.digest(r),
          embedding: tensor(r),
          pendingUpdate: g.option(r, (r) => ({ ...committed(r), commitEpoch: g.u64(r) })),
        }),
      () => enumValue('Inactive', { ...head(r), ...committed(r), decryptionKey: g.digest(r), embedding: tensor(r) }),
    ])(),
  )
const systemState = (r: R) =>
  enumValue('V1', {
    epoch: g.u64(r),
    protocolVersion: g.u64(r),
    validators: {
      totalStake: g.u64(r),
      validators: g.vec(r, validator, 2),
      pendingValidators: g.vec(r, validator, 1),
      pendingRemovals: g.vec(r, g.u64),
      stakingPoolMappings: addrMap(r, g.address),
      inactiveValidators: addrMap(r, validator),
      atRiskValidators: addrMap(r, g.u64),
    },
    parameters: parameters(r),
    epochStartTimestampMs: g.u64(r),
    validatorReportRecords: addrMap(r, addrSet),
    modelRegistry: {
      models: addrMap(r, model),
      stakingPoolMappings: addrMap(r, g.address),
      totalModelStake: g.u64(r),
      modelReportRecords: addrMap(r, addrSet),
    },
    emissionPool: { balance: g.u64(r), emissionPerEpoch: g.u64(r) },
    targetState: { distanceThreshold: tensor(r), targetsGeneratedThisEpoch: g.u64(r), hitsThisEpoch: g.u64(r), hitsEma: g.u64(r), rewardPerTarget: g.u64(r) },
    safeMode: r.bool(),
    safeModeAccumulatedFees: g.u64(r),
    safeModeAccumulatedEmissions: g.u64(r),
  })
const target = (r: R) => ({
  embedding: tensor(r),
  modelIds: g.vec(r, g.address),
  distanceThreshold: tensor(r),
  rewardPool: g.u64(r),
  generationEpoch: g.u64(r),
  status: pick(r, [() => enumValue('Open', true), () => enumValue('Filled', { fillEpoch: g.u64(r) }), () => enumValue('Claimed', true)])(),
  submitter: g.option(r, g.address),
  winningModelId: g.option(r, g.address),
  winningModelOwner: g.option(r, g.address),
  bondAmount: g.u64(r),
  winningDataManifest: g.option(r, (r) => ({ manifest: manifest(r) })),
  winningEmbedding: g.option(r, tensor),
  winningDistanceScore: g.option(r, tensor),
  winningLossScore: g.option(r, tensor),
  submissionReports: addrSet(r),
})
// AuthorityName and PeerId values as decoding yields them: canonical Base64 and bare lowercase hex.
const authorityName = (r: R) => Buffer.from(r.bytes(96)).toString('base64')
const peerId = (r: R) => Buffer.from(r.bytes(32)).toString('hex')
/** A Map written in the order of the keys' bytes (the order the Rust bcs crate writes maps in). */
const sortedMap = <T>(entries: [string, T][], keyBytes: (k: string) => Uint8Array) => {
  const unique = [...new Map(entries).entries()]
  unique.sort((a, b) => Buffer.compare(keyBytes(a[0]), keyBytes(b[0])))
  return new Map(unique)
}
const nameBytes = (k: string) => Buffer.from(k, 'base64')
const authority = (r: R) => ({
  stake: g.u64(r),
  address: g.string(r),
  hostname: g.string(r),
  protocolKey: r.bytes(32),
  networkKey: r.bytes(32),
  authorityKey: r.bytes(96),
})
const committee = (r: R) => {
  const names = g.vec(r, authorityName, 3)
  return {
    epoch: g.u64(r),
    votingRights: names.map((n) => [n, g.u64(r)]),
    expandedKeys: sortedMap(names.map((n) => [n, r.bytes(96)]), nameBytes),
    indexMap: sortedMap(names.map((n) => [n, g.u64(r)]), nameBytes),
    authorities: sortedMap(names.map((n) => [n, authority(r)]), nameBytes),
  }
}
const withError = (r: R) => ({ error: g.string(r) })
/**
 * One generator per `SomaError` variant, written out in the reference's declaration order
 * (`types/src/error.rs`), so that a test can check each variant's tag against its position here.
 * `null` marks a unit variant. `depth` bounds the recursion through TooManyIncorrectAuthorities.
 */
export const SOMA_ERRORS: Record<string, ((r: R, depth: number) => unknown) | null> = {
  InvalidCommittee: (r) => g.string(r),
  SignatureKeyGenError: (r) => g.string(r),
  InvalidPrivateKey: null,
  KeyConversionError: (r) => g.string(r),
  InvalidSignature: withError,
  InvalidAddress: null,
  IncorrectSigner: withError,
  RpcError: (r) => [g.string(r), g.string(r)],
  ValidatorHaltedAtEpochEnd: null,
  EpochEnded: (r) => g.u64(r),
  AdvanceEpochError: withError,
  TimeoutError: null,
  TransactionOrchestratorLocalExecutionError: withError,
  FailedToSubmitToConsensus: (r) => g.string(r),
  GenericAuthorityError: withError,
  MissingCommitteeAtEpoch: (r) => g.u64(r),
  QuorumDriverCommunicationError: withError,
  FailedToVerifyTxCertWithExecutedEffects: (r) => ({ validatorName: authorityName(r), error: g.string(r) }),
  TooManyIncorrectAuthorities: (r, depth) => ({
    errors: depth > 0 ? g.vec(r, (r) => [authorityName(r), somaError(r, depth - 1)], 2) : [],
    action: g.string(r),
  }),
  WrongEpoch: (r) => ({ expectedEpoch: g.u64(r), actualEpoch: g.u64(r) }),
  SignerSignatureNumberMismatch: (r) => ({ expected: g.u64(r), actual: g.u64(r) }),
  SignerSignatureAbsent: (r) => ({ expected: g.string(r), actual: g.vec(r, g.string) }),
  UnknownSigner: (r) => ({ signer: g.option(r, g.string), index: g.option(r, (r) => r.int(2 ** 32)), committee: committee(r) }),
  InvalidAuthenticator: null,
  CertificateRequiresQuorum: null,
  StakeAggregatorRepeatedSigner: (r) => ({ signer: authorityName(r), conflictingSig: r.bool() }),
  ByzantineAuthoritySuspicion: (r) => ({ authority: authorityName(r), reason: g.string(r) }),
  InvalidDigestLength: (r) => ({ expected: g.u64(r), actual: g.u64(r) }),
  QuorumFailedToGetEffectsQuorumWhenProcessingTransaction: (r) => ({
    effectsMap: sortedMap(
      g.vec(r, (r) => [g.digest(r), [g.vec(r, authorityName, 3), g.u64(r)]] as [string, unknown]),
      (k) => base58.decode(k),
    ),
  }),
  ErrorWhileProcessingCertificate: (r) => ({ err: g.string(r) }),
  FullNodeCantHandleCertificate: null,
  InvalidTransactionDigest: null,
  ObjectNotFound: (r) => ({ objectId: g.address(r), version: g.option(r, g.u64) }),
  ObjectLockConflict: (r) => ({ objRef: objectRef(r), pendingTransaction: g.digest(r) }),
  ObjectVersionUnavailableForConsumption: (r) => ({ providedObjRef: objectRef(r), currentVersion: g.u64(r) }),
  InvalidObjectDigest: (r) => ({ objectId: g.address(r), expectedDigest: g.digest(r) }),
  Storage: (r) => g.string(r),
  ObjectLockAlreadyInitialized: (r) => ({ refs: g.vec(r, objectRef) }),
  SystemStateReadError: (r) => g.string(r),
  NetworkConfig: (r) => g.string(r),
  NetworkClientConnection: (r) => g.string(r),
  NetworkServerConnection: (r) => g.string(r),
  PeerNotFound: peerId,
  Consensus: (r) => g.string(r),
  NoCommitteeForEpoch: (r) => g.u64(r),
  UnexpectedOwnerType: null,
  DuplicateObjectRefInput: null,
  SerializationFailure: (r) => g.string(r),
  FailedVDF: (r) => g.string(r),
  ShardSamplingError: (r) => g.string(r),
  InvalidFinalityProof: (r) => g.string(r),
  VerifiedCheckpointNotFound: (r) => g.u64(r),
  VerifiedCheckpointDigestNotFound: (r) => g.string(r),
  LatestCheckpointSequenceNumberNotFound: null,
  CheckpointContentsNotFound: (r) => g.digest(r),
  TransactionSerializationError: withError,
  TransactionDeserializationError: withError,
  TransactionEffectsSerializationError: withError,
  TransactionEffectsDeserializationError: withError,
  ObjectSerializationError: withError,
  ObjectDeserializationError: withError,
  FileIOError: (r) => g.string(r),
  GrpcMessageSerializeError: (r) => ({ typeInfo: g.string(r), error: g.string(r) }),
  GrpcMessageDeserializeError: (r) => ({ typeInfo: g.string(r), error: g.string(r) }),
  InvalidRequest: (r) => g.string(r),
  TotalTransactionSizeTooLargeInBatch: (r) => ({ size: g.u64(r), limit: g.u64(r) }),
  UnsupportedFeatureError: withError,
  TooManyRequests: null,
  IncorrectUserSignature: withError,
  GenesisTransactionNotFound: null,
  Unknown: (r) => g.string(r),
  TransactionNotFound: (r) => ({ digest: g.digest(r) }),
  TransactionsNotFound: (r) => ({ digests: g.vec(r, g.digest) }),
  TooManyTransactionsPendingConsensus: null,
  ValidatorConsensusLagging: (r) => ({ round: r.int(2 ** 32), lastCommittedRound: r.int(2 ** 32) }),
  ExecutionError: (r) => g.string(r),
  TxAlreadyFinalizedWithDifferentUserSigs: null,
  TransactionDenied: withError,
  SharedObjectStartingVersionMismatch: null,
  NotSharedObjectError: null,
  InvalidSequenceNumber: null,
  NotOwnedObjectError: null,
  MutableObjectUsedMoreThanOnce: (r) => ({ objectId: g.address(r) }),
  ObjectInputArityViolation: null,
  MutableParameterExpected: (r) => ({ objectId: g.address(r) }),
  GasPaymentError: (r) => g.string(r),
  EncoderServiceUnavailable: null,
  TransactionNotFinalized: null,
  NotEmbedDataTransaction: null,
  TransactionFailed: (r) => g.string(r),
  VdfComputationFailed: (r) => g.string(r),
}
export function somaError(r: R, depth = 2, name = pick(r, Object.keys(SOMA_ERRORS))): unknown {
  const f = SOMA_ERRORS[name]!
  return enumValue(name, f ? f(r, depth) : true)
}
/**
 * One generator per `ExecutionFailureStatus` variant, in the reference's declaration order
 * (`types/src/effects/mod.rs`); `null` marks a unit variant. A test checks each tag against its
 * position here, so a variant missing from this table (or from the schema) shows up.
 */
export const FAILURES: Record<string, ((r: R) => unknown) | null> = {
  InsufficientGas: null,
  InvalidOwnership: (r) => ({ objectId: g.address(r), expectedOwner: g.address(r), actualOwner: g.option(r, g.address) }),
  ObjectNotFound: (r) => ({ objectId: g.address(r) }),
  InvalidObjectType: (r) => ({ objectId: g.address(r), expectedType: enumValue('Coin', true), actualType: enumValue('Target', true) }),
  InvalidTransactionType: null,
  InvalidArguments: (r) => ({ reason: g.string(r) }),
  DuplicateValidator: null,
  DuplicateValidatorMetadata: (r) => ({ field: g.string(r) }),
  MissingProofOfPossession: null,
  InvalidProofOfPossession: (r) => ({ reason: g.string(r) }),
  NotAValidator: null,
  ValidatorAlreadyRemoved: null,
  AdvancedToWrongEpoch: null,
  ModelNotFound: null,
  NotModelOwner: null,
  ModelNotActive: null,
  ModelNotPending: null,
  ModelNotCreated: null,
  ModelInvalidState: null,
  ModelAlreadyInactive: null,
  ModelRevealEpochMismatch: null,
  ModelEmbeddingCommitmentMismatch: null,
  ModelDecryptionKeyCommitmentMismatch: null,
  ModelNoPendingUpdate: null,
  ModelArchitectureVersionMismatch: null,
  ModelCommissionRateTooHigh: null,
  ModelMinStakeNotMet: null,
  NoActiveModels: null,
  TargetNotFound: null,
  TargetNotOpen: null,
  TargetExpired: (r) => ({ generationEpoch: g.u64(r), currentEpoch: g.u64(r) }),
  TargetNotFilled: null,
  AuditWindowOpen: (r) => ({ fillEpoch: g.u64(r), currentEpoch: g.u64(r) }),
  TargetAlreadyClaimed: null,
  ModelNotInTarget: (r) => ({ modelId: g.address(r), targetId: g.address(r) }),
  EmbeddingDimensionMismatch: (r) => ({ expected: g.u64(r), actual: g.u64(r) }),
  DistanceExceedsThreshold: (r) => ({ score: tensor(r), threshold: tensor(r) }),
  InsufficientBond: (r) => ({ required: g.u64(r), provided: g.u64(r) }),
  DataExceedsMaxSize: (r) => ({ size: g.u64(r), maxSize: g.u64(r) }),
  InsufficientEmissionBalance: null,
  AuditWindowClosed: (r) => ({ fillEpoch: g.u64(r), currentEpoch: g.u64(r) }),
  InsufficientCoinBalance: null,
  CoinBalanceOverflow: null,
  ArithmeticOverflow: null,
  ValidatorNotFound: null,
  StakingPoolNotFound: null,
  CannotReportOneself: null,
  ReportRecordNotFound: null,
  InputObjectDeleted: null,
  CertificateDenied: null,
  ExecutionCancelledDueToSharedObjectCongestion: null,
  SomaError: (r) => somaError(r),
}
export const effects = (r: R, status?: unknown) => {
  const failure = pick(r, Object.keys(FAILURES))
  const f = FAILURES[failure]!
  return enumValue('V1', {
    status: status ?? (r.bool() ? enumValue('Success', true) : enumValue('Failure', { error: enumValue(failure, f ? f(r) : true) })),
    executedEpoch: g.u64(r),
    transactionFee: { baseFee: g.u64(r), operationFee: g.u64(r), valueFee: g.u64(r), totalFee: g.u64(r) },
    transactionDigest: g.digest(r),
    gasObjectIndex: g.option(r, (r) => r.int(2 ** 32)),
    dependencies: g.vec(r, g.digest),
    version: g.u64(r),
    changedObjects: g.vec(r, (r) => ({
      objectId: g.address(r),
      change: {
        inputState: r.bool() ? enumValue('NotExist', true) : enumValue('Exist', { versionDigest: { version: g.u64(r), digest: g.digest(r) }, owner: owner(r) }),
        outputState: r.bool() ? enumValue('NotExist', true) : enumValue('ObjectWrite', { digest: g.digest(r), owner: owner(r) }),
        idOperation: enumValue(pick(r, ['None', 'Created', 'Deleted']), true),
      },
    })),
    unchangedSharedObjects: g.vec(r, (r) => ({
      objectId: g.address(r),
      kind: pick(r, [
        () => enumValue('ReadOnlyRoot', { version: g.u64(r), digest: g.digest(r) }),
        () => enumValue('MutateDeleted', g.u64(r)),
        () => enumValue('ReadDeleted', g.u64(r)),
        () => enumValue('Cancelled', g.u64(r)),
      ])(),
    })),
  })
}
const multisig = (r: R) => ({
  sigs: g.vec(r, (r) => enumValue('Ed25519', r.bytes(64)), 3),
  bitmap: r.int(1024),
  multisigPk: { pkMap: g.vec(r, (r) => ({ publicKey: enumValue('Ed25519', r.bytes(32)), weight: r.int(256) }), 3), threshold: r.int(65536) },
})
const txData = (r: R) => enumValue('V1', { kind: kind(r), sender: g.address(r), gasPayment: g.vec(r, objectRef) })

export const CASES: [string, BcsType<any, any>, (r: R) => unknown][] = [
  ['ObjectRef', B.ObjectRef, objectRef],
  ['SomaTensor', B.SomaTensor, tensor],
  ['Manifest', B.Manifest, manifest],
  ['SubmissionManifest', B.SubmissionManifest, (r) => ({ manifest: manifest(r) })],
  ['TransactionKind', B.TransactionKind, (r) => kind(r)],
  ['TransactionData', B.TransactionData, txData],
  ['SenderSignedData', B.SenderSignedData, (r) => ({
    intentMessage: { intent: { scope: r.int(256), version: r.int(256), appId: r.int(256) }, value: txData(r) },
    txSignatures: g.vec(r, (r) => r.bytes(97), 2),
  })],
  ['Object', B.SomaObject, object],
  ['Owner', B.Owner, owner],
  ['Coin', B.Coin, (r) => ({ balance: g.u64(r) })],
  ['StakedSoma', B.StakedSoma, (r) => ({ poolId: g.address(r), stakeActivationEpoch: g.u64(r), principal: g.u64(r) })],
  ['Target', B.Target, target],
  ['StakingPool', B.StakingPool, stakingPool],
  ['Validator', B.Validator, validator],
  ['SystemParameters', B.SystemParameters, parameters],
  ['Model', B.Model, model],
  ['SystemState', B.SystemState, systemState],
  ['TransactionEffects', B.TransactionEffects, (r) => effects(r)],
  ['SomaError', B.SomaError, (r) => somaError(r)],
  ['Committee', B.Committee, committee],
  ['MultiSig', B.MultiSig, multisig],
]

// The schemas that other types embed, each also exercised on its own.
const V = (value: unknown) => value as any
CASES.push(
  ['Address', B.Address, g.address],
  ['Digest', B.Digest, g.digest],
  ['U64', B.U64, g.u64],
  ['F32', B.F32, g.f32],
  ['Url', B.Url, g.string],
  ['Metadata', B.Metadata, (r) => manifest(r).V1.metadata],
  ['AddressSet', B.AddressSet, addrSet],
  ['ObjectType', B.ObjectType, (r) => object(r).data.objectType],
  ['ObjectData', B.ObjectData, (r) => object(r).data],
  ['PoolTokenExchangeRate', B.PoolTokenExchangeRate, (r) => ({ somaAmount: g.u64(r), poolTokenAmount: g.u64(r) })],
  ['ValidatorMetadata', B.ValidatorMetadata, (r) => validator(r).metadata],
  ['ValidatorSet', B.ValidatorSet, (r) => V(systemState(r)).V1.validators],
  ['ModelRegistry', B.ModelRegistry, (r) => V(systemState(r)).V1.modelRegistry],
  ['EmissionPool', B.EmissionPool, (r) => ({ balance: g.u64(r), emissionPerEpoch: g.u64(r) })],
  ['TargetState', B.TargetState, (r) => V(systemState(r)).V1.targetState],
  ['TargetStatus', B.TargetStatus, (r) => target(r).status],
  ['ModelStateV1', B.ModelStateV1, (r) => V(model(r)).V1],
  ['SystemStateV1', B.SystemStateV1, (r) => V(systemState(r)).V1],
  ['TransactionDataV1', B.TransactionDataV1, (r) => V(txData(r)).V1],
  ['Intent', B.Intent, (r) => ({ scope: r.int(256), version: r.int(256), appId: r.int(256) })],
  ['IntentMessage', B.IntentMessage, (r) => ({ intent: { scope: 0, version: 0, appId: 1 }, value: txData(r) })],
  ['SenderSignedTransaction', B.SenderSignedTransaction, (r) => ({ intentMessage: { intent: { scope: 0, version: 0, appId: 1 }, value: txData(r) }, txSignatures: g.vec(r, (r) => r.bytes(97), 2) })],
  ['TransactionFee', B.TransactionFee, (r) => V(effects(r)).V1.transactionFee],
  ['ExecutionStatus', B.ExecutionStatus, (r) => V(effects(r)).V1.status],
  ['ExecutionFailureStatus', B.ExecutionFailureStatus, (r) => {
    const name = pick(r, Object.keys(FAILURES))
    const f = FAILURES[name]!
    return enumValue(name, f ? f(r) : true)
  }],
  ['TransactionEffectsV1', B.TransactionEffectsV1, (r) => V(effects(r)).V1],
  ['Authority', B.Authority, authority],
  ['AuthorityName', B.AuthorityName, authorityName],
  ['PeerId', B.PeerId, peerId],
  ['MultiSigPublicKey', B.MultiSigPublicKey, (r) => multisig(r).multisigPk],
  ['CompressedSignature', B.CompressedSignature, (r) => enumValue('Ed25519', r.bytes(64))],
)
