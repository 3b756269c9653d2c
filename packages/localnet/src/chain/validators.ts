/**
 * The validator transactions (reference: `types/src/system_state/{mod,validator}.rs`,
 * `types/src/crypto.rs::verify_proof_of_possession`, protocol.md §5.3): AddValidator with a real
 * BLS12-381 proof of possession, RemoveValidator, (Undo)ReportValidator, UpdateValidatorMetadata,
 * SetCommissionRate, and the staged-metadata step of the epoch boundary.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bcsTypes, BlsKeypair, decodeBcs, proofOfPossessionMessage as sdkProofOfPossessionMessage, verifyProofOfPossession as sdkVerifyProofOfPossession, isValidMultiaddr as sdkIsValidMultiaddr } from '@soma-ts/sdk'

import { MAX_COMMISSION_RATE, NEW_VALIDATOR_COMMISSION_RATE } from './constants.js'
import { ExecutionFailure, genericFailure } from './errors.js'
import { newStakingPool } from './staking-pool.js'
import { findActiveValidator, findValidatorWithPending, type SystemStateValue, type ValidatorValue } from './system-state.js'

type Metadata = ValidatorValue['metadata']
type AddValidatorArgs = typeof bcsTypes.AddValidatorArgs.$inferType
type UpdateArgs = typeof bcsTypes.UpdateValidatorMetadataArgs.$inferType

/** A BCS string (the SDK's `Url` schema is exactly that). */
const BCS_STRING = bcsTypes.Url

/** The bytes a proof of possession signs (the SDK's definition, kept here for the chain's tests). */
export const proofOfPossessionMessage = sdkProofOfPossessionMessage

/** A BLS12-381 proof of possession for `address` with this secret key (genesis and tests). */
export function signProofOfPossession(secretKey: Uint8Array, address: string): { publicKey: Uint8Array; proof: Uint8Array } {
  const key = BlsKeypair.fromSecretKey(secretKey)
  return { publicKey: key.publicKeyBytes(), proof: key.proofOfPossession(address) }
}

function parseBlsPublicKey(bytes: Uint8Array, reason: string): void {
  try {
    if (bytes.length !== 96) throw new Error(`expected 96 bytes, got ${bytes.length}`)
    const point = bls12_381.G2.Point.fromBytes(bytes)
    point.assertValidity()
    if (point.is0()) throw new Error('the point at infinity')
  } catch (err) {
    throw new ExecutionFailure({ InvalidArguments: { reason: `${reason}: ${messageOf(err)}` } })
  }
}

function parseEd25519PublicKey(bytes: Uint8Array, reason: string): void {
  try {
    if (bytes.length !== 32) throw new Error(`expected 32 bytes, got ${bytes.length}`)
    ed25519.Point.fromBytes(bytes)
  } catch (err) {
    throw new ExecutionFailure({ InvalidArguments: { reason: `${reason}: ${messageOf(err)}` } })
  }
}

function verifyProofOfPossession(proof: Uint8Array, protocolPubkey: Uint8Array, address: string): void {
  try {
    if (proof.length !== 48) throw new Error(`expected 48 bytes, got ${proof.length}`)
    bls12_381.shortSignatures.Signature.fromBytes(proof)
  } catch (err) {
    throw new ExecutionFailure({ InvalidProofOfPossession: { reason: `Invalid PoP signature bytes: ${messageOf(err)}` } })
  }
  if (!sdkVerifyProofOfPossession(proof, protocolPubkey, address)) throw new ExecutionFailure({ InvalidProofOfPossession: { reason: 'PoP verification failed' } })
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

// ---- multiaddrs -------------------------------------------------------------------------------

/** The multiaddr grammar lives in the SDK (the CLI checks addresses before it builds a transaction). */
export const isValidMultiaddr = sdkIsValidMultiaddr

/** Each address argument is BCS(String) holding a multiaddr. */
function parseAddress(bytes: Uint8Array, field: string): string {
  let text: string
  try {
    text = decodeBcs(BCS_STRING, bytes)
  } catch {
    throw new ExecutionFailure({ InvalidArguments: { reason: `Failed to BCS deserialize ${field} string` } })
  }
  if (!isValidMultiaddr(text)) throw new ExecutionFailure({ InvalidArguments: { reason: `Invalid ${field} multiaddr format: ${text}` } })
  return text
}

// ---- duplicate checks -------------------------------------------------------------------------

function effective(m: Metadata): Metadata {
  return {
    ...m,
    protocolPubkey: m.nextEpochProtocolPubkey ?? m.protocolPubkey,
    networkPubkey: m.nextEpochNetworkPubkey ?? m.networkPubkey,
    workerPubkey: m.nextEpochWorkerPubkey ?? m.workerPubkey,
    netAddress: m.nextEpochNetAddress ?? m.netAddress,
    p2pAddress: m.nextEpochP2pAddress ?? m.p2pAddress,
    primaryAddress: m.nextEpochPrimaryAddress ?? m.primaryAddress,
    proxyAddress: m.nextEpochProxyAddress ?? m.proxyAddress,
    proofOfPossession: m.nextEpochProofOfPossession ?? m.proofOfPossession,
    nextEpochProtocolPubkey: null,
    nextEpochNetworkPubkey: null,
    nextEpochNetAddress: null,
    nextEpochP2pAddress: null,
    nextEpochPrimaryAddress: null,
    nextEpochWorkerPubkey: null,
    nextEpochProofOfPossession: null,
    nextEpochProxyAddress: null,
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** `check_metadata_fields_duplicate` (the proxy address is not compared). */
function duplicateField(a: Metadata, b: Metadata): string | undefined {
  if (a.somaAddress === b.somaAddress) return undefined
  if (same(a.protocolPubkey, b.protocolPubkey)) return 'protocol_pubkey'
  if (same(a.networkPubkey, b.networkPubkey)) return 'network_pubkey'
  if (same(a.workerPubkey, b.workerPubkey)) return 'worker_pubkey'
  if (same(a.networkPubkey, b.workerPubkey)) return 'network_pubkey/worker_pubkey'
  if (same(a.workerPubkey, b.networkPubkey)) return 'worker_pubkey/network_pubkey'
  if (a.netAddress === b.netAddress) return 'net_address'
  if (a.p2pAddress === b.p2pAddress) return 'p2p_address'
  if (a.primaryAddress === b.primaryAddress) return 'primary_address'
  return undefined
}

/** `Validator::is_duplicate`: current and staged values, in both directions. */
function isDuplicate(self: ValidatorValue, other: ValidatorValue): string | undefined {
  const a = self.metadata
  const b = other.metadata
  if (a.somaAddress === b.somaAddress) return undefined
  return duplicateField(a, b) ?? duplicateField(a, effective(b)) ?? duplicateField(effective(a), b) ?? duplicateField(effective(a), effective(b))
}

function hasStagedMetadata(m: Metadata): boolean {
  return (
    m.nextEpochProtocolPubkey !== null ||
    m.nextEpochNetworkPubkey !== null ||
    m.nextEpochWorkerPubkey !== null ||
    m.nextEpochNetAddress !== null ||
    m.nextEpochP2pAddress !== null ||
    m.nextEpochPrimaryAddress !== null ||
    m.nextEpochProxyAddress !== null
  )
}

function clearStaged(m: Metadata): void {
  m.nextEpochProtocolPubkey = null
  m.nextEpochNetworkPubkey = null
  m.nextEpochWorkerPubkey = null
  m.nextEpochProofOfPossession = null
  m.nextEpochNetAddress = null
  m.nextEpochP2pAddress = null
  m.nextEpochPrimaryAddress = null
  m.nextEpochProxyAddress = null
}

/** Step V8 of the boundary: staged values take effect; a validator whose staged values collide has them cleared. */
export function effectuateStagedMetadata(state: SystemStateValue): void {
  const list = state.validators.validators
  const metas = list.map((v) => effective(v.metadata))
  const skip = new Set<number>()
  for (let i = 0; i < metas.length; i++) {
    for (let j = i + 1; j < metas.length; j++) {
      if (duplicateField(metas[i]!, metas[j]!) === undefined) continue
      if (hasStagedMetadata(list[j]!.metadata)) skip.add(j)
      else if (hasStagedMetadata(list[i]!.metadata)) skip.add(i)
    }
  }
  list.forEach((v, i) => {
    if (!skip.has(i)) v.metadata = effective(v.metadata)
    else clearStaged(v.metadata)
  })
}

// ---- the transactions -------------------------------------------------------------------------

export function requestAddValidator(state: SystemStateValue, signer: string, args: AddValidatorArgs, poolId: string): void {
  parseBlsPublicKey(args.pubkeyBytes, 'Invalid protocol public key')
  parseEd25519PublicKey(args.networkPubkeyBytes, 'Invalid network public key')
  parseEd25519PublicKey(args.workerPubkeyBytes, 'Invalid worker public key')
  verifyProofOfPossession(args.proofOfPossession, args.pubkeyBytes, signer)
  const netAddress = parseAddress(args.netAddress, 'network address')
  const p2pAddress = parseAddress(args.p2pAddress, 'p2p address')
  const primaryAddress = parseAddress(args.primaryAddress, 'primary address')
  const proxyAddress = parseAddress(args.proxyAddress, 'proxy address')
  const validator: ValidatorValue = {
    metadata: {
      somaAddress: signer,
      protocolPubkey: args.pubkeyBytes,
      networkPubkey: args.networkPubkeyBytes,
      workerPubkey: args.workerPubkeyBytes,
      netAddress,
      p2pAddress,
      primaryAddress,
      proxyAddress,
      proofOfPossession: args.proofOfPossession,
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
    stakingPool: newStakingPool(poolId),
    commissionRate: NEW_VALIDATOR_COMMISSION_RATE,
    nextEpochStake: 0n,
    nextEpochCommissionRate: NEW_VALIDATOR_COMMISSION_RATE,
  }
  const set = state.validators
  if (findValidatorWithPending(set, signer) !== undefined) throw new ExecutionFailure({ DuplicateValidator: null })
  for (const existing of [...set.validators, ...set.pendingValidators]) {
    const field = isDuplicate(validator, existing)
    if (field !== undefined) throw new ExecutionFailure({ DuplicateValidatorMetadata: { field } })
  }
  set.stakingPoolMappings.set(poolId, signer)
  set.pendingValidators.push(validator)
}

/** `pubkey_bytes` is ignored, as in the reference. */
export function requestRemoveValidator(state: SystemStateValue, signer: string): void {
  const index = state.validators.validators.findIndex((v) => v.metadata.somaAddress === signer)
  if (index < 0) throw new ExecutionFailure({ NotAValidator: null })
  if (state.validators.pendingRemovals.includes(BigInt(index))) throw new ExecutionFailure({ ValidatorAlreadyRemoved: null })
  state.validators.pendingRemovals.push(BigInt(index))
}

export function reportValidator(state: SystemStateValue, reporter: string, reportee: string): void {
  if (findActiveValidator(state.validators, reporter) === undefined) throw new ExecutionFailure({ NotAValidator: null })
  if (findActiveValidator(state.validators, reportee) === undefined) throw new ExecutionFailure({ NotAValidator: null })
  if (reporter === reportee) throw new ExecutionFailure({ CannotReportOneself: null })
  const reporters = new Set(state.validatorReportRecords.get(reportee) ?? [])
  reporters.add(reporter)
  state.validatorReportRecords.set(reportee, [...reporters].sort())
}

export function undoReportValidator(state: SystemStateValue, reporter: string, reportee: string): void {
  if (findActiveValidator(state.validators, reporter) === undefined) throw new ExecutionFailure({ NotAValidator: null })
  const reporters = state.validatorReportRecords.get(reportee)
  if (reporters === undefined || !reporters.includes(reporter)) throw new ExecutionFailure({ ReportRecordNotFound: null })
  const kept = reporters.filter((r) => r !== reporter)
  if (kept.length === 0) state.validatorReportRecords.delete(reportee)
  else state.validatorReportRecords.set(reportee, kept)
}

export function requestSetCommissionRate(state: SystemStateValue, signer: string, newRate: bigint): void {
  const validator = findActiveValidator(state.validators, signer)
  if (validator === undefined) throw new ExecutionFailure({ NotAValidator: null })
  if (newRate > MAX_COMMISSION_RATE) throw genericFailure('Commission rate too high')
  validator.nextEpochCommissionRate = newRate
}

/** `stage_next_epoch_metadata`. `next_epoch_proxy_address` is ignored, as in the reference (§17.17). */
export function requestUpdateValidatorMetadata(state: SystemStateValue, signer: string, args: UpdateArgs): void {
  const others = state.validators.validators
  const validator = findActiveValidator(state.validators, signer)
  if (validator === undefined) throw new ExecutionFailure({ NotAValidator: null })
  const m = validator.metadata
  if (args.nextEpochNetworkAddress !== null) m.nextEpochNetAddress = parseAddress(args.nextEpochNetworkAddress, 'network')
  if (args.nextEpochP2pAddress !== null) m.nextEpochP2pAddress = parseAddress(args.nextEpochP2pAddress, 'p2p')
  if (args.nextEpochPrimaryAddress !== null) m.nextEpochPrimaryAddress = parseAddress(args.nextEpochPrimaryAddress, 'primary')
  if (args.nextEpochProtocolPubkey !== null) {
    parseBlsPublicKey(args.nextEpochProtocolPubkey, 'Invalid protocol public key format')
    const proof = args.nextEpochProofOfPossession
    if (proof === null) throw new ExecutionFailure({ MissingProofOfPossession: null })
    verifyProofOfPossession(proof, args.nextEpochProtocolPubkey, signer)
    m.nextEpochProtocolPubkey = args.nextEpochProtocolPubkey
    m.nextEpochProofOfPossession = proof
  }
  if (args.nextEpochWorkerPubkey !== null) {
    parseEd25519PublicKey(args.nextEpochWorkerPubkey, 'Invalid worker public key format')
    m.nextEpochWorkerPubkey = args.nextEpochWorkerPubkey
  }
  if (args.nextEpochNetworkPubkey !== null) {
    parseEd25519PublicKey(args.nextEpochNetworkPubkey, 'Invalid network public key format')
    m.nextEpochNetworkPubkey = args.nextEpochNetworkPubkey
  }
  const eff = effective(m)
  if (same(eff.networkPubkey, eff.workerPubkey)) {
    throw new ExecutionFailure({ DuplicateValidatorMetadata: { field: 'network_pubkey == worker_pubkey (self)' } })
  }
  for (const other of others) {
    if (other.metadata.somaAddress === signer) continue
    const field = isDuplicate(validator, other)
    if (field !== undefined) throw new ExecutionFailure({ DuplicateValidatorMetadata: { field } })
  }
}
