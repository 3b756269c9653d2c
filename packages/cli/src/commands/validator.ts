/**
 * `soma validator` (sdk-cli.md §2.6): list and display validators from the system state, and the
 * validator transactions with the reference's status checks (Active / Pending) before building.
 */
import { type Validator } from '@soma-ts/sdk/bcs'
import { InvalidArgumentError, toBase64 } from '@soma-ts/sdk'
import type { Command } from 'commander'

import { type CliContext, withContext } from '../context.js'
import { jsonInt } from '../format.js'
import { withExamples } from '../help.js'
import { print } from '../output.js'
import { addTxFlags, printTxOutcome, runTx, type TxFlags } from '../tx.js'
import { table } from './keys-shared.js'

type ValidatorStatus = 'Active' | 'Pending'

interface ValidatorSummary {
  address: string
  status: ValidatorStatus
  voting_power: number | string
  commission_rate: number | string
  network_address: string
  p2p_address: string
  primary_address: string
  protocol_pubkey: string
  network_pubkey: string
  worker_pubkey: string
}

function summary(v: Validator, status: ValidatorStatus): ValidatorSummary {
  const m = v.metadata
  return {
    address: m.somaAddress,
    status,
    voting_power: jsonInt(v.votingPower),
    commission_rate: jsonInt(v.commissionRate),
    network_address: m.netAddress,
    p2p_address: m.p2pAddress,
    primary_address: m.primaryAddress,
    protocol_pubkey: toBase64(Uint8Array.from(m.protocolPubkey)),
    network_pubkey: toBase64(Uint8Array.from(m.networkPubkey)),
    worker_pubkey: toBase64(Uint8Array.from(m.workerPubkey)),
  }
}

async function allValidators(ctx: CliContext): Promise<ValidatorSummary[]> {
  const state = await ctx.client().getLatestSystemState()
  return [...state.validators.validators.map((v) => summary(v, 'Active')), ...state.validators.pendingValidators.map((v) => summary(v, 'Pending'))]
}

/** The reference's `check_status`: the signer must be a validator with one of `allowed` statuses. */
async function checkStatus(ctx: CliContext, address: string, allowed: ValidatorStatus[]): Promise<void> {
  const found = (await allValidators(ctx)).find((v) => v.address === address)
  if (found === undefined) throw new InvalidArgumentError(`${address} is not a validator.`, { hint: 'List validators with `soma validator list`.' })
  if (!allowed.includes(found.status)) {
    throw new InvalidArgumentError(`Validator ${address} is ${found.status}, but this operation requires one of: ${allowed.join(', ')}.`)
  }
}

function summaryTable(v: ValidatorSummary): string {
  return table(Object.entries(v).map(([k, val]) => [k, String(val)]))
}

/** A basis-points argument (0–10000). */
function commissionRate(text: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new InvalidArgumentError(`The commission rate must be a whole number of basis points, got ${JSON.stringify(text.slice(0, 40))}.`)
  const rate = BigInt(text)
  if (rate > 10_000n) throw new InvalidArgumentError('Commission rate cannot exceed 10000 (100%).')
  return rate
}

export function registerValidator(program: Command): void {
  const validator = program.command('validator').description('Validator operations')

  withExamples(
    validator
      .command('list')
      .description('List the active and pending validators')
      .action((_o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const validators = await allValidators(ctx)
          print({ json: ctx.json }, { validators }, () =>
            table(
              [['Address', 'Status', 'Voting Power', 'Commission', 'Network Address'], ...validators.map((v) => [v.address, v.status, String(v.voting_power), String(v.commission_rate), v.network_address])],
              { header: true, title: 'Validators' },
            ),
          )
        }),
      ),
    'soma validator list --json',
  )

  withExamples(
    validator
      .command('display-metadata')
      .description("Show a validator's metadata (default: the active address)")
      .argument('[validator-address]', 'address or alias')
      .action((identity: string | undefined, _o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const address = ctx.address(identity)
          const found = (await allValidators(ctx)).find((v) => v.address === address)
          const out = found === undefined ? { address } : { address, status: found.status, summary: found }
          print({ json: ctx.json }, out, () =>
            found === undefined ? `${address} is not an active, networking, or pending validator.` : `${address}'s validator status: ${found.status}\n${summaryTable(found)}`,
          )
        }),
      ),
    'soma validator display-metadata',
    'soma validator display-metadata 0x2a… --json',
  )

  withExamples(
    addTxFlags(validator.command('leave-committee').description('Leave the committee at the end of the epoch (Active validators)')).action((o: TxFlags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const signer = ctx.signer()
        await checkStatus(ctx, signer.toSomaAddress(), ['Active'])
        printTxOutcome(ctx, await runTx(o, (extra) => ctx.client().removeValidator({ signer, ...extra })), { serializedAsObject: true })
      }),
    ),
    'soma validator leave-committee',
  )

  withExamples(
    addTxFlags(
      validator
        .command('set-commission-rate')
        .description('Set the commission rate for the next epoch, in basis points (500 = 5%)')
        .argument('<rate>', 'basis points, at most 10000'),
    ).action((rate: string, o: TxFlags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const signer = ctx.signer()
        const newRate = commissionRate(rate)
        await checkStatus(ctx, signer.toSomaAddress(), ['Active', 'Pending'])
        printTxOutcome(ctx, await runTx(o, (extra) => ctx.client().setValidatorCommissionRate({ signer, newRate, ...extra })), { serializedAsObject: true })
      }),
    ),
    'soma validator set-commission-rate 500',
  )

  withExamples(
    addTxFlags(
      validator
        .command('report-validator')
        .description('Report a misbehaving validator, or undo a report (Active validators)')
        .argument('<reportee>', 'the reported validator (address or alias)')
        .option('--undo-report', 'withdraw an earlier report'),
    ).action((reportee: string, o: TxFlags & { undoReport?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const signer = ctx.signer()
        const reporteeAddress = ctx.address(reportee)
        await checkStatus(ctx, signer.toSomaAddress(), ['Active'])
        if (reporteeAddress === signer.toSomaAddress()) throw new InvalidArgumentError('Cannot report yourself.')
        const client = ctx.client()
        const outcome = await runTx(o, (extra) =>
          o.undoReport ? client.undoReportValidator({ signer, reportee: reporteeAddress, ...extra }) : client.reportValidator({ signer, reportee: reporteeAddress, ...extra }),
        )
        printTxOutcome(ctx, outcome, { serializedAsObject: true })
      }),
    ),
    'soma validator report-validator 0x2a…',
    'soma validator report-validator localnet-validator-1-… --undo-report',
  )

  withExamples(
    addTxFlags(
      validator
        .command('report-model')
        .description('Report a model, or undo a report (Active validators)')
        .argument('<model-id>', 'the model id')
        .option('--undo-report', 'withdraw an earlier report'),
    ).action((modelId: string, o: TxFlags & { undoReport?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const signer = ctx.signer()
        await checkStatus(ctx, signer.toSomaAddress(), ['Active'])
        const client = ctx.client()
        const outcome = await runTx(o, (extra) => (o.undoReport ? client.undoReportModel({ signer, modelId, ...extra }) : client.reportModel({ signer, modelId, ...extra })))
        printTxOutcome(ctx, outcome, { serializedAsObject: true })
      }),
    ),
    'soma validator report-model 0x7c…',
    'soma validator report-model 0x7c… --undo-report',
  )
}
