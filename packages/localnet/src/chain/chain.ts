/**
 * An in-memory driver around the state machine: it applies genesis, executes transactions in
 * order, applies their writes, accumulates the epoch's fees for ChangeEpoch, and checks supply
 * conservation after every epoch boundary. The persistent node will use the same functions.
 */
import { PROTOCOL_VERSION, SYSTEM_STATE_OBJECT_ID } from './constants.js'
import { executeSystemTransaction, executeTransaction, type ExecutionOptions, type ExecutionResult } from './execute.js'
import type { Genesis } from './genesis.js'
import { InMemoryObjectStore, type ObjectStore } from './store.js'
import { assertSupplyConserved } from './supply.js'
import { decodeSystemStateContents, type SystemStateValue } from './system-state.js'

export class LocalChain {
  /** Fees burned in the current epoch; ChangeEpoch returns them. */
  epochFees = 0n

  constructor(readonly store: ObjectStore = new InMemoryObjectStore()) {}

  static fromGenesis(genesis: Genesis, store: ObjectStore = new InMemoryObjectStore()): LocalChain {
    store.applyWrites({ written: genesis.objects, deleted: [] })
    const chain = new LocalChain(store)
    assertSupplyConserved(store)
    return chain
  }

  systemState(): SystemStateValue {
    return decodeSystemStateContents(this.store.getObject(SYSTEM_STATE_OBJECT_ID)!.contents)
  }

  /** Executes and applies a signed transaction; a rejected one throws `TransactionRejected` and changes nothing. */
  execute(signedTransaction: Uint8Array): ExecutionResult {
    const result = executeTransaction(this.store, signedTransaction)
    this.store.applyWrites(result.writes)
    this.epochFees += result.totalFee
    return result
  }

  /** Runs a transaction against the current state without applying it. */
  simulate(signedTransaction: Uint8Array, options: ExecutionOptions = { skipSignatureCheck: true }): ExecutionResult {
    return executeTransaction(this.store, signedTransaction, options)
  }

  /** The epoch boundary: ChangeEpoch with this epoch's fees, then the supply check. */
  advanceEpoch(epochStartTimestampMs: bigint): ExecutionResult {
    const state = this.systemState()
    const result = executeSystemTransaction(this.store, {
      ChangeEpoch: {
        epoch: state.epoch + 1n,
        epochStartTimestampMs,
        protocolVersion: PROTOCOL_VERSION,
        fees: this.epochFees,
        epochRandomness: new Uint8Array(),
      },
    })
    this.store.applyWrites(result.writes)
    this.epochFees = 0n
    assertSupplyConserved(this.store)
    return result
  }
}
