/**
 * The gas of a SimulateTransaction (reference: `rpc/.../transaction_execution_service/simulate.rs`
 * and `AuthorityState::simulate_transaction`). With checks enabled and no gas payment, the server
 * pays with the sender's coins: every Coin it owns in index order that the transaction does not
 * already name, at most 100. Whatever the checks, a transaction still without gas is paid by a mock
 * coin of 10^18 shannons (id `0xff…ff`, version 0, previous transaction the genesis marker) that
 * exists only for the simulation. The checks value changes nothing else: the reference hands it
 * to the executor, which ignores it.
 */
import { bcsTypes, encodeBcs, type TransactionDataValue } from '@soma-ts/sdk'

import { ownedInputRefs } from '../chain/execute.js'
import { addressOwner, coinContents, digestOf, type ChainObject } from '../chain/objects.js'
import type { LocalNode } from '../node/node.js'

/** `max_gas_payment_objects` as the reference hard-codes it for simulation. */
const MAX_SELECTED_GAS = 100
/** `DEV_INSPECT_GAS_COIN_VALUE`. */
export const MOCK_GAS_BALANCE = 1_000_000_000_000_000_000n
export const MOCK_GAS_ID = `0x${'f'.repeat(64)}`
/** `TransactionDigest::genesis_marker()`: 32 zero bytes. */
const GENESIS_MARKER = '11111111111111111111111111111111'

type ObjectRefValue = typeof bcsTypes.ObjectRef.$inferType

/** `select_gas`: the sender's coins in id order, skipping the transaction's own inputs. */
function selectGas(node: LocalNode, sender: string, exclude: ReadonlySet<string>): ObjectRefValue[] {
  const selected: ObjectRefValue[] = []
  let after = ''
  for (;;) {
    const page = node.database.ownedObjects(sender, after, 1000)
    for (const object of page) {
      if (object.type !== 'Coin' || exclude.has(object.id)) continue
      selected.push({ objectId: object.id, version: object.version, digest: digestOf(object) })
      if (selected.length === MAX_SELECTED_GAS) return selected
    }
    if (page.length < 1000) return selected
    after = page[page.length - 1]!.id
  }
}

export interface SimulationInput {
  /** The TransactionData that runs (with the gas the server chose, if it chose). */
  readonly data: TransactionDataValue
  readonly bcs: Uint8Array
  /** The mock gas coin, when there is one. */
  readonly extra: readonly ChainObject[]
}

/** The transaction to simulate once its gas is resolved as the reference does. */
export function resolveSimulationGas(node: LocalNode, data: TransactionDataValue, bcs: Uint8Array, checksEnabled: boolean): SimulationInput {
  const v1 = data.V1!
  if (v1.gasPayment.length > 0) return { data, bcs, extra: [] }
  let gasPayment: ObjectRefValue[] = []
  if (checksEnabled) {
    const inputs = new Set(ownedInputRefs(v1.kind).map((r) => r.objectId))
    gasPayment = selectGas(node, v1.sender, inputs)
  }
  const extra: ChainObject[] = []
  if (gasPayment.length === 0) {
    const mock: ChainObject = {
      id: MOCK_GAS_ID,
      type: 'Coin',
      version: 0n,
      owner: addressOwner(v1.sender),
      contents: coinContents(MOCK_GAS_BALANCE),
      previousTransaction: GENESIS_MARKER,
    }
    extra.push(mock)
    gasPayment = [{ objectId: mock.id, version: mock.version, digest: digestOf(mock) }]
  }
  const resolved = { V1: { ...v1, gasPayment } } as TransactionDataValue
  return { data: resolved, bcs: encodeBcs(bcsTypes.TransactionData, resolved), extra }
}
