/**
 * Queries and raw transactions (sdk-cli.md §2.1 `status`, §2.2): `status`, `objects get|list|gas`,
 * `tx info|execute-serialized|execute-signed|execute-combined-signed`, and `advance-epoch` (local
 * networks only).
 */
import { decodeBcs, StakedSoma, TransactionData } from '@soma-ts/sdk/bcs'
import {
  buildTransaction,
  deserializeSignedTransaction,
  fromBase64,
  InvalidArgumentError,
  listCoins,
  serializeSignedTransaction,
  toBase64,
  transactionSender,
} from '@soma-ts/sdk'
import type { ExecutedTransaction } from '@soma-ts/sdk/generated/soma/rpc/effects_pb'
import type { Object$ } from '@soma-ts/sdk/generated/soma/rpc/object_pb'
import type { Command } from 'commander'

import { type CliContext, withContext } from '../context.js'
import { formatDuration, formatSomaHuman, idForDisplay, jsonInt } from '../format.js'
import { withExamples } from '../help.js'
import { print } from '../output.js'
import { addTxFlags, ownerDisplay, printTxOutcome, runTx, transactionResponse, transactionText, type TxFlags } from '../tx.js'
import { table } from './keys-shared.js'

function contentOf(object: Object$): Record<string, unknown> | undefined {
  const bytes = object.contents
  try {
    switch (object.objectType) {
      case 'Coin':
        return bytes === undefined ? undefined : { type: 'coin', balance: jsonInt(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)) }
      case 'StakedSoma': {
        if (bytes === undefined) return undefined
        const s = decodeBcs(StakedSoma, bytes)
        return { type: 'staked_soma', pool_id: s.poolId, stake_activation_epoch: jsonInt(s.stakeActivationEpoch), principal: jsonInt(s.principal) }
      }
      case 'SystemState':
        return { type: 'system_state' }
      case 'Target':
        return { type: 'target' }
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}

/** The reference's `ObjectOutput`. */
function objectOutput(object: Object$, withBcs: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    object_id: object.objectId === undefined ? undefined : idForDisplay(object.objectId),
    version: jsonInt(object.version ?? 0n),
    digest: object.digest,
    object_type: object.objectType,
    owner: ownerDisplay(object.owner),
  }
  const content = contentOf(object)
  if (content) out.content = content
  if (object.previousTransaction) out.previous_transaction = object.previousTransaction
  if (withBcs && object.contents) out.bcs_bytes = toBase64(object.contents)
  return out
}

/** Executes a signed transaction (BCS TransactionData + signatures), waits for its checkpoint, prints it. */
async function executeSigned(ctx: CliContext, txBytes: Uint8Array, signatures: string[]): Promise<void> {
  const built = buildTransaction(decodeBcs(TransactionData, txBytes))
  const { executed, checkpoint } = await ctx.client().rpc.executeAndWait(built, signatures, { timeoutMs: 30_000 })
  printExecuted(ctx, executed, built.digest, checkpoint)
}

/** A failed status prints the response, as the reference does, and exits 1 (printTxOutcome). */
function printExecuted(ctx: CliContext, executed: ExecutedTransaction, digest: string, checkpoint: bigint | undefined): void {
  printTxOutcome(ctx, { kind: 'executed', response: transactionResponse(executed, digest, checkpoint) })
}

export function registerQueryCommands(program: Command): void {
  withExamples(
    program
      .command('status')
      .description('Show the network, the epoch and the active address')
      .action((_o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const client = ctx.client()
          const out: Record<string, unknown> = { network: ctx.env.alias, rpc_url: ctx.env.rpc }
          let reachable = true
          try {
            const [info, params] = await Promise.all([client.getChainInfo({ timeoutMs: 10_000 }), client.getNetworkParameters({ timeoutMs: 10_000 })])
            out.server_version = info.server
            out.chain_id = info.chainId
            out.epoch = jsonInt(info.epoch ?? 0n)
            out.epoch_start_timestamp_ms = jsonInt(params.epochStartTimestampMs)
            out.epoch_duration_ms = jsonInt(params.epochDurationMs)
            const left = params.nextEpochTimestampMs - BigInt(Date.now())
            out.next_epoch_in = `Next epoch in ${formatDuration(left > 0n ? left : 0n)}`
            out.protocol_version = jsonInt(params.protocolVersion)
          } catch {
            reachable = false
          }
          let address: string | undefined
          try {
            address = ctx.activeAddress()
          } catch {
            address = undefined
          }
          if (address !== undefined) {
            out.active_address = address
            if (reachable) out.balance = jsonInt(await client.getBalance({ address, timeoutMs: 10_000 }))
          }
          out.server_reachable = reachable
          print({ json: ctx.json }, out, () => {
            const rows: string[][] = [['SOMA Network Status', '']]
            for (const [k, v] of Object.entries(out)) {
              if (k === 'balance') rows.push([k, formatSomaHuman(BigInt(v as number))])
              else rows.push([k, String(v)])
            }
            return `${table(rows, { header: true })}${reachable ? '' : `\nwarning: the server at ${ctx.env.rpc} is not reachable.`}`
          })
        }),
      ),
    'soma status',
    'soma status --json',
  )

  const objects = program.command('objects').description('Read objects')
  withExamples(
    objects
      .command('get')
      .description('Show an object')
      .argument('<object-id>')
      .option('--bcs', 'include the BCS of its contents (Base64)')
      .action((objectId: string, o: { bcs?: boolean }, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const object = await ctx.client().getObject({ objectId })
          const out = objectOutput(object, o.bcs === true)
          print({ json: ctx.json }, out, () => table(Object.entries(out).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])))
        }),
      ),
    'soma objects get 0x5',
  )
  withExamples(
    objects
      .command('list')
      .description('List the objects an address owns (default: the active address)')
      .argument('[owner]', 'address or alias')
      .action((owner: string | undefined, _o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const address = ctx.address(owner)
          const list = await ctx.client().listOwnedObjects({ owner: address })
          const out = { address, objects: list.map((obj) => objectOutput(obj, false)) }
          print({ json: ctx.json }, out, () =>
            list.length === 0
              ? `No objects owned by ${address}.`
              : table([['Object ID', 'Version', 'Type'], ...list.map((obj) => [idForDisplay(obj.objectId ?? ''), String(obj.version ?? ''), obj.objectType ?? ''])], { header: true, title: `Objects of ${address}` }),
          )
        }),
      ),
    'soma objects list',
    'soma objects list my-alias --json',
  )
  withExamples(
    objects
      .command('gas')
      .description('List the coins of an address with their balances')
      .argument('[owner]', 'address or alias')
      .action((owner: string | undefined, _o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const address = ctx.address(owner)
          const coins = await listCoins(ctx.client(), address, { limit: Number.MAX_SAFE_INTEGER })
          const total = coins.reduce((a, c) => a + c.balance, 0n)
          const out = { address, coins: coins.map((c) => [[c.objectId, jsonInt(c.version), c.digest], jsonInt(c.balance)]) }
          print({ json: ctx.json }, out, () =>
            `${table([['Object ID', 'Version', 'Balance (shannons)'], ...coins.map((c) => [c.objectId, String(c.version), c.balance.toString()])], { header: true, title: 'Gas Coins' })}\nTotal: ${total} shannons (${formatSomaHuman(total)})`,
          )
        }),
      ),
    'soma objects gas',
  )

  const tx = program.command('tx').description('Inspect and execute transactions')
  withExamples(
    tx
      .command('info')
      .description('Show an executed transaction')
      .argument('<digest>', 'transaction digest (Base58)')
      .action((digest: string, _o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const executed = await ctx.client().getTransaction({ digest })
          const response = transactionResponse(executed, executed.digest ?? digest, executed.checkpoint)
          const seconds = executed.timestamp?.seconds
          const out = { ...response, ...(seconds === undefined ? {} : { timestamp: new Date(Number(seconds) * 1000 + Math.floor((executed.timestamp?.nanos ?? 0) / 1e6)).toISOString() }) }
          print({ json: ctx.json }, out, () => transactionText(response))
        }),
      ),
    'soma tx info 8xYz…',
  )
  withExamples(
    addTxFlags(
      tx
        .command('execute-serialized')
        .description('Sign a serialized TransactionData with the key of its sender and execute it')
        .argument('<tx-bytes>', 'Base64 BCS TransactionData'),
    ).action((txBytes: string, o: TxFlags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const bytes = fromBase64(txBytes)
        const data = decodeBcs(TransactionData, bytes)
        const v1 = data.V1!
        const signer = ctx.signer(transactionSender(bytes))
        if (signer.toSomaAddress() !== v1.sender) throw new InvalidArgumentError(`The key in use (${signer.toSomaAddress()}) is not the transaction's sender (${v1.sender}).`)
        // The kind and gas of the serialized transaction, as given: no coin selection.
        const outcome = await runTx(o, (extra) => ctx.client().signAndExecute({ signer, kind: v1.kind, gasPayment: v1.gasPayment, label: 'Transaction', ...extra }))
        printTxOutcome(ctx, outcome)
      }),
    ),
    'soma tx execute-serialized AAAB…',
  )
  withExamples(
    tx
      .command('execute-signed')
      .description('Execute a transaction with its signatures')
      .requiredOption('--tx-bytes <b64>', 'Base64 BCS TransactionData')
      .requiredOption('--signatures <b64...>', 'Base64 serialized signatures (flag ‖ sig ‖ pubkey)')
      .action((o: { txBytes: string; signatures: string[] }, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          // Round trip through SenderSignedData, so malformed input fails here with a typed error.
          const signed = deserializeSignedTransaction(serializeSignedTransaction(fromBase64(o.txBytes), o.signatures.map(fromBase64)))
          await executeSigned(ctx, signed.transaction, signed.signatures.map(toBase64))
        }),
      ),
    'soma tx execute-signed --tx-bytes AAAB… --signatures AGk…',
  )
  withExamples(
    tx
      .command('execute-combined-signed')
      .description('Execute a serialized SenderSignedData')
      .requiredOption('--signed-tx-bytes <b64>', 'Base64 BCS SenderSignedData')
      .action((o: { signedTxBytes: string }, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const signed = deserializeSignedTransaction(fromBase64(o.signedTxBytes))
          await executeSigned(ctx, signed.transaction, signed.signatures.map(toBase64))
        }),
      ),
    'soma tx execute-combined-signed --signed-tx-bytes AQAA…',
  )

  withExamples(
    program
      .command('advance-epoch')
      .description('End the current epoch now (local network only, through its admin service)')
      .option('--url <url>', 'admin URL (default http://127.0.0.1:9125 for a local env)')
      .action((o: { url?: string }, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const adminUrl = ctx.adminUrl(o.url)
          const epoch = await ctx.client({ adminUrl }).advanceEpoch()
          print({ json: ctx.json }, { epoch: jsonInt(epoch) }, () => `Advanced to epoch ${epoch}.`)
        }),
      ),
    'soma advance-epoch',
    'soma advance-epoch --url http://127.0.0.1:9125 --json',
  )
}
