/**
 * Coin selection as the reference SDK does it (sdk-cli.md §1.12): one gas coin per transaction,
 * picked at random among the eight richest coins that are not excluded and not in flight, so that
 * concurrent transactions from one address rarely pick the same coin. Coins chosen for a
 * transaction stay in the process-wide in-flight set until it settles.
 */
import { decodeBcs } from '../bcs/codec.js'
import { Coin } from '../bcs/objects.js'
import type { Object$ } from '../generated/soma/rpc/object_pb.js'
import { normalizeAddress } from '../utils/encoding.js'
import type { CallOptions, SomaClientCore } from './types.js'

/** A coin reference with its balance. */
export interface OwnedCoin {
  objectId: string
  version: bigint
  /** Base58. */
  digest: string
  /** Shannons. */
  balance: bigint
}

/** Coins listed per selection (one page), as the reference. */
export const COIN_PAGE_SIZE = 256
/** Selection picks at random among this many of the richest eligible coins. */
export const COIN_TOP_N = 8

/** Coins reserved by transactions of this process that have not settled yet. */
const inFlight = new Set<string>()

/** Whether a coin is reserved by a transaction of this process that has not settled. */
export function isCoinInFlight(objectId: string): boolean {
  return inFlight.has(objectId)
}

/** Reserves coins until the returned function is called. */
export function reserveCoins(ids: readonly string[]): () => void {
  const fresh = ids.filter((id) => !inFlight.has(id))
  for (const id of fresh) inFlight.add(id)
  return () => {
    for (const id of fresh) inFlight.delete(id)
  }
}

/** Number of coins currently reserved by this process. */
export function inFlightCoinCount(): number {
  return inFlight.size
}

/** The coin of a listed object, or undefined for another type or unreadable contents. */
export function coinOf(object: Object$): OwnedCoin | undefined {
  if (object.objectType !== 'Coin' || object.contents === undefined || object.objectId === undefined) return undefined
  if (object.version === undefined || object.digest === undefined) return undefined
  try {
    const { balance } = decodeBcs(Coin, object.contents)
    // The reference node lists ids as 64 hex digits without `0x` (wire.md §8.3); in-flight and
    // lock-conflict bookkeeping compare them with `0x` ids, so every id is normalized here.
    return { objectId: normalizeAddress(object.objectId), version: object.version, digest: object.digest, balance }
  } catch {
    return undefined
  }
}

/** The first page of `owner`'s coins (at most `limit`), richest first. */
export async function listCoins(client: SomaClientCore, owner: string, options: CallOptions & { limit?: number } = {}): Promise<OwnedCoin[]> {
  const limit = options.limit ?? COIN_PAGE_SIZE
  const coins: OwnedCoin[] = []
  for await (const object of client.rpc.listOwnedObjects(owner, {
    objectType: 'Coin',
    pageSize: Math.min(limit, 1000),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  })) {
    const coin = coinOf(object)
    if (coin) coins.push(coin)
    if (coins.length >= limit) break
  }
  return coins.sort((a, b) => (a.balance === b.balance ? 0 : a.balance > b.balance ? -1 : 1))
}

export interface SelectCoinOptions {
  /** Coins never to pick (e.g. the bond coin, or coins a lock error named). */
  exclude?: ReadonlySet<string>
  /** Whether a coin is reserved elsewhere; default: this process's in-flight set. */
  inFlight?: (objectId: string) => boolean
  /** Coins below this balance are not eligible. */
  minBalance?: bigint
  /** `() => [0, 1)`; default Math.random. */
  random?: () => number
}

/**
 * Picks one coin uniformly at random among the `COIN_TOP_N` richest eligible ones (not excluded,
 * not in flight, at least `minBalance`); undefined when none is eligible.
 *
 * @param coins - candidate coins, in any order
 * @param options - exclusions, the in-flight test and the random source
 * @returns the chosen coin, or undefined
 * @example
 * const gas = selectCoin(await listCoins(client, address), { exclude: new Set([bond.objectId]) })
 */
export function selectCoin(coins: readonly OwnedCoin[], options: SelectCoinOptions = {}): OwnedCoin | undefined {
  const busy = options.inFlight ?? isCoinInFlight
  const min = options.minBalance ?? 0n
  const eligible = coins
    .filter((c) => !options.exclude?.has(c.objectId) && !busy(c.objectId) && c.balance >= min)
    .sort((a, b) => (a.balance === b.balance ? 0 : a.balance > b.balance ? -1 : 1))
    .slice(0, COIN_TOP_N)
  if (eligible.length === 0) return undefined
  const r = (options.random ?? Math.random)()
  return eligible[Math.min(eligible.length - 1, Math.floor(r * eligible.length))]
}

/** The richest coin that is not in flight (the coin a transfer, payment or stake spends). */
export function richestCoin(coins: readonly OwnedCoin[], exclude?: ReadonlySet<string>): OwnedCoin | undefined {
  return coins.find((c) => !exclude?.has(c.objectId) && !isCoinInFlight(c.objectId)) ?? coins.find((c) => !exclude?.has(c.objectId))
}

/** Protocol defaults the gas floor is estimated from (protocol.md §2): the fee a transaction pays is
 * `base_fee` + written objects × `write_object_fee` + the value fee, at most `max_value_fee_bps`. */
const BASE_FEE = 1000n
const WRITE_OBJECT_FEE = 300n
const MAX_WRITTEN_OBJECTS = 5n
const MAX_VALUE_FEE_BPS = 50n

/**
 * The least a gas coin should hold to pay for a transaction that moves `value` shannons (a stake,
 * a transfer): the base fee, five written objects and the value fee at its ceiling.
 *
 * @param value - shannons whose value fee the gas coin pays (0 for a kind without one)
 * @returns shannons
 * @example
 * gasFloor(500_000_000n) // 2_502_500n
 */
export function gasFloor(value: bigint): bigint {
  return BASE_FEE + MAX_WRITTEN_OBJECTS * WRITE_OBJECT_FEE + (value * MAX_VALUE_FEE_BPS) / 10_000n
}

export interface ChooseGasOptions {
  /** The bond coin of this transaction; gas only as a last resort. */
  bond?: OwnedCoin | undefined
  /** The coin this transaction spends; gas when no other coin can pay. */
  spend?: OwnedCoin | undefined
  /** Coins a lock error named: avoided while another coin can pay. */
  conflicted?: ReadonlySet<string>
  /** A hard minimum (e.g. CreateModel's stake comes from the gas coin); 0 when the kind has none. */
  minBalance?: bigint
  /** Shannons the transaction moves, for the fee estimate of `gasFloor`. */
  value?: bigint
  inFlight?: (objectId: string) => boolean
  random?: () => number
}

/**
 * The gas coin for one attempt: random among the richest coins that can pay the estimated fee
 * (`gasFloor`), so that a dust coin (a reward payout, change) is not picked to pay for a stake and
 * fail with `InsufficientGas`; then any coin above the hard minimum, then the spend coin, then the
 * bond coin. Undefined when none is usable.
 *
 * @param usable - the sender's coins, excluded ones already removed
 * @param options - the bond and spend coins, conflicts, minimum and value
 * @returns the coin to pay with, or undefined
 * @example
 * const gas = chooseGasCoin(coins, { spend, value: 500_000_000n })
 */
export function chooseGasCoin(usable: readonly OwnedCoin[], options: ChooseGasOptions = {}): OwnedCoin | undefined {
  const busy = options.inFlight ?? isCoinInFlight
  const min = options.minBalance ?? 0n
  const floor = gasFloor(options.value ?? 0n)
  const notBond = new Set(options.bond ? [options.bond.objectId] : [])
  const notBondOrConflicted = new Set([...notBond, ...(options.conflicted ?? [])])
  const pick = (exclude: ReadonlySet<string>, minBalance: bigint) => selectCoin(usable, { exclude, minBalance, inFlight: busy, ...(options.random ? { random: options.random } : {}) })
  const atFloor = floor > min ? floor : min
  return (
    pick(notBondOrConflicted, atFloor) ??
    pick(notBond, atFloor) ??
    (options.spend && !busy(options.spend.objectId) ? options.spend : undefined) ??
    pick(notBondOrConflicted, min) ??
    pick(notBond, min) ??
    options.bond
  )
}
