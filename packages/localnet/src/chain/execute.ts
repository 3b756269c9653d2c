/**
 * One function of (state, transaction) → effects, for execution, simulation and replay
 * (reference: `authority/src/transaction_checks.rs`, `authority/src/execution/{mod,prepare_gas}.rs`,
 * `types/src/temporary_store.rs`). Nothing here writes to the store: the caller applies `writes`.
 */
import {
  bcsTypes,
  decodeBcs,
  digestToBytes,
  encodeBcs,
} from '@soma-ts/sdk'

import { EXECUTION_VERSION, SYSTEM_STATE_OBJECT_ID, U64_MAX, ZERO_ADDRESS } from './constants.js'
import { ExecutionFailure, TransactionRejected, genericFailure, type ExecutionFailureStatusInput } from './errors.js'
import { executeChangeEpoch } from './epoch.js'
import { coinBalance, digestOf, ownerBcsInput, type ChainObject } from './objects.js'
import type { ObjectReader, ObjectWrites } from './store.js'
import { decodeSystemStateShared } from './system-state.js'
import { TemporaryStore, type FeeParameters } from './temporary-store.js'
import { executorFor, type Executor } from './executors.js'
import { verifyUserSignature } from './signature.js'
import { effectsDigestOf, transactionDigestOf } from './digests.js'

export type TransactionKindValue = typeof bcsTypes.TransactionKind.$inferType
type ObjectRefValue = typeof bcsTypes.ObjectRef.$inferType
export type TransactionEffectsValue = typeof bcsTypes.TransactionEffects.$inferInput

const VERSION_MAX = 0x7fff_ffff_ffff_ffffn

export interface ExecutionOptions {
  /** Simulation runs without a signature; execution and replay always check it. */
  readonly skipSignatureCheck?: boolean
}

export interface ExecutionResult {
  readonly transactionDigest: string
  /** BCS `TransactionEffects`, byte-for-byte as the reference builds them. */
  readonly effects: Uint8Array
  readonly effectsDigest: string
  /** The failure's `ExecutionFailureStatus` variant name, or undefined on success. */
  readonly errorName: string | undefined
  readonly totalFee: bigint
  readonly writes: ObjectWrites
}

/** A signed user transaction decoded once: what the node's dedupe, signature check and execution read. */
export interface ParsedTransaction {
  readonly intent: readonly [number, number, number]
  /** BCS `TransactionData` (canonical: re-encoded from the decoded value). */
  readonly transaction: Uint8Array
  readonly data: TransactionDataValue
  readonly signatures: readonly Uint8Array[]
  /** The transaction digest (Base58). */
  readonly digest: string
}

/**
 * Decodes BCS `SenderSignedData` once.
 *
 * @throws TransactionRejected `FailedToDeserialize` when the bytes are not a signed V1 transaction
 */
export function parseSignedTransaction(signedTransaction: Uint8Array): ParsedTransaction {
  try {
    const signed = decodeBcs(bcsTypes.SenderSignedData, signedTransaction)
    const value = signed.intentMessage.value
    if (value.V1 === undefined) throw new Error('not a V1 TransactionData')
    const transaction = encodeBcs(bcsTypes.TransactionData, value)
    const i = signed.intentMessage.intent
    return {
      intent: [i.scope, i.version, i.appId],
      transaction,
      data: value.V1,
      signatures: signed.txSignatures.map((s) => Uint8Array.from(s)),
      digest: transactionDigestOf(transaction),
    }
  } catch (err) {
    throw new TransactionRejected('FailedToDeserialize', err instanceof Error ? err.message : String(err))
  }
}

/** Executes a signed user transaction (BCS `SenderSignedData`). */
export function executeTransaction(state: ObjectReader, signedTransaction: Uint8Array, options: ExecutionOptions = {}): ExecutionResult {
  return executeParsedTransaction(state, signedTransaction, parseSignedTransaction(signedTransaction), options)
}

/** `executeTransaction` for a transaction already parsed (`parsed` must be `parseSignedTransaction(signedTransaction)`). */
export function executeParsedTransaction(state: ObjectReader, signedTransaction: Uint8Array, parsed: ParsedTransaction, options: ExecutionOptions = {}): ExecutionResult {
  if (options.skipSignatureCheck !== true) {
    try {
      verifyUserSignature(parsed.intent, parsed.transaction, parsed.signatures, parsed.data.sender, signedTransaction)
    } catch (err) {
      throw new TransactionRejected('InvalidSignature', err instanceof Error ? err.message : String(err))
    }
  }
  return executeTransactionData(state, parsed.transaction, false, parsed.data, parsed.digest)
}

/** Executes a system transaction (ChangeEpoch, ConsensusCommitPrologueV1): sender 0x0, no gas, no signature. */
export function executeSystemTransaction(state: ObjectReader, kind: typeof bcsTypes.TransactionKind.$inferInput): ExecutionResult {
  const txBytes = encodeBcs(bcsTypes.TransactionData, { V1: { kind, sender: ZERO_ADDRESS, gasPayment: [] } })
  return executeTransactionData(state, txBytes, true)
}

const SYSTEM_KINDS = new Set(['Genesis', 'ConsensusCommitPrologueV1', 'ChangeEpoch'])
const SYSTEM_STATE_KINDS = new Set([
  'AddValidator', 'RemoveValidator', 'ReportValidator', 'UndoReportValidator', 'UpdateValidatorMetadata', 'SetCommissionRate',
  'AddStake', 'WithdrawStake', 'CreateModel', 'CommitModel', 'RevealModel', 'AddStakeToModel', 'SetModelCommissionRate',
  'DeactivateModel', 'ReportModel', 'UndoReportModel', 'SubmitData', 'ClaimRewards', 'ReportSubmission', 'UndoReportSubmission',
  'ChangeEpoch',
])

type TransactionDataValue = typeof bcsTypes.TransactionDataV1.$inferType

function executeTransactionData(state: ObjectReader, txBytes: Uint8Array, system: boolean, decoded?: TransactionDataValue, knownDigest?: string): ExecutionResult {
  let data: TransactionDataValue
  try {
    data = decoded ?? decodeBcs(bcsTypes.TransactionData, txBytes).V1!
  } catch (err) {
    throw new TransactionRejected('FailedToDeserialize', err instanceof Error ? err.message : String(err))
  }
  const kind = data.kind
  const isSystemKind = SYSTEM_KINDS.has(kind.$kind)
  if (isSystemKind !== system) {
    throw new TransactionRejected('InvalidTransactionType', system ? 'not a system transaction' : `${kind.$kind} is a system transaction`)
  }
  if (kind.$kind === 'Genesis') throw new TransactionRejected('InvalidTransactionType', 'Genesis is applied by the genesis builder')
  const executor = executorFor(kind.$kind)
  if (executor === undefined) throw new TransactionRejected('UnsupportedTransactionKind', `${kind.$kind} is not implemented by this local network yet`)
  const digest = knownDigest ?? transactionDigestOf(txBytes)
  const systemObject = state.getObject(SYSTEM_STATE_OBJECT_ID)
  if (systemObject === undefined) throw new TransactionRejected('ObjectNotFound', 'the SystemState object is missing')
  // Read-only here (epoch, fee parameters); executors decode their own copy.
  const systemState = decodeSystemStateShared(systemObject.contents)

  // ---- input objects (transaction_checks.rs) ----
  const ownedRefs = ownedInputRefs(kind)
  const gasRefs = data.gasPayment
  if (!system && gasRefs.length === 0) throw new TransactionRejected('GasPaymentError', 'No gas payment provided')
  checkNoDuplicates(ownedRefs)
  checkNoDuplicates(gasRefs)
  const ownedIds = new Set(ownedRefs.map((r) => r.objectId))
  const inputs: ChainObject[] = []
  const mutable = new Set<string>()
  for (const ref of [...ownedRefs, ...gasRefs.filter((g) => !ownedIds.has(g.objectId))]) {
    const object = state.getObject(ref.objectId)
    if (object === undefined) throw new TransactionRejected('ObjectNotFound', `object ${ref.objectId} not found`)
    if (ref.version >= VERSION_MAX) throw new TransactionRejected('InvalidSequenceNumber', `version ${ref.version}`)
    if (object.version !== ref.version) {
      throw new TransactionRejected('ObjectVersionUnavailableForConsumption', `object ${ref.objectId} is at version ${object.version}, not ${ref.version}`)
    }
    if (digestOf(object) !== ref.digest) throw new TransactionRejected('InvalidObjectDigest', `object ${ref.objectId} has another digest`)
    if (object.owner.kind === 'Shared') throw new TransactionRejected('NotOwnedObjectError', `object ${ref.objectId} is shared`)
    if (object.owner.kind === 'Address' && object.owner.address !== data.sender) {
      throw new TransactionRejected('IncorrectUserSignature', `object ${ref.objectId} is owned by ${object.owner.address}, not ${data.sender}`)
    }
    inputs.push(object)
    mutable.add(object.id)
  }
  for (const ref of gasRefs) {
    const object = inputs.find((o) => o.id === ref.objectId)!
    if (object.owner.kind !== 'Address') throw new TransactionRejected('GasPaymentError', `gas object ${ref.objectId} must be owned by an address`)
    if (object.type !== 'Coin') throw new TransactionRejected('GasPaymentError', `gas object ${ref.objectId} is not a coin`)
  }
  for (const id of sharedInputIds(kind)) {
    if (mutable.has(id)) throw new TransactionRejected('MutableObjectUsedMoreThanOnce', `object ${id} is used twice`)
    const object = state.getObject(id)
    if (object === undefined) throw new TransactionRejected('ObjectNotFound', `shared object ${id} not found`)
    if (object.owner.kind !== 'Shared') throw new TransactionRejected('NotSharedObjectError', `object ${id} is not shared`)
    inputs.push(object)
    mutable.add(object.id)
  }
  if (!system && inputs.length === 0) throw new TransactionRejected('ObjectInputArityViolation', 'no input objects')

  const fees: FeeParameters = {
    baseFee: systemState.parameters.baseFee,
    writeObjectFee: systemState.parameters.writeObjectFee,
    valueFeeBps: systemState.parameters.valueFeeBps,
  }
  const store = new TemporaryStore(digest, systemState.epoch, fees, inputs, mutable)
  const dependencies = [...new Set(inputs.map((o) => o.previousTransaction))]
  return runPipeline(store, kind, data.sender, gasRefs, executor, dependencies, system)
}

/** The owned objects a user transaction names (its `ImmOrOwnedObject` inputs, gas aside). */
export function ownedInputRefs(kind: TransactionKindValue): ObjectRefValue[] {
  switch (kind.$kind) {
    case 'TransferCoin':
      return [kind.TransferCoin.coin]
    case 'PayCoins':
      return kind.PayCoins.coins
    case 'TransferObjects':
      return kind.TransferObjects.objects
    case 'AddStake':
      return [kind.AddStake.coinRef]
    case 'WithdrawStake':
      return [kind.WithdrawStake.stakedSoma]
    case 'AddStakeToModel':
      return [kind.AddStakeToModel.coinRef]
    case 'SubmitData':
      return [kind.SubmitData.bondCoin]
    default:
      return []
  }
}

function sharedInputIds(kind: TransactionKindValue): string[] {
  const ids: string[] = []
  if (SYSTEM_STATE_KINDS.has(kind.$kind)) ids.push(SYSTEM_STATE_OBJECT_ID)
  switch (kind.$kind) {
    case 'SubmitData':
      ids.push(kind.SubmitData.targetId)
      break
    case 'ClaimRewards':
      ids.push(kind.ClaimRewards.targetId)
      break
    case 'ReportSubmission':
      ids.push(kind.ReportSubmission.targetId)
      break
    case 'UndoReportSubmission':
      ids.push(kind.UndoReportSubmission.targetId)
      break
    default:
      break
  }
  return ids
}

function checkNoDuplicates(refs: readonly ObjectRefValue[]): void {
  const seen = new Set<string>()
  for (const ref of refs) {
    if (seen.has(ref.objectId)) throw new TransactionRejected('DuplicateObjectRefInput', `object ${ref.objectId} is listed twice`)
    seen.add(ref.objectId)
  }
}

// ---- execution (execution/mod.rs) --------------------------------------------------------------

interface Fee {
  baseFee: bigint
  operationFee: bigint
  valueFee: bigint
}

function runPipeline(
  store: TemporaryStore,
  kind: TransactionKindValue,
  sender: string,
  gasRefs: readonly ObjectRefValue[],
  executor: Executor,
  dependencies: string[],
  system: boolean,
): ExecutionResult {
  let fee: Fee = { baseFee: 0n, operationFee: 0n, valueFee: 0n }
  let valueFee = 0n
  if (!system) {
    const gas = prepareGas(store, kind, gasRefs, executor)
    if ('failure' in gas) {
      if (gas.fee.baseFee > 0n) {
        store.ensureActiveInputsMutated()
        return finish(store, gas.failure, gas.fee, dependencies)
      }
      return emptyFailure(store, gas.failure, dependencies)
    }
    fee = gas.fee
    valueFee = gas.valueFee
  }

  const before = store.snapshot()
  let status: ExecutionFailureStatusInput | undefined
  try {
    if (kind.$kind === 'ChangeEpoch') executeChangeEpoch(store, kind.ChangeEpoch)
    else executor.execute(store, sender, kind, valueFee)
  } catch (err) {
    store.restore(before)
    status = failureOf(err)
  }

  if (status === undefined && !system) {
    const operationFee = BigInt(store.written.size) * store.fees.writeObjectFee
    try {
      deductGasFee(store, operationFee + valueFee)
      fee = { baseFee: fee.baseFee, operationFee, valueFee }
    } catch (err) {
      store.restore(before)
      status = failureOf(err)
    }
  }
  if (EXECUTION_VERSION >= 1n) store.ensureActiveInputsMutated()
  return finish(store, status, fee, dependencies)
}

/** An executor's typed failure; anything else is a defect, recorded as a failure rather than thrown. */
function failureOf(err: unknown): ExecutionFailureStatusInput {
  if (err instanceof ExecutionFailure) return err.status
  return genericFailure(`internal error: ${err instanceof Error ? err.message : String(err)}`).status
}

type GasPreparation = { fee: Fee; valueFee: bigint } | { failure: ExecutionFailureStatusInput; fee: Fee }

/** `prepare_gas`: smash the gas coins, compute the value fee, deduct the base fee. */
function prepareGas(
  store: TemporaryStore,
  kind: TransactionKindValue,
  gasRefs: readonly ObjectRefValue[],
  executor: Executor,
): GasPreparation {
  const zero: Fee = { baseFee: 0n, operationFee: 0n, valueFee: 0n }
  const gasId = gasRefs[0]!.objectId
  const primary = store.readObject(gasId)!
  let total = coinBalance(primary)!
  if (gasRefs.length > 1) {
    for (const ref of gasRefs.slice(1)) {
      const coin = store.readObject(ref.objectId)!
      total += coinBalance(coin)!
      if (total > U64_MAX) return { failure: { ArithmeticOverflow: null }, fee: zero }
      store.deleteInputObject(ref.objectId)
    }
    store.mutateInputObject(withBalance(primary, total))
  }
  store.gasObjectId = gasId
  const baseFee = store.fees.baseFee
  if (total < baseFee) {
    if (total > 0n) {
      deductGasFee(store, total)
      return { failure: { InsufficientGas: null }, fee: { ...zero, baseFee: total } }
    }
    return { failure: { InsufficientGas: null }, fee: zero }
  }
  const valueFee = executor.valueFee(store, kind)
  deductGasFee(store, baseFee)
  // §17.14: a gas coin holding exactly the base fee is gone before execution; the reference then
  // reads the stale input coin and can mint SOMA. It fails as InsufficientGas here instead.
  if (store.isDeleted(gasId)) return { failure: { InsufficientGas: null }, fee: { ...zero, baseFee } }
  return { fee: { ...zero, baseFee }, valueFee }
}

function withBalance(object: ChainObject, balance: bigint): ChainObject {
  return { ...object, contents: encodeBcs(bcsTypes.Coin, { balance }) }
}

/** `deduct_gas_fee`: a coin that reaches exactly 0 is deleted. */
export function deductGasFee(store: TemporaryStore, amount: bigint): void {
  const gasId = store.gasObjectId!
  if (store.isDeleted(gasId)) throw new ExecutionFailure({ ObjectNotFound: { objectId: gasId } })
  const gas = store.readObject(gasId)!
  const balance = coinBalance(gas)!
  if (balance < amount) throw new ExecutionFailure({ InsufficientGas: null })
  const rest = balance - amount
  if (rest === 0n) store.deleteInputObject(gasId)
  else store.mutateInputObject(withBalance(gas, rest))
}

function sortDigests(digests: string[]): string[] {
  return digests
    .map((d) => ({ d, b: digestToBytes(d) }))
    .sort((x, y) => {
      for (let i = 0; i < 32; i++) if (x.b[i] !== y.b[i]) return x.b[i]! - y.b[i]!
      return 0
    })
    .map((x) => x.d)
}

function feeInput(fee: Fee) {
  return { baseFee: fee.baseFee, operationFee: fee.operationFee, valueFee: fee.valueFee, totalFee: fee.baseFee + fee.operationFee + fee.valueFee }
}

/** `into_effects`: shared inputs written, versions and previous transaction set, effects built. */
function finish(store: TemporaryStore, status: ExecutionFailureStatusInput | undefined, fee: Fee, dependencies: string[]): ExecutionResult {
  for (const [id, ref] of store.mutableInputRefs) {
    if (ref.owner.kind === 'Shared' && !store.written.has(id) && !store.isDeleted(id)) {
      store.written.set(id, store.inputObjects.get(id)!)
      store.modified.add(id)
    }
  }
  const lamport = store.lamportVersion
  const finalObjects = new Map<string, ChainObject>()
  for (const [id, object] of store.written) {
    let owner = object.owner
    if (owner.kind === 'Shared') {
      const input = store.inputObjects.get(id)
      if (input !== undefined && input.owner.kind === 'Shared') owner = input.owner
      else if (store.created.has(id) && owner.initialSharedVersion === 0n) owner = { kind: 'Shared', initialSharedVersion: lamport }
    }
    finalObjects.set(id, { ...object, owner, version: lamport, previousTransaction: store.txDigest })
  }
  const ids = [...new Set([...store.created, ...store.deleted, ...store.modified, ...store.written.keys()])].sort()
  const changedObjects = ids.map((id) => {
    const ref = store.modified.has(id) ? store.mutableInputRefs.get(id) : undefined
    const out = finalObjects.get(id)
    return {
      objectId: id,
      change: {
        inputState: ref === undefined ? { NotExist: null } : { Exist: { versionDigest: { version: ref.version, digest: ref.digest }, owner: ownerBcsInput(ref.owner) } },
        outputState: out === undefined ? { NotExist: null } : { ObjectWrite: { digest: digestOf(out), owner: ownerBcsInput(out.owner) } },
        idOperation: store.created.has(id) ? { Created: null } : store.deleted.has(id) ? { Deleted: null } : { None: null },
      },
    }
  })
  const gasIndex = store.gasObjectId === undefined ? null : ids.indexOf(store.gasObjectId)
  const effects = buildEffects(store, status, fee, dependencies, lamport, changedObjects, gasIndex === -1 ? null : gasIndex)
  const deleted = [...store.deleted].filter((id) => store.inputObjects.has(id)).sort()
  return { ...effects, writes: { written: [...finalObjects.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), deleted } }
}

/** `error_result`: a failure that touched nothing (a zero-balance gas coin). */
function emptyFailure(store: TemporaryStore, status: ExecutionFailureStatusInput, dependencies: string[]): ExecutionResult {
  const effects = buildEffects(store, status, { baseFee: 0n, operationFee: 0n, valueFee: 0n }, dependencies, VERSION_MAX, [], null)
  return { ...effects, writes: { written: [], deleted: [] } }
}

function buildEffects(
  store: TemporaryStore,
  status: ExecutionFailureStatusInput | undefined,
  fee: Fee,
  dependencies: string[],
  version: bigint,
  changedObjects: unknown[],
  gasObjectIndex: number | null,
): Omit<ExecutionResult, 'writes'> {
  const value = {
    V1: {
      status: status === undefined ? { Success: null } : { Failure: { error: status } },
      executedEpoch: store.epoch,
      transactionFee: feeInput(fee),
      transactionDigest: store.txDigest,
      gasObjectIndex,
      dependencies: sortDigests(dependencies),
      version,
      changedObjects,
      unchangedSharedObjects: [],
    },
  } as TransactionEffectsValue
  const effects = encodeBcs(bcsTypes.TransactionEffects, value)
  const f = feeInput(fee)
  return {
    transactionDigest: store.txDigest,
    effects,
    effectsDigest: effectsDigestOf(effects),
    errorName: status === undefined ? undefined : Object.keys(status)[0],
    totalFee: f.totalFee,
  }
}
