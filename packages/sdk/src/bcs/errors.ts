/**
 * The node's internal error enum `SomaError` (reference: `types/src/error.rs`), which a failed
 * transaction's effects can carry as `ExecutionFailureStatus::SomaError`, and the types it uses:
 * `Committee` and `Authority` (`types/src/committee.rs`), `AuthorityName`
 * (`AuthorityPublicKeyBytes`, `types/src/crypto.rs`) and `PeerId` (`types/src/peer_id.rs`).
 * The 91 variants are listed in declaration order, which is the BCS tag: do not reorder.
 *
 * Friendly values: newtype variants hold their single value directly (`{ Storage: 'disk full' }`),
 * `RpcError` holds a `[message, code]` pair, struct variants are objects with camelCase fields,
 * unit variants decode to `true`. `usize` fields travel as u64 (bigint).
 */
import { bcs, BcsType } from '@mysten/bcs'

import { InvalidArgumentError } from '../errors/index.js'
import { fromBase64, fromHex, toBase64, toHex } from '../utils/encoding.js'
import { Bls12381PublicKey, Ed25519PublicKey, Multiaddr } from './objects.js'
import { Digest, ObjectId, ObjectRef, U64 } from './primitives.js'
import { compareBytes } from './util.js'
import { vector } from './bounded.js'

const AUTHORITY_NAME_LENGTH = 96
const PEER_ID_LENGTH = 32

/**
 * `AuthorityName`, the 96 bytes of a validator's BLS public key. Unlike fastcrypto's own key types
 * it is serialized through serde_with's `Bytes`, so BCS writes it as a byte vector: `0x60` then the
 * 96 bytes. Shown as Base64, the reference's human-readable form; raw bytes are accepted on input.
 */
export const AuthorityName = bcs.byteVector().transform({
  name: 'AuthorityName',
  input: (value: string | Uint8Array) => {
    const bytes = typeof value === 'string' ? fromBase64(value) : value
    if (!(bytes instanceof Uint8Array) || bytes.length !== AUTHORITY_NAME_LENGTH) {
      throw new InvalidArgumentError(`an authority name must be ${AUTHORITY_NAME_LENGTH} bytes`)
    }
    return bytes
  },
  output: (bytes: Uint8Array) => {
    if (bytes.length !== AUTHORITY_NAME_LENGTH) {
      throw new InvalidArgumentError(`authority name has ${bytes.length} bytes, expected ${AUTHORITY_NAME_LENGTH}`)
    }
    return toBase64(bytes)
  },
})

/**
 * `PeerId`: 32 bytes written as a fixed array (no length prefix) by its hand-written serializer.
 * Shown as 64 lowercase hex digits without `0x`, as the reference prints it.
 */
export const PeerId = bcs.bytes(PEER_ID_LENGTH).transform({
  name: 'PeerId',
  input: (value: string | Uint8Array) => {
    const bytes = typeof value === 'string' ? fromHex(value) : value
    if (!(bytes instanceof Uint8Array) || bytes.length !== PEER_ID_LENGTH) {
      throw new InvalidArgumentError(`a peer id must be ${PEER_ID_LENGTH} bytes`)
    }
    return bytes
  },
  output: (bytes: Uint8Array) => toHex(bytes),
})

/**
 * A `BTreeMap<K, V>` whose keys have a text form (digests, authority names), as a JS Map. Entries
 * are written in the order of their keys' BCS bytes, which is how the Rust `bcs` crate orders a
 * map and what its decoder insists on; duplicate keys are refused.
 */
function textKeyedMap<V, I>(key: BcsType<string, string | Uint8Array>, value: BcsType<V, I>, name: string) {
  return vector(bcs.tuple([key, value])).transform({
    name,
    input: (map: Map<string, I> | Iterable<[string | Uint8Array, I]>) => {
      const entries = Array.from(map instanceof Map ? map.entries() : map, ([k, v]) => {
        const keyBytes = key.serialize(k).toBytes()
        return { keyBytes, entry: [key.parse(keyBytes), v] as [string, I] }
      })
      entries.sort((a, b) => compareBytes(a.keyBytes, b.keyBytes))
      for (let i = 1; i < entries.length; i++) {
        if (compareBytes(entries[i]!.keyBytes, entries[i - 1]!.keyBytes) === 0) {
          throw new InvalidArgumentError(`duplicate map key ${entries[i]!.entry[0]}`)
        }
      }
      return entries.map((e) => e.entry)
    },
    output: (list) => new Map(list.map(([k, v]) => [k, v] as [string, V])),
  })
}

/** `Authority`: one committee member as the node keeps it. */
export const Authority = bcs.struct('Authority', {
  stake: U64,
  address: Multiaddr,
  hostname: bcs.string(),
  /** `ProtocolPublicKey` (Ed25519, 32 bytes, fixed array). */
  protocolKey: Ed25519PublicKey,
  /** `NetworkPublicKey` (Ed25519, 32 bytes, fixed array). */
  networkKey: Ed25519PublicKey,
  /** `AuthorityPublicKey` (BLS12-381 G2, 96 bytes, fixed array: fastcrypto's encoding, not `AuthorityName`'s). */
  authorityKey: Bls12381PublicKey,
})
export type Authority = typeof Authority.$inferType

/**
 * `Committee`. Its derived serializer writes the cached `expanded_keys` and `index_map` too, so
 * they are part of the wire form and sit between `voting_rights` and `authorities`.
 */
export const Committee = bcs.struct('Committee', {
  epoch: U64,
  votingRights: vector(bcs.tuple([AuthorityName, U64])),
  expandedKeys: textKeyedMap(AuthorityName, Bls12381PublicKey, 'BTreeMap<AuthorityName, AuthorityPublicKey>'),
  indexMap: textKeyedMap(AuthorityName, U64, 'BTreeMap<AuthorityName, usize>'),
  authorities: textKeyedMap(AuthorityName, Authority, 'BTreeMap<AuthorityName, Authority>'),
})
export type Committee = typeof Committee.$inferType
export type CommitteeInput = typeof Committee.$inferInput

/**
 * What a `SomaError` nested inside `TooManyIncorrectAuthorities` decodes to. The recursion keeps
 * TypeScript from inferring the nested value's exact union, so it is typed by its outer shape:
 * one variant, tagged with `$kind`. The schema itself checks the full layout at every level.
 */
export interface NestedSomaError {
  readonly $kind: string
  readonly [variant: string]: unknown
}
export type NestedSomaErrorInput = { readonly [variant: string]: unknown }

/**
 * The Rust `bcs` decoder refuses values nested deeper than 500 structs/enums. Inside
 * `TransactionEffects` the outermost `SomaError` already sits four containers down, so no value the
 * node accepts nests more `SomaError`s than this; deeper input is refused here with a clear message
 * instead of running towards the JS stack limit.
 */
export const MAX_NESTED_SOMA_ERRORS = 495

let nestedDepth = 0

/** The recursive slot: the `SomaError` schema below, looked up when first used, with a depth guard. */
const NestedSomaError: BcsType<NestedSomaError, NestedSomaErrorInput> = new BcsType<NestedSomaError, NestedSomaErrorInput>({
  name: 'SomaError',
  read: (reader): NestedSomaError => {
    if (nestedDepth >= MAX_NESTED_SOMA_ERRORS) {
      throw new InvalidArgumentError(`SomaError nested more than ${MAX_NESTED_SOMA_ERRORS} levels deep`)
    }
    nestedDepth++
    try {
      return SomaError.read(reader) as NestedSomaError
    } finally {
      nestedDepth--
    }
  },
  write: (value, writer): void => {
    if (nestedDepth >= MAX_NESTED_SOMA_ERRORS) {
      throw new InvalidArgumentError(`SomaError nested more than ${MAX_NESTED_SOMA_ERRORS} levels deep`)
    }
    nestedDepth++
    try {
      SomaError.write(value as never, writer)
    } finally {
      nestedDepth--
    }
  },
})

const text = bcs.string()
/** Struct variants that carry one `String` field, named as the reference names it. */
const withError = (name: string) => bcs.struct(name, { error: text })

/** Every variant of `SomaError` in declaration order (the BCS tag). */
const somaErrorVariants = {
  InvalidCommittee: text,
  SignatureKeyGenError: text,
  InvalidPrivateKey: null,
  KeyConversionError: text,
  InvalidSignature: withError('InvalidSignature'),
  InvalidAddress: null,
  IncorrectSigner: withError('IncorrectSigner'),
  /** `RpcError(message, code description)`. */
  RpcError: bcs.tuple([text, text]),
  ValidatorHaltedAtEpochEnd: null,
  EpochEnded: U64,
  AdvanceEpochError: withError('AdvanceEpochError'),
  TimeoutError: null,
  TransactionOrchestratorLocalExecutionError: withError('TransactionOrchestratorLocalExecutionError'),
  FailedToSubmitToConsensus: text,
  GenericAuthorityError: withError('GenericAuthorityError'),
  MissingCommitteeAtEpoch: U64,
  QuorumDriverCommunicationError: withError('QuorumDriverCommunicationError'),
  FailedToVerifyTxCertWithExecutedEffects: bcs.struct('FailedToVerifyTxCertWithExecutedEffects', {
    validatorName: AuthorityName,
    error: text,
  }),
  TooManyIncorrectAuthorities: bcs.struct('TooManyIncorrectAuthorities', {
    errors: vector(bcs.tuple([AuthorityName, NestedSomaError])),
    action: text,
  }),
  WrongEpoch: bcs.struct('WrongEpoch', { expectedEpoch: U64, actualEpoch: U64 }),
  SignerSignatureNumberMismatch: bcs.struct('SignerSignatureNumberMismatch', { expected: U64, actual: U64 }),
  SignerSignatureAbsent: bcs.struct('SignerSignatureAbsent', { expected: text, actual: vector(text) }),
  UnknownSigner: bcs.struct('UnknownSigner', {
    signer: bcs.option(text),
    index: bcs.option(bcs.u32()),
    committee: Committee,
  }),
  InvalidAuthenticator: null,
  CertificateRequiresQuorum: null,
  StakeAggregatorRepeatedSigner: bcs.struct('StakeAggregatorRepeatedSigner', {
    signer: AuthorityName,
    conflictingSig: bcs.bool(),
  }),
  ByzantineAuthoritySuspicion: bcs.struct('ByzantineAuthoritySuspicion', { authority: AuthorityName, reason: text }),
  InvalidDigestLength: bcs.struct('InvalidDigestLength', { expected: U64, actual: U64 }),
  QuorumFailedToGetEffectsQuorumWhenProcessingTransaction: bcs.struct(
    'QuorumFailedToGetEffectsQuorumWhenProcessingTransaction',
    {
      effectsMap: textKeyedMap(
        Digest,
        bcs.tuple([vector(AuthorityName), U64]),
        'BTreeMap<TransactionEffectsDigest, (Vec<AuthorityName>, VotingPower)>',
      ),
    },
  ),
  ErrorWhileProcessingCertificate: bcs.struct('ErrorWhileProcessingCertificate', { err: text }),
  FullNodeCantHandleCertificate: null,
  InvalidTransactionDigest: null,
  ObjectNotFound: bcs.struct('ObjectNotFound', { objectId: ObjectId, version: bcs.option(U64) }),
  ObjectLockConflict: bcs.struct('ObjectLockConflict', { objRef: ObjectRef, pendingTransaction: Digest }),
  ObjectVersionUnavailableForConsumption: bcs.struct('ObjectVersionUnavailableForConsumption', {
    providedObjRef: ObjectRef,
    currentVersion: U64,
  }),
  InvalidObjectDigest: bcs.struct('InvalidObjectDigest', { objectId: ObjectId, expectedDigest: Digest }),
  Storage: text,
  ObjectLockAlreadyInitialized: bcs.struct('ObjectLockAlreadyInitialized', { refs: vector(ObjectRef, { minElementBytes: 73 }) }),
  SystemStateReadError: text,
  NetworkConfig: text,
  NetworkClientConnection: text,
  NetworkServerConnection: text,
  PeerNotFound: PeerId,
  Consensus: text,
  NoCommitteeForEpoch: U64,
  UnexpectedOwnerType: null,
  DuplicateObjectRefInput: null,
  SerializationFailure: text,
  FailedVDF: text,
  ShardSamplingError: text,
  InvalidFinalityProof: text,
  VerifiedCheckpointNotFound: U64,
  VerifiedCheckpointDigestNotFound: text,
  LatestCheckpointSequenceNumberNotFound: null,
  CheckpointContentsNotFound: Digest,
  TransactionSerializationError: withError('TransactionSerializationError'),
  TransactionDeserializationError: withError('TransactionDeserializationError'),
  TransactionEffectsSerializationError: withError('TransactionEffectsSerializationError'),
  TransactionEffectsDeserializationError: withError('TransactionEffectsDeserializationError'),
  ObjectSerializationError: withError('ObjectSerializationError'),
  ObjectDeserializationError: withError('ObjectDeserializationError'),
  FileIOError: text,
  GrpcMessageSerializeError: bcs.struct('GrpcMessageSerializeError', { typeInfo: text, error: text }),
  GrpcMessageDeserializeError: bcs.struct('GrpcMessageDeserializeError', { typeInfo: text, error: text }),
  InvalidRequest: text,
  TotalTransactionSizeTooLargeInBatch: bcs.struct('TotalTransactionSizeTooLargeInBatch', { size: U64, limit: U64 }),
  UnsupportedFeatureError: withError('UnsupportedFeatureError'),
  TooManyRequests: null,
  IncorrectUserSignature: withError('IncorrectUserSignature'),
  GenesisTransactionNotFound: null,
  Unknown: text,
  TransactionNotFound: bcs.struct('TransactionNotFound', { digest: Digest }),
  TransactionsNotFound: bcs.struct('TransactionsNotFound', { digests: vector(Digest, { minElementBytes: 33 }) }),
  TooManyTransactionsPendingConsensus: null,
  ValidatorConsensusLagging: bcs.struct('ValidatorConsensusLagging', { round: bcs.u32(), lastCommittedRound: bcs.u32() }),
  ExecutionError: text,
  TxAlreadyFinalizedWithDifferentUserSigs: null,
  TransactionDenied: withError('TransactionDenied'),
  SharedObjectStartingVersionMismatch: null,
  NotSharedObjectError: null,
  InvalidSequenceNumber: null,
  NotOwnedObjectError: null,
  MutableObjectUsedMoreThanOnce: bcs.struct('MutableObjectUsedMoreThanOnce', { objectId: ObjectId }),
  ObjectInputArityViolation: null,
  MutableParameterExpected: bcs.struct('MutableParameterExpected', { objectId: ObjectId }),
  GasPaymentError: text,
  EncoderServiceUnavailable: null,
  TransactionNotFinalized: null,
  NotEmbedDataTransaction: null,
  TransactionFailed: text,
  VdfComputationFailed: text,
}

export const SomaError = bcs.enum('SomaError', somaErrorVariants)
export type SomaError = typeof SomaError.$inferType
export type SomaErrorInput = typeof SomaError.$inferInput

export type SomaErrorVariant = SomaError['$kind']
/** Variant names of `SomaError` in tag order (index = BCS tag). */
export const SOMA_ERROR_VARIANTS = Object.freeze(Object.keys(somaErrorVariants)) as readonly SomaErrorVariant[]
