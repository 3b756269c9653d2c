/**
 * The executors of the transaction kinds implemented so far (reference:
 * `authority/src/execution/{coin,object,staking}.rs`). Each reads and writes only through the
 * TemporaryStore and throws `ExecutionFailure` with the chain's error name; the pipeline reverts.
 */
import type { bcsTypes } from '@soma-ts/sdk'

import { BPS_DENOMINATOR, SYSTEM_STATE_OBJECT_ID, U64_MAX } from './constants.js'
import { ExecutionFailure } from './errors.js'
import {
  addressOwner,
  coinBalance,
  coinContents,
  newObject,
  stakedSomaContents,
  stakedSomaOf,
  withContents,
  withOwner,
  type ChainObject,
  type StakedSomaValue,
} from './objects.js'
import {
  decodeSystemStateCopy,
  encodeSystemStateContents,
  requestAddStakeToValidator,
  requestWithdrawStakeFromState,
  type SystemStateValue,
} from './system-state.js'
import {
  reportModel,
  requestAddStakeToModel,
  requestCommitModel,
  requestCreateModel,
  requestDeactivateModel,
  requestRevealModel,
  requestSetModelCommissionRate,
  undoReportModel,
} from './models.js'
import { executeSubmission, submissionValueFee } from './submissions.js'
import type { TemporaryStore } from './temporary-store.js'
import {
  reportValidator,
  requestAddValidator,
  requestRemoveValidator,
  requestSetCommissionRate,
  requestUpdateValidatorMetadata,
  undoReportValidator,
} from './validators.js'

type Kind = typeof bcsTypes.TransactionKind.$inferType
type ObjectRefValue = typeof bcsTypes.ObjectRef.$inferType

export interface Executor {
  valueFee(store: TemporaryStore, kind: Kind): bigint
  execute(store: TemporaryStore, signer: string, kind: Kind, valueFee: bigint): void
}

export function bpsMul(amount: bigint, bps: bigint): bigint {
  return (amount * bps) / BPS_DENOMINATOR
}

function checkedAdd(a: bigint, b: bigint): bigint {
  const sum = a + b
  if (sum > U64_MAX) throw new ExecutionFailure({ ArithmeticOverflow: null })
  return sum
}

function checkedSub(a: bigint, b: bigint): bigint {
  if (b > a) throw new ExecutionFailure({ ArithmeticOverflow: null })
  return a - b
}

function read(store: TemporaryStore, id: string): ChainObject {
  const object = store.readObject(id)
  if (object === undefined) throw new ExecutionFailure({ ObjectNotFound: { objectId: id } })
  return object
}

/** `check_ownership`. */
function checkOwnership(object: ChainObject, signer: string): void {
  if (object.owner.kind === 'Address' && object.owner.address === signer) return
  throw new ExecutionFailure({
    InvalidOwnership: { objectId: object.id, expectedOwner: signer, actualOwner: object.owner.kind === 'Address' ? object.owner.address : null },
  })
}

/** `verify_coin`. */
function verifyCoin(object: ChainObject): bigint {
  const balance = coinBalance(object)
  if (balance === undefined) {
    throw new ExecutionFailure({ InvalidObjectType: { objectId: object.id, expectedType: { Coin: null }, actualType: { [object.type]: null } as { Coin: null } } })
  }
  return balance
}

function writeFee(store: TemporaryStore, objects: bigint): bigint {
  return objects * store.fees.writeObjectFee
}

function createCoin(store: TemporaryStore, amount: bigint, owner: string): void {
  store.createObject(newObject(store.nextObjectId(), 'Coin', addressOwner(owner), coinContents(amount), store.txDigest))
}

function setBalance(store: TemporaryStore, object: ChainObject, balance: bigint): void {
  store.mutateInputObject(withContents(object, coinContents(balance)))
}

/** A coin's balance as the value-fee step reads it (written version, else the input). */
function coinBalanceForFee(store: TemporaryStore, id: string): bigint | undefined {
  const object = store.readObjectForFee(id)
  return object === undefined ? undefined : coinBalance(object)
}

// ---- coins ------------------------------------------------------------------------------------

const coinExecutor: Executor = {
  valueFee(store, kind) {
    const bps = store.fees.valueFeeBps
    if (kind.$kind === 'TransferCoin') {
      const { coin, amount } = kind.TransferCoin
      const value = amount ?? coinBalanceForFee(store, coin.objectId) ?? 0n
      return value === 0n ? 0n : bpsMul(value, bps)
    }
    if (kind.$kind === 'PayCoins') {
      const { coins, amounts } = kind.PayCoins
      // The reference sums with an unchecked `.sum()` (wrapping in release builds).
      let total = 0n
      if (amounts !== null) for (const a of amounts) total += a
      else for (const c of coins) total += coinBalanceForFee(store, c.objectId) ?? 0n
      total &= U64_MAX
      return total === 0n ? 0n : bpsMul(total, bps)
    }
    return 0n
  },
  execute(store, signer, kind, valueFee) {
    if (kind.$kind === 'TransferCoin') return transferCoin(store, signer, kind.TransferCoin, valueFee)
    if (kind.$kind === 'PayCoins') return payCoins(store, signer, kind.PayCoins, valueFee)
    throw new ExecutionFailure({ InvalidTransactionType: null })
  },
}

function transferCoin(
  store: TemporaryStore,
  signer: string,
  args: { coin: ObjectRefValue; amount: bigint | null; recipient: string },
  valueFee: bigint,
): void {
  const source = read(store, args.coin.objectId)
  checkOwnership(source, signer)
  const balance = verifyCoin(source)
  const isGas = store.gasObjectId === source.id
  if (args.amount !== null) {
    const amount = args.amount
    if (isGas) {
      const reserve = checkedAdd(valueFee, writeFee(store, 2n))
      if (balance < checkedAdd(amount, reserve)) throw new ExecutionFailure({ InsufficientCoinBalance: null })
      createCoin(store, amount, args.recipient)
      setBalance(store, source, checkedSub(balance, amount))
      return
    }
    if (balance < amount) throw new ExecutionFailure({ InsufficientCoinBalance: null })
    if (amount === balance) {
      store.mutateInputObject(withOwner(source, addressOwner(args.recipient)))
      return
    }
    createCoin(store, amount, args.recipient)
    setBalance(store, source, checkedSub(balance, amount))
    return
  }
  if (isGas) {
    const reserve = checkedAdd(writeFee(store, 2n), valueFee)
    if (balance <= reserve) throw new ExecutionFailure({ InsufficientCoinBalance: null })
    createCoin(store, checkedSub(balance, reserve), args.recipient)
    setBalance(store, source, reserve)
    return
  }
  store.mutateInputObject(withOwner(source, addressOwner(args.recipient)))
}

function payCoins(
  store: TemporaryStore,
  signer: string,
  args: { coins: ObjectRefValue[]; amounts: bigint[] | null; recipients: string[] },
  valueFee: bigint,
): void {
  if (args.coins.length === 0) throw new ExecutionFailure({ InvalidArguments: { reason: 'Must provide at least one coin' } })
  if (args.recipients.length === 0) throw new ExecutionFailure({ InvalidArguments: { reason: 'Must provide at least one recipient' } })
  const gasId = store.gasObjectId
  const hasGas = gasId !== undefined && args.coins.some((c) => c.objectId === gasId)
  if (args.amounts !== null) {
    const amounts = args.amounts
    if (amounts.length !== args.recipients.length) {
      throw new ExecutionFailure({
        InvalidArguments: { reason: `Amounts and recipients must match. Got ${amounts.length} amounts and ${args.recipients.length} recipients` },
      })
    }
    let available = 0n
    const coins: { object: ChainObject; balance: bigint }[] = []
    let gasCoin: ChainObject | undefined
    for (const ref of args.coins) {
      if (store.isDeleted(ref.objectId)) continue
      const object = read(store, ref.objectId)
      checkOwnership(object, signer)
      const balance = verifyCoin(object)
      if (object.id === gasId) gasCoin = object
      available = checkedAdd(available, balance)
      coins.push({ object, balance })
    }
    let payments = 0n
    for (const a of amounts) payments = checkedAdd(payments, a)
    const reserve = checkedAdd(valueFee, writeFee(store, 1n + BigInt(args.recipients.length)))
    if (available < checkedAdd(payments, reserve)) throw new ExecutionFailure({ InsufficientCoinBalance: null })
    amounts.forEach((amount, i) => createCoin(store, amount, args.recipients[i]!))
    const remainder = checkedSub(available, payments)
    if (gasCoin !== undefined) {
      setBalance(store, read(store, gasCoin.id), remainder)
      for (const { object } of coins) if (object.id !== gasCoin.id) store.deleteInputObject(object.id)
    } else if (coins.length > 0) {
      setBalance(store, read(store, coins[0]!.object.id), remainder)
      for (const { object } of coins.slice(1)) store.deleteInputObject(object.id)
    } else {
      throw new ExecutionFailure({ InsufficientCoinBalance: null })
    }
    return
  }
  if (args.recipients.length !== 1) {
    throw new ExecutionFailure({ InvalidArguments: { reason: 'Pay-all operation only supports a single recipient' } })
  }
  const recipient = args.recipients[0]!
  if (hasGas) {
    const gasCoin = read(store, gasId)
    checkOwnership(gasCoin, signer)
    let available = verifyCoin(gasCoin)
    const others: string[] = []
    for (const ref of args.coins) {
      if (ref.objectId === gasId || store.isDeleted(ref.objectId)) continue
      const object = read(store, ref.objectId)
      checkOwnership(object, signer)
      available = checkedAdd(available, verifyCoin(object))
      others.push(object.id)
    }
    const reserve = checkedAdd(valueFee, writeFee(store, 2n))
    if (available <= reserve) throw new ExecutionFailure({ InsufficientCoinBalance: null })
    createCoin(store, checkedSub(available, reserve), recipient)
    setBalance(store, gasCoin, reserve)
    for (const id of others) store.deleteInputObject(id)
    return
  }
  const first = read(store, args.coins[0]!.objectId)
  checkOwnership(first, signer)
  let total = verifyCoin(first)
  if (args.coins.length === 1) {
    store.mutateInputObject(withOwner(first, addressOwner(recipient)))
    return
  }
  for (const ref of args.coins.slice(1)) {
    if (store.isDeleted(ref.objectId)) continue
    const object = read(store, ref.objectId)
    checkOwnership(object, signer)
    total = checkedAdd(total, verifyCoin(object))
    store.deleteInputObject(object.id)
  }
  store.mutateInputObject(withOwner(withContents(first, coinContents(total)), addressOwner(recipient)))
}

// ---- objects ----------------------------------------------------------------------------------

const objectExecutor: Executor = {
  valueFee: () => 0n,
  execute(store, signer, kind) {
    if (kind.$kind !== 'TransferObjects') throw new ExecutionFailure({ InvalidTransactionType: null })
    const { objects, recipient } = kind.TransferObjects
    if (objects.length === 0) throw new ExecutionFailure({ InvalidArguments: { reason: 'Must provide at least one object to transfer' } })
    for (const ref of objects) {
      // The reference unwraps here; a coin merged away as secondary gas is a typed failure instead.
      const object = read(store, ref.objectId)
      if (store.isDeleted(ref.objectId)) throw new ExecutionFailure({ ObjectNotFound: { objectId: ref.objectId } })
      checkOwnership(object, signer)
      store.mutateInputObject(withOwner(object, addressOwner(recipient)))
    }
  },
}

// ---- staking ----------------------------------------------------------------------------------

function readSystemState(store: TemporaryStore): { object: ChainObject; state: SystemStateValue } {
  const object = read(store, SYSTEM_STATE_OBJECT_ID)
  return { object, state: decodeSystemStateCopy(object.contents) }
}

function writeSystemState(store: TemporaryStore, object: ChainObject, state: SystemStateValue): void {
  store.mutateInputObject(withContents(object, encodeSystemStateContents(state)))
}

const stakingExecutor: Executor = {
  valueFee(store, kind) {
    const bps = store.fees.valueFeeBps / 2n
    if (kind.$kind === 'AddStake') {
      const { coinRef, amount } = kind.AddStake
      const stake = amount ?? coinBalanceForFee(store, coinRef.objectId) ?? 0n
      return stake === 0n ? 0n : bpsMul(stake, bps)
    }
    if (kind.$kind === 'WithdrawStake') {
      const object = store.readObjectForFee(kind.WithdrawStake.stakedSoma.objectId)
      const staked = object === undefined ? undefined : stakedSomaOf(object)
      return staked === undefined ? store.fees.baseFee : bpsMul(staked.principal, bps)
    }
    return 0n
  },
  execute(store, signer, kind, valueFee) {
    if (kind.$kind === 'AddStake') return addStake(store, signer, kind.AddStake, valueFee)
    if (kind.$kind === 'WithdrawStake') return withdrawStake(store, signer, kind.WithdrawStake.stakedSoma)
    throw new ExecutionFailure({ InvalidTransactionType: null })
  },
}

function createStakedSoma(store: TemporaryStore, signer: string, staked: StakedSomaValue): void {
  store.createObject(newObject(store.nextObjectId(), 'StakedSoma', addressOwner(signer), stakedSomaContents(staked), store.txDigest))
}

function addStake(store: TemporaryStore, signer: string, args: { address: string; coinRef: ObjectRefValue; amount: bigint | null }, valueFee: bigint): void {
  stakeFromCoin(store, signer, args, valueFee, 3n, (state, amount) => requestAddStakeToValidator(state, args.address, amount))
}

/**
 * The coin handling of AddStake and AddStakeToModel (protocol.md §5.2, §5.4): the coin's owner and
 * type, then its balance, then `request` (which checks the validator or model and books the stake),
 * then the coin is charged. A stake from the gas coin leaves the fee on it: `value_fee +
 * write_fee × n`, where n is 3, except that the reference reserves only 2 for AddStakeToModel with
 * an amount (`someFromGasWrites`). A non-gas coin staked whole is deleted.
 */
function stakeFromCoin(
  store: TemporaryStore,
  signer: string,
  args: { coinRef: ObjectRefValue; amount: bigint | null },
  valueFee: bigint,
  someFromGasWrites: bigint,
  request: (state: SystemStateValue, amount: bigint) => StakedSomaValue,
): void {
  const source = read(store, args.coinRef.objectId)
  const isGas = store.gasObjectId === source.id
  checkOwnership(source, signer)
  const balance = verifyCoin(source)
  const { object: stateObject, state } = readSystemState(store)
  let amount: bigint
  // What stays on the coin; null deletes it.
  let left: bigint | null
  if (args.amount !== null) {
    amount = args.amount
    const needed = isGas ? checkedAdd(amount, checkedAdd(valueFee, writeFee(store, someFromGasWrites))) : amount
    if (balance < needed) throw new ExecutionFailure({ InsufficientCoinBalance: null })
    left = !isGas && amount === balance ? null : checkedSub(balance, amount)
  } else if (isGas) {
    const reserve = checkedAdd(valueFee, writeFee(store, 3n))
    if (balance <= reserve) throw new ExecutionFailure({ InsufficientCoinBalance: null })
    amount = checkedSub(balance, reserve)
    left = reserve
  } else {
    amount = balance
    left = null
  }
  createStakedSoma(store, signer, request(state, amount))
  if (left === null) store.deleteInputObject(source.id)
  else setBalance(store, source, left)
  writeSystemState(store, stateObject, state)
}

function withdrawStake(store: TemporaryStore, signer: string, ref: ObjectRefValue): void {
  const object = read(store, ref.objectId)
  checkOwnership(object, signer)
  const staked = stakedSomaOf(object)
  if (staked === undefined) {
    throw new ExecutionFailure({
      InvalidObjectType: { objectId: object.id, expectedType: { StakedSoma: null }, actualType: { [object.type]: null } as { Coin: null } },
    })
  }
  const { object: stateObject, state } = readSystemState(store)
  const amount = requestWithdrawStakeFromState(state, staked)
  store.deleteInputObject(object.id)
  createCoin(store, amount, signer)
  writeSystemState(store, stateObject, state)
}

// ---- models -----------------------------------------------------------------------------------

function withSystemState(store: TemporaryStore, change: (state: SystemStateValue) => void): void {
  const { object, state } = readSystemState(store)
  change(state)
  writeSystemState(store, object, state)
}

const modelExecutor: Executor = {
  valueFee(store, kind) {
    const bps = store.fees.valueFeeBps / 2n
    if (kind.$kind === 'CreateModel') {
      const stake = kind.CreateModel.stakeAmount
      return stake === 0n ? 0n : bpsMul(stake, bps)
    }
    if (kind.$kind === 'AddStakeToModel') {
      const { coinRef, amount } = kind.AddStakeToModel
      const stake = amount ?? coinBalanceForFee(store, coinRef.objectId) ?? 0n
      return stake === 0n ? 0n : bpsMul(stake, bps)
    }
    return 0n
  },
  execute(store, signer, kind, valueFee) {
    switch (kind.$kind) {
      case 'CreateModel':
        return createModel(store, signer, kind.CreateModel, valueFee)
      case 'CommitModel': {
        const a = kind.CommitModel
        return withSystemState(store, (state) =>
          requestCommitModel(state, signer, a.modelId, a.manifest, a.weightsCommitment, a.embeddingCommitment, a.decryptionKeyCommitment),
        )
      }
      case 'RevealModel': {
        const a = kind.RevealModel
        return withSystemState(store, (state) => requestRevealModel(state, signer, a.modelId, a.decryptionKey, a.embedding))
      }
      case 'AddStakeToModel':
        return addStakeToModel(store, signer, kind.AddStakeToModel, valueFee)
      case 'SetModelCommissionRate': {
        const a = kind.SetModelCommissionRate
        return withSystemState(store, (state) => requestSetModelCommissionRate(state, signer, a.modelId, a.newRate))
      }
      case 'DeactivateModel': {
        const id = kind.DeactivateModel.modelId
        return withSystemState(store, (state) => requestDeactivateModel(state, signer, id))
      }
      case 'ReportModel': {
        const id = kind.ReportModel.modelId
        return withSystemState(store, (state) => reportModel(state, signer, id))
      }
      case 'UndoReportModel': {
        const id = kind.UndoReportModel.modelId
        return withSystemState(store, (state) => undoReportModel(state, signer, id))
      }
      default:
        throw new ExecutionFailure({ InvalidTransactionType: null })
    }
  },
}

function createModel(
  store: TemporaryStore,
  signer: string,
  args: { stakeAmount: bigint; commissionRate: bigint; architectureVersion: bigint },
  valueFee: bigint,
): void {
  const { object: stateObject, state } = readSystemState(store)
  if (args.architectureVersion !== state.parameters.modelArchitectureVersion) throw new ExecutionFailure({ ModelArchitectureVersionMismatch: null })
  if (args.stakeAmount < state.parameters.modelMinStake) throw new ExecutionFailure({ ModelMinStakeNotMet: null })
  if (args.commissionRate > BPS_DENOMINATOR) throw new ExecutionFailure({ ModelCommissionRateTooHigh: null })
  const gas = read(store, store.gasObjectId!)
  const balance = coinBalance(gas)!
  if (balance < checkedAdd(args.stakeAmount, checkedAdd(valueFee, writeFee(store, 3n)))) {
    throw new ExecutionFailure({ InsufficientCoinBalance: null })
  }
  const modelId = store.nextObjectId()
  const poolId = store.nextObjectId()
  const staked = requestCreateModel(state, signer, modelId, args.architectureVersion, args.stakeAmount, args.commissionRate, poolId)
  createStakedSoma(store, signer, staked)
  setBalance(store, gas, checkedSub(balance, args.stakeAmount))
  writeSystemState(store, stateObject, state)
}

/**
 * AddStakeToModel. With no amount and the gas coin as the source, the reference deletes the gas
 * coin and then charges the fee to its stale copy, which can mint SOMA (§17.13). Here it keeps
 * `value_fee + 3 × write_fee` on the gas coin, as AddStake does.
 */
function addStakeToModel(store: TemporaryStore, signer: string, args: { modelId: string; coinRef: ObjectRefValue; amount: bigint | null }, valueFee: bigint): void {
  stakeFromCoin(store, signer, args, valueFee, 2n, (state, amount) => requestAddStakeToModel(state, args.modelId, amount))
}

// ---- submissions ------------------------------------------------------------------------------

const submissionExecutor: Executor = {
  valueFee: submissionValueFee,
  execute: (store, signer, kind) => executeSubmission(store, signer, kind),
}

// ---- validators -------------------------------------------------------------------------------

const validatorExecutor: Executor = {
  valueFee: () => 0n,
  execute(store, signer, kind) {
    const { object, state } = readSystemState(store)
    switch (kind.$kind) {
      case 'AddValidator':
        requestAddValidator(state, signer, kind.AddValidator, store.nextObjectId())
        break
      case 'RemoveValidator':
        requestRemoveValidator(state, signer)
        break
      case 'ReportValidator':
        reportValidator(state, signer, kind.ReportValidator.reportee)
        break
      case 'UndoReportValidator':
        undoReportValidator(state, signer, kind.UndoReportValidator.reportee)
        break
      case 'SetCommissionRate':
        requestSetCommissionRate(state, signer, kind.SetCommissionRate.newRate)
        break
      case 'UpdateValidatorMetadata':
        requestUpdateValidatorMetadata(state, signer, kind.UpdateValidatorMetadata)
        break
      default:
        throw new ExecutionFailure({ InvalidTransactionType: null })
    }
    writeSystemState(store, object, state)
  },
}

// ---- system -----------------------------------------------------------------------------------

/** ChangeEpoch and the consensus prologue pay no fee; ChangeEpoch runs in epoch.ts. */
const systemExecutor: Executor = {
  valueFee: () => 0n,
  execute() {},
}

const EXECUTORS: Partial<Record<Kind['$kind'], Executor>> = {
  AddValidator: validatorExecutor,
  RemoveValidator: validatorExecutor,
  ReportValidator: validatorExecutor,
  UndoReportValidator: validatorExecutor,
  UpdateValidatorMetadata: validatorExecutor,
  SetCommissionRate: validatorExecutor,
  TransferCoin: coinExecutor,
  PayCoins: coinExecutor,
  TransferObjects: objectExecutor,
  AddStake: stakingExecutor,
  WithdrawStake: stakingExecutor,
  CreateModel: modelExecutor,
  CommitModel: modelExecutor,
  RevealModel: modelExecutor,
  AddStakeToModel: modelExecutor,
  SetModelCommissionRate: modelExecutor,
  DeactivateModel: modelExecutor,
  ReportModel: modelExecutor,
  UndoReportModel: modelExecutor,
  SubmitData: submissionExecutor,
  ClaimRewards: submissionExecutor,
  ReportSubmission: submissionExecutor,
  UndoReportSubmission: submissionExecutor,
  ChangeEpoch: systemExecutor,
  ConsensusCommitPrologueV1: systemExecutor,
}

export function executorFor(kind: Kind['$kind']): Executor | undefined {
  return EXECUTORS[kind]
}
