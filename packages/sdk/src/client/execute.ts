/**
 * Sign, execute, wait for the checkpoint, with the reference's coin handling (sdk-cli.md §1.12):
 * up to 6 attempts; coins are chosen fresh each attempt and reserved while in flight; an attempt
 * that loses a coin race (the node says the object is locked or not available for consumption)
 * excludes the named coin and retries after a back-off. Success means included in a checkpoint
 * with status success; a failed execution throws `TransactionFailedError`.
 */
import type { ObjectRefInput } from '../bcs/primitives.js'
import type { TransactionKindInput } from '../bcs/transaction.js'
import { AbortedError, BaseError, InsufficientFundsError, TransactionFailedError } from '../errors/index.js'
import { ExecutionError_ExecutionErrorKind, type ExecutedTransaction } from '../generated/soma/rpc/effects_pb.js'
import { buildTransaction } from '../rpc/build.js'
import { RpcError } from '../rpc/errors.js'
import { transactionData } from '../transactions/builders.js'
import { normalizeAddress } from '../utils/encoding.js'
import { chooseGasCoin, listCoins, reserveCoins, richestCoin, selectCoin, type OwnedCoin } from './coins.js'
import type { PreparedTransaction, SignedCallOptions, SomaClientCore, TransactionResult } from './types.js'

/** The coins chosen for one attempt, fresh versions included. */
export interface ChosenCoins {
  bond: ObjectRefInput | undefined
  spend: ObjectRefInput | undefined
}

/** Retries after the first attempt (6 attempts in all). */
export const MAX_RETRIES = 5

export interface SignAndExecuteParams extends SignedCallOptions {
  /** The kind, or a function that builds it from the coins chosen for this attempt. */
  kind: TransactionKindInput | ((coins: ChosenCoins) => TransactionKindInput)
  /** Names the transaction in errors (default: the kind's variant). */
  label?: string
  /** Choose a bond coin (SubmitData) of at least this many shannons, passed to `kind`. */
  bond?: bigint
  /** The gas coin must hold at least this much (e.g. CreateModel takes its stake from the gas coin). */
  minGasBalance?: bigint
  /** Shannons the transaction moves (a stake, a transfer), so the gas coin can pay its value fee;
   * default: the whole spend coin, or 0. */
  value?: bigint
  /** Choose the coin the transaction spends (the richest one not in flight), passed to `kind`. */
  spend?: boolean
  /** Pay with these coins instead of selecting one (no retry on a lock conflict then). */
  gasPayment?: ObjectRefInput[]
  /** Coins never to use in this transaction (neither gas, bond nor spend). */
  excludeCoins?: readonly string[]
  /** Milliseconds to wait for a checkpoint to include the transaction; default 30 s. */
  checkpointTimeoutMs?: number
}

/** Text of a lock conflict, in the reference's and this local network's words. */
const LOCK_CONFLICT = /already locked|ObjectLockConflict|not available for consumption|VersionUnavailableForConsumption/i
const NAMED_OBJECT = /Object \(?(0x[0-9a-fA-F]{1,64})/i

/** Whether an error is a coin race worth retrying, and which object it names. */
export function lockConflict(err: unknown): { objectId: string | undefined } | undefined {
  const text = err instanceof RpcError ? `${err.serverMessage}` : err instanceof Error ? err.message : ''
  if (!LOCK_CONFLICT.test(text)) return undefined
  const named = NAMED_OBJECT.exec(text)?.[1]
  let objectId: string | undefined
  try {
    objectId = named === undefined ? undefined : normalizeAddress(named)
  } catch {
    objectId = undefined
  }
  return { objectId }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError())
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AbortedError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

const ref = (c: OwnedCoin): ObjectRefInput => ({ objectId: c.objectId, version: c.version, digest: c.digest })

function kindName(kind: TransactionKindInput): string {
  return Object.keys(kind as object).find((k) => k !== '$kind') ?? 'Transaction'
}

/** `INSUFFICIENT_COIN_BALANCE` → `InsufficientCoinBalance`; the description when the kind is unknown. */
function errorNameOf(executed: ExecutedTransaction): string {
  const error = executed.effects?.status?.error
  const kind = error?.kind
  if (kind !== undefined && kind !== ExecutionError_ExecutionErrorKind.EXECUTION_ERROR_KIND_UNKNOWN) {
    const name = ExecutionError_ExecutionErrorKind[kind]
    if (name) return name.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())
  }
  return error?.description?.split(/[\s:({]/)[0] || 'UnknownError'
}

/** The clean result of an executed transaction (throws for a failed one). */
export function transactionResult(executed: ExecutedTransaction, checkpoint: bigint, digest: string, label: string): TransactionResult {
  const effects = executed.effects
  if (effects?.status?.success !== true) {
    const description = effects?.status?.error?.description
    throw new TransactionFailedError({
      errorName: errorNameOf(executed),
      digest,
      label,
      ...(description ? { details: description.slice(0, 300) } : {}),
    })
  }
  // The effects may leave object types out; the returned objects carry them.
  const typeById = new Map((executed.objects?.objects ?? []).map((o) => [o.objectId && normalizeAddress(o.objectId), o.objectType]))
  return {
    digest,
    checkpoint,
    effects,
    // The node writes 64 hex digits without `0x` (`SomaAddress` Display); addresses here are `0x` + 64.
    balanceChanges: executed.balanceChanges.map((b) => ({ address: normalizeAddress(b.address ?? ''), amount: BigInt(b.amount ?? '0') })),
    created: effects.changedObjects
      .filter((c) => c.idOperation === 2 /* CREATED */ && c.objectId !== undefined)
      .map((c) => {
        const objectId = normalizeAddress(c.objectId as string)
        return { objectId, objectType: c.objectType || typeById.get(objectId) }
      }),
    executed,
  }
}

/**
 * The default executor: signs the prepared transaction, executes it and waits until a checkpoint
 * includes it.
 *
 * @param client - the client
 * @param tx - the prepared transaction
 * @returns the transaction, included in a checkpoint
 * @throws {TransactionFailedError} when the chain executed it with a failure status
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * await signAndExecute(client, { signer, kind, executor: (c, tx) => executePrepared(c, tx) })
 */
export async function executePrepared(client: SomaClientCore, tx: PreparedTransaction): Promise<TransactionResult> {
  const signed = await tx.signer.signTransaction(tx.built.bcs)
  const { executed, checkpoint } = await client.rpc.executeAndWait(tx.built, [signed.signature], {
    timeoutMs: tx.checkpointTimeoutMs,
    ...(tx.signal ? { signal: tx.signal } : {}),
  })
  return transactionResult(executed, checkpoint, tx.built.digest, tx.label)
}

/**
 * Signs a transaction kind with `signer`, picks the gas (and bond) coin, executes it and waits
 * until a checkpoint includes it; retries coin races as the reference does.
 *
 * @param client - the client
 * @param params - the signer, the kind (or a builder taking the bond coin), and call options
 * @returns the transaction's digest, checkpoint, effects, balance changes and created objects
 * @throws {TransactionFailedError} when the chain executed it with a failure status
 * @throws {InsufficientFundsError} when the sender has no usable coin
 * @throws {RpcError} when the node refuses it or cannot be reached
 * @example
 * const res = await signAndExecute(client, { signer, kind: claimRewards({ targetId }) })
 */
export async function signAndExecute(client: SomaClientCore, params: SignAndExecuteParams): Promise<TransactionResult> {
  const { signer, signal } = params
  const sender = signer.toSomaAddress()
  const excluded = new Set<string>(params.excludeCoins ?? [])
  // Coins a lock error named: avoided while another coin can pay, as the reference excludes them.
  const conflicted = new Set<string>()
  let lastError: unknown
  for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
    if (signal?.aborted) throw new AbortedError()
    let gasPayment: ObjectRefInput[]
    const chosen: ChosenCoins = { bond: undefined, spend: undefined }
    let reserved: string[] = []
    if (params.gasPayment !== undefined) {
      gasPayment = params.gasPayment
      if (params.spend || params.bond !== undefined) {
        const coins = await listCoins(client, sender, signal ? { signal } : {})
        const spend = params.spend ? richestCoin(coins, excluded) : undefined
        const bondCoin = params.bond !== undefined ? selectCoin(coins, { exclude: excluded, minBalance: params.bond }) : undefined
        chosen.spend = spend && ref(spend)
        chosen.bond = bondCoin && ref(bondCoin)
      }
    } else {
      const coins = await listCoins(client, sender, signal ? { signal } : {})
      const usable = coins.filter((c) => !excluded.has(c.objectId))
      let bondCoin: OwnedCoin | undefined
      if (params.bond !== undefined) {
        const bondNeed = params.bond
        bondCoin = selectCoin(usable, { exclude: conflicted, minBalance: bondNeed }) ?? selectCoin(usable, { minBalance: bondNeed })
        if (bondCoin === undefined) {
          if (usable.some((c) => c.balance >= bondNeed) && attempt < MAX_RETRIES) {
            await sleep(500 * 2 ** Math.min(attempt, 3), signal)
            continue
          }
          throw new InsufficientFundsError({ address: sender, details: `no coin holds the bond of ${bondNeed} shannons` })
        }
        chosen.bond = ref(bondCoin)
      }
      const spendCoin = params.spend ? richestCoin(usable, new Set(bondCoin ? [bondCoin.objectId] : [])) : undefined
      if (params.spend && spendCoin === undefined) throw new InsufficientFundsError({ address: sender, details: 'the address owns no coin' })
      chosen.spend = spendCoin && ref(spendCoin)
      const min = params.minGasBalance ?? 0n
      const value = params.value ?? (spendCoin ? spendCoin.balance : 0n)
      const gas = chooseGasCoin(usable, { bond: bondCoin, spend: spendCoin, conflicted, minBalance: min, value })
      if (gas === undefined) {
        if (usable.some((c) => c.balance >= min) && attempt < MAX_RETRIES) {
          // Every coin is reserved by a transaction in flight: wait for one to settle.
          await sleep(500 * 2 ** Math.min(attempt, 3), signal)
          continue
        }
        throw new InsufficientFundsError({ address: sender, details: usable.length === 0 ? 'the address owns no coin' : min > 0n && !usable.some((c) => c.balance >= min) ? `no single coin holds ${min} shannons (merge coins first)` : 'every coin is in flight' })
      }
      gasPayment = [ref(gas)]
      reserved = [...new Set([gas.objectId, ...(bondCoin ? [bondCoin.objectId] : []), ...(spendCoin ? [spendCoin.objectId] : [])])]
    }
    const kind = typeof params.kind === 'function' ? params.kind(chosen) : params.kind
    const label = params.label ?? kindName(kind)
    const release = reserveCoins(reserved)
    try {
      const built = buildTransaction(transactionData({ kind, sender, gasPayment }))
      const prepared: PreparedTransaction = { built, signer, label, signal, checkpointTimeoutMs: params.checkpointTimeoutMs ?? params.timeoutMs ?? 30_000 }
      return await (params.executor ?? executePrepared)(client, prepared)
    } catch (err) {
      const conflict = params.gasPayment === undefined && !(err instanceof TransactionFailedError) ? lockConflict(err) : undefined
      if (conflict === undefined || attempt === MAX_RETRIES) throw err
      if (conflict.objectId) conflicted.add(conflict.objectId)
      lastError = err
      await sleep(1000 * 2 ** Math.min(attempt, 3), signal)
    } finally {
      release()
    }
  }
  throw lastError instanceof BaseError ? lastError : new InsufficientFundsError({ address: sender, cause: lastError })
}
