/**
 * The transaction shell every transaction command uses: the reference's `TxProcessingArgs`
 * (`--tx-digest`, `--simulate`, `--serialize-unsigned-transaction`, `--serialize-signed-transaction`)
 * as an SDK executor, so coins are chosen exactly as for a real execution, and the reference's
 * `TransactionResponse` / `SimulationResponse` shapes (cli/src/response.rs) with their tables.
 */
import {
  InvalidArgumentError,
  normalizeAddress,
  serializeSignedTransaction,
  toBase64,
  type PreparedTransaction,
  type SomaClientCore,
  type TransactionExecutor,
  type TransactionResult,
} from '@soma-ts/sdk'
import { ExecutionError_ExecutionErrorKind, type ChangedObject, type ExecutedTransaction } from '@soma-ts/sdk/generated/soma/rpc/effects_pb'
import type { Owner } from '@soma-ts/sdk/generated/soma/rpc/object_pb'
import type { Command } from 'commander'

import type { CliContext } from './context.js'
import { formatFee, formatSomaHuman, idForDisplay, jsonInt, truncateId } from './format.js'
import { table } from './commands/keys-shared.js'
import { markFailed, print } from './output.js'

/** The transaction flags, as commander parses them. */
export interface TxFlags {
  txDigest?: boolean
  simulate?: boolean
  serializeUnsignedTransaction?: boolean
  serializeSignedTransaction?: boolean
}

/** Adds the transaction flags to a command. */
export function addTxFlags(cmd: Command): Command {
  return cmd
    .option('--tx-digest', 'print the digest of the built transaction (Base58) and do not execute it')
    .option('--simulate', 'simulate the transaction (no signature) and print its effects')
    .option('--serialize-unsigned-transaction', 'print the Base64 BCS TransactionData instead of executing')
    .option('--serialize-signed-transaction', 'print the Base64 BCS SenderSignedData instead of executing')
}

// ---------------------------------------------------------------------------------------------
// JSON shapes (cli/src/response.rs)
// ---------------------------------------------------------------------------------------------

export type OwnerDisplay =
  | { type: 'address_owner'; address: string }
  | { type: 'shared'; initial_shared_version: number | string }
  | { type: 'immutable' }

export interface OwnedObjectRef {
  object_id: string
  version: number | string
  digest: string
  owner: OwnerDisplay
}

export interface ObjectRefDisplay {
  object_id: string
  version: number | string
  digest: string
}

export type TransactionStatus = 'Success' | { Failure: { error: string } }

export interface FeeDisplay {
  base_fee: number | string
  operation_fee: number | string
  value_fee: number | string
  total_fee: number | string
}

export interface BalanceChangeDisplay {
  address: string
  amount: number | string
}

/** The reference's `TransactionResponse` (empty lists left out). */
export interface TransactionResponse {
  digest: string
  status: TransactionStatus
  executed_epoch: number | string
  checkpoint?: number | string
  fee: FeeDisplay
  created?: OwnedObjectRef[]
  mutated?: OwnedObjectRef[]
  deleted?: ObjectRefDisplay[]
  gas_object: OwnedObjectRef
  balance_changes?: BalanceChangeDisplay[]
}

/** The reference's `SimulationResponse`. */
export interface SimulationResponse {
  status: TransactionStatus
  gas_used: number | string
  created: OwnedObjectRef[]
  mutated: OwnedObjectRef[]
  deleted: ObjectRefDisplay[]
  balance_changes?: BalanceChangeDisplay[]
}

export function ownerDisplay(owner: Owner | undefined): OwnerDisplay {
  if (owner?.kind === 2) return { type: 'shared', initial_shared_version: jsonInt(owner.version ?? 0n) }
  if (owner?.kind === 3) return { type: 'immutable' }
  return { type: 'address_owner', address: idForDisplay(owner?.address ?? '') }
}

const ID_CREATED = 2
const ID_DELETED = 3
const OUTPUT_WRITE = 2
const INPUT_EXISTS = 2

const owned = (c: ChangedObject): OwnedObjectRef => ({
  object_id: idForDisplay(c.objectId ?? ''),
  version: jsonInt(c.outputVersion ?? 0n),
  digest: c.outputDigest ?? '',
  owner: ownerDisplay(c.outputOwner),
})

/** The status text of a failed execution: the error's kind name, then its description. */
function failureText(executed: ExecutedTransaction): string {
  const error = executed.effects?.status?.error
  const kind = error?.kind === undefined ? undefined : ExecutionError_ExecutionErrorKind[error.kind]
  const description = error?.description
  return [kind && kind !== 'EXECUTION_ERROR_KIND_UNKNOWN' ? kind : undefined, description].filter(Boolean).join(': ') || 'unknown error'
}

function objectChanges(executed: ExecutedTransaction): { created: OwnedObjectRef[]; mutated: OwnedObjectRef[]; deleted: ObjectRefDisplay[]; gas: OwnedObjectRef } {
  const effects = executed.effects
  const changed = effects?.changedObjects ?? []
  const gasIndex = effects?.gasObjectIndex
  const gas = gasIndex === undefined ? undefined : changed[gasIndex]
  const created: OwnedObjectRef[] = []
  const mutated: OwnedObjectRef[] = []
  const deleted: ObjectRefDisplay[] = []
  changed.forEach((c, i) => {
    if (c.idOperation === ID_CREATED && c.outputState === OUTPUT_WRITE) created.push(owned(c))
    else if (c.idOperation === ID_DELETED || (c.inputState === INPUT_EXISTS && c.outputState !== OUTPUT_WRITE)) {
      deleted.push({ object_id: idForDisplay(c.objectId ?? ''), version: jsonInt(c.outputVersion ?? effects?.lamportVersion ?? 0n), digest: c.outputDigest ?? c.inputDigest ?? '' })
    } else if (c.inputState === INPUT_EXISTS && c.outputState === OUTPUT_WRITE && i !== gasIndex) mutated.push(owned(c))
  })
  return { created, mutated, deleted, gas: gas === undefined ? { object_id: '', version: 0, digest: '', owner: ownerDisplay(undefined) } : owned(gas) }
}

/** `SomaAddress` through serde, as the reference CLI's JSON writes it: `0x` + 64 hex (the node sends no `0x`). */
function balanceChanges(executed: ExecutedTransaction): BalanceChangeDisplay[] {
  return executed.balanceChanges.map((b) => ({ address: normalizeAddress(b.address ?? ''), amount: jsonInt(BigInt(b.amount ?? '0')) }))
}

function feeDisplay(executed: ExecutedTransaction): FeeDisplay {
  const fee = executed.effects?.fee
  return {
    base_fee: jsonInt(fee?.baseFee ?? 0n),
    operation_fee: jsonInt(fee?.operationFee ?? 0n),
    value_fee: jsonInt(fee?.valueFee ?? 0n),
    total_fee: jsonInt(fee?.totalFee ?? 0n),
  }
}

/** An executed transaction (from the SDK's result or a node's answer) as `TransactionResponse`. */
export function transactionResponse(executed: ExecutedTransaction, digest: string, checkpoint: bigint | undefined): TransactionResponse {
  const { created, mutated, deleted, gas } = objectChanges(executed)
  const success = executed.effects?.status?.success === true
  const out: TransactionResponse = {
    digest,
    status: success ? 'Success' : { Failure: { error: failureText(executed) } },
    executed_epoch: jsonInt(executed.effects?.epoch ?? 0n),
    ...(checkpoint === undefined ? {} : { checkpoint: jsonInt(checkpoint) }),
    fee: feeDisplay(executed),
    gas_object: gas,
  }
  if (created.length) out.created = created
  if (mutated.length) out.mutated = mutated
  if (deleted.length) out.deleted = deleted
  const changes = balanceChanges(executed)
  if (changes.length) out.balance_changes = changes
  return out
}

/** A simulated transaction as `SimulationResponse`. */
export function simulationResponse(executed: ExecutedTransaction): SimulationResponse {
  const { created, mutated, deleted } = objectChanges(executed)
  const success = executed.effects?.status?.success === true
  const out: SimulationResponse = {
    status: success ? 'Success' : { Failure: { error: failureText(executed) } },
    gas_used: jsonInt(executed.effects?.fee?.totalFee ?? 0n),
    created,
    mutated,
    deleted,
  }
  const changes = balanceChanges(executed)
  if (changes.length) out.balance_changes = changes
  return out
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

const big = (v: number | string) => BigInt(v)

function ownerText(owner: OwnerDisplay): string {
  if (owner.type === 'address_owner') return truncateId(owner.address)
  if (owner.type === 'shared') return `Shared (v${owner.initial_shared_version})`
  return 'Immutable'
}

function refsTable(refs: OwnedObjectRef[]): string {
  return table([['Object ID', 'Version', 'Owner'], ...refs.map((r) => [r.object_id, String(r.version), ownerText(r.owner)])], { header: true })
}

function changesTable(changes: BalanceChangeDisplay[]): string {
  return table(
    [['Address', 'Change'], ...changes.map((c) => [c.address.replace(/^0x/, ''), big(c.amount) >= 0n ? `+${formatSomaHuman(big(c.amount))}` : formatSomaHuman(big(c.amount))])],
    { header: true, title: 'Balance Changes' },
  )
}

/** The reference's text of a `TransactionResponse`. */
export function transactionText(r: TransactionResponse): string {
  const lines: string[] = []
  if (r.status === 'Success') lines.push('✓ Transaction Succeeded', '')
  else lines.push('✗ Transaction Failed', `  Error: ${r.status.Failure.error}`, '')
  lines.push(
    table(
      [['Transaction Details', ''], ['Digest', r.digest], ['Epoch', String(r.executed_epoch)], ...(r.checkpoint === undefined ? [] : [['Checkpoint', String(r.checkpoint)]])],
      { header: true },
    ),
  )
  if (r.created?.length) lines.push('', `● Created Objects (${r.created.length})`, refsTable(r.created))
  if (r.mutated?.length) lines.push('', `● Mutated Objects (${r.mutated.length})`, refsTable(r.mutated))
  if (r.deleted?.length) {
    lines.push('', `● Deleted Objects (${r.deleted.length})`, table([['Object ID', 'Version'], ...r.deleted.map((d) => [d.object_id, String(d.version)])], { header: true }))
  }
  lines.push(
    '',
    table(
      [
        ['Gas Summary', ''],
        ['Base Fee', formatFee(big(r.fee.base_fee))],
        ['Operation Fee', formatFee(big(r.fee.operation_fee))],
        ['Value Fee', formatFee(big(r.fee.value_fee))],
        ['Total', formatFee(big(r.fee.total_fee))],
      ],
      { header: true },
    ),
  )
  if (r.balance_changes?.length) lines.push('', changesTable(r.balance_changes))
  return lines.join('\n')
}

/** The reference's text of a `SimulationResponse`. */
export function simulationText(r: SimulationResponse): string {
  const lines = ['Simulation Result', '', r.status === 'Success' ? '✓ Would Succeed' : `✗ Would Fail: ${r.status.Failure.error}`, '', `Estimated Gas: ${formatFee(big(r.gas_used))}`]
  if (r.created.length) lines.push('', `● Created Objects (${r.created.length})`, refsTable(r.created))
  if (r.mutated.length) lines.push('', `● Mutated Objects (${r.mutated.length})`, refsTable(r.mutated))
  if (r.deleted.length) lines.push('', `● Deleted Objects (${r.deleted.length})`, table([['Object ID', 'Version'], ...r.deleted.map((d) => [d.object_id, String(d.version)])], { header: true }))
  if (r.balance_changes?.length) lines.push('', changesTable(r.balance_changes))
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------
// The shell
// ---------------------------------------------------------------------------------------------

/** What a transaction command printed: an executed transaction, or what a flag asked for instead. */
export type TxOutcome =
  | { kind: 'executed'; response: TransactionResponse; result?: TransactionResult }
  | { kind: 'digest'; digest: string }
  | { kind: 'simulation'; response: SimulationResponse }
  | { kind: 'unsigned'; base64: string }
  | { kind: 'signed'; base64: string }

/**
 * Thrown by the flag executors to end the SDK action once the flag's output is made. Not an
 * `Error`: the SDK's lock-conflict retry never mistakes it for one.
 */
class StoppedBeforeExecution {
  constructor(readonly outcome: TxOutcome) {}
}

/** The executor for the flags, or undefined to execute (sign, execute, wait for the checkpoint). */
export function flagExecutor(flags: TxFlags): TransactionExecutor | undefined {
  if (flags.serializeUnsignedTransaction && flags.serializeSignedTransaction) {
    throw new InvalidArgumentError('--serialize-unsigned-transaction and --serialize-signed-transaction cannot be used together.', {
      hint: 'Pick one.',
    })
  }
  if (flags.txDigest) {
    return async (_client, tx) => {
      throw new StoppedBeforeExecution({ kind: 'digest', digest: tx.built.digest })
    }
  }
  if (flags.simulate) {
    return async (client: SomaClientCore, tx: PreparedTransaction) => {
      const simulated = await client.rpc.simulateTransaction(tx.built.proto, tx.signal ? { signal: tx.signal } : {})
      throw new StoppedBeforeExecution({ kind: 'simulation', response: simulationResponse(simulated) })
    }
  }
  if (flags.serializeUnsignedTransaction) {
    return async (_client, tx) => {
      throw new StoppedBeforeExecution({ kind: 'unsigned', base64: toBase64(tx.built.bcs) })
    }
  }
  if (flags.serializeSignedTransaction) {
    return async (_client, tx) => {
      const signed = await tx.signer.signTransaction(tx.built.bcs)
      throw new StoppedBeforeExecution({ kind: 'signed', base64: toBase64(serializeSignedTransaction(tx.built.bcs, [signed.signature])) })
    }
  }
  return undefined
}

/**
 * Runs one SDK action under the transaction flags: `run` gets the executor to pass to the action
 * (`{ ...params, executor }`). Returns what happened; `printTxOutcome` shows it.
 */
export async function runTx(flags: TxFlags, run: (extra: { executor?: TransactionExecutor }) => Promise<TransactionResult>): Promise<TxOutcome> {
  const executor = flagExecutor(flags)
  try {
    const result = await run(executor === undefined ? {} : { executor })
    return { kind: 'executed', result, response: transactionResponse(result.executed, result.digest, result.checkpoint) }
  } catch (err) {
    if (err instanceof StoppedBeforeExecution) return err.outcome
    throw err
  }
}

export interface PrintTxOptions {
  /** A line before the transaction table (text only), e.g. `Coins merged successfully.`. */
  title?: string
  /** Extra fields merged into the JSON of an executed transaction (the reference flattens some). */
  extra?: Record<string, unknown>
  /** Lines after the transaction table (text only). */
  footer?: string[]
  /** JSON of a serialized transaction as `{serialized_transaction}` (the validator commands' shape) instead of a string. */
  serializedAsObject?: boolean
}

/** Prints an outcome in the reference's words; sets exit code 1 for a failed (or would-fail) transaction. */
export function printTxOutcome(ctx: Pick<CliContext, 'json'>, outcome: TxOutcome, options: PrintTxOptions = {}): void {
  const json = { json: ctx.json }
  switch (outcome.kind) {
    case 'executed': {
      print(json, { ...outcome.response, ...options.extra }, () => [...(options.title ? [options.title, ''] : []), transactionText(outcome.response), ...(options.footer ?? [])].join('\n'))
      if (outcome.response.status !== 'Success') markFailed()
      return
    }
    case 'digest':
      print(json, outcome.digest, () => `Transaction Digest: ${outcome.digest}`)
      return
    case 'simulation':
      print(json, outcome.response, () => simulationText(outcome.response))
      return
    case 'unsigned':
    case 'signed': {
      const label = outcome.kind === 'unsigned' ? 'Serialized Unsigned Transaction' : 'Serialized Signed Transaction'
      const next = outcome.kind === 'unsigned' ? "→ Use 'soma tx execute-signed' to submit after signing." : "→ Use 'soma tx execute-combined-signed' to submit it."
      print(json, options.serializedAsObject ? { serialized_transaction: outcome.base64 } : outcome.base64, () => `${label}\n\n${outcome.base64}\n\n${next}`)
      return
    }
  }
}
