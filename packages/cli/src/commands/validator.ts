/**
 * `soma validator` (sdk-cli.md §2.6): list and display validators from the system state, and the
 * validator transactions with the reference's status checks (Active / Pending) before building.
 */
import { type Validator } from '@soma-ts/sdk/bcs'
import { encodeBcs, bcsTypes, InvalidArgumentError, isTcpMultiaddr, isValidMultiaddr, toBase64, verifyProofOfPossession, type Signer } from '@soma-ts/sdk'
import type { Command } from 'commander'

import { type CliContext, withContext } from '../context.js'
import { jsonInt } from '../format.js'
import { withExamples } from '../help.js'
import { print } from '../output.js'
import { addTxFlags, printTxOutcome, runTx, type TxFlags } from '../tx.js'
import { table } from './keys-shared.js'
import { makeValidatorInfo, readEd25519KeyFile, readProtocolKeyFile, readValidatorInfo } from './validator-info.js'

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

/** A multiaddr as a validator address argument: BCS(String) of its text. */
const bcsMultiaddr = (text: string): Uint8Array => encodeBcs(bcsTypes.Url, text)

function multiaddrArgument(text: string, what: string, tcp = false): string {
  if (!isValidMultiaddr(text)) {
    throw new InvalidArgumentError(`Invalid ${what}: ${JSON.stringify(text.slice(0, 120))} is not a multiaddr.`, { hint: 'Example: /dns/validator.example.com/tcp/8080/http' })
  }
  if (tcp && !isTcpMultiaddr(text)) throw new InvalidArgumentError('Network address must be a TCP address.', { hint: 'Example: /dns/validator.example.com/tcp/8080/http' })
  return text
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
    validator
      .command('make-validator-info')
      .description('Write validator key files and validator.info in the current directory')
      .argument('<host-name>', 'the DNS name of the validator (e.g. validator.example.com)')
      .argument('[commission-rate]', 'commission rate in basis points (100 = 1%)', '200')
      .action((hostName: string, rate: string, _o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const commission = commissionRate(rate)
          const out = makeValidatorInfo(process.cwd(), ctx.keystore.get(ctx.activeAddress()), hostName, commission)
          for (const name of out.reused) process.stderr.write(`Using existing key file: ${name}\n`)
          const { reused: _reused, ...json } = out
          print({ json: ctx.json }, json, () =>
            [`Validator info written to ${out.validator_info_file}`, ...out.files.map((f) => `  ${f}`), '', 'Keep the key files secret. Next: `soma validator join-committee validator.info`.'].join('\n'),
          )
        }),
      ),
    'soma validator make-validator-info validator.example.com',
    'soma validator make-validator-info validator.example.com 500 --json',
  )

  withExamples(
    addTxFlags(
      validator
        .command('join-committee')
        .description('Ask to join the committee with a validator.info (stake to it to become active)')
        .argument('<validator-info-path>', 'the validator.info file'),
    ).action((path: string, o: TxFlags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const info = readValidatorInfo(path)
        const signer = ctx.signer()
        const sender = signer.toSomaAddress()
        if (sender !== info.accountAddress) {
          throw new InvalidArgumentError(`${path} is for ${info.accountAddress}, but the signer is ${sender}.`, {
            hint: 'Switch to that address (`soma wallet switch`) or unset SOMA_SECRET_KEY; the proof of possession is bound to it.',
          })
        }
        if (!verifyProofOfPossession(info.proofOfPossession, info.protocolKey, sender)) {
          throw new InvalidArgumentError(`The proof of possession in ${path} does not verify for its protocol key and ${sender}.`, { hint: 'Write a new one with `soma validator make-validator-info`.' })
        }
        const outcome = await runTx(o, (extra) =>
          ctx.client().addValidator({
            signer,
            pubkeyBytes: info.protocolKey,
            networkPubkeyBytes: info.networkKey,
            workerPubkeyBytes: info.workerKey,
            proofOfPossession: info.proofOfPossession,
            netAddress: bcsMultiaddr(info.networkAddress),
            p2pAddress: bcsMultiaddr(info.p2pAddress),
            primaryAddress: bcsMultiaddr(info.primaryAddress),
            proxyAddress: bcsMultiaddr(info.proxyAddress),
            ...extra,
          }),
        )
        printTxOutcome(ctx, outcome, { serializedAsObject: true })
      }),
    ),
    'soma validator join-committee validator.info',
    'soma validator join-committee validator.info --simulate',
  )

  const update = validator.command('update-metadata').description("Change the validator's addresses or keys from the next epoch on (Active or Pending validators)")
  const updateCommand = (
    name: string,
    argument: string,
    description: string,
    example: string,
    build: (value: string, signer: Signer) => Parameters<ReturnType<CliContext['client']>['updateValidatorMetadata']>[0],
  ) =>
    withExamples(
      addTxFlags(update.command(name).description(description).argument(argument)).action((value: string, o: TxFlags, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const signer = ctx.signer()
          const params = build(value, signer)
          await checkStatus(ctx, signer.toSomaAddress(), ['Active', 'Pending'])
          printTxOutcome(ctx, await runTx(o, (extra) => ctx.client().updateValidatorMetadata({ ...params, ...extra })), { serializedAsObject: true })
        }),
      ),
      example,
    )
  updateCommand('network-address', '<network-address>', 'New network address (a TCP multiaddr)', 'soma validator update-metadata network-address /dns/v1.example.com/tcp/8080/http', (v, signer) => ({
    signer,
    nextEpochNetworkAddress: bcsMultiaddr(multiaddrArgument(v, 'network address', true)),
  }))
  updateCommand('primary-address', '<primary-address>', 'New primary address', 'soma validator update-metadata primary-address /dns/v1.example.com/tcp/8081/http', (v, signer) => ({
    signer,
    nextEpochPrimaryAddress: bcsMultiaddr(multiaddrArgument(v, 'primary address')),
  }))
  updateCommand('p2p-address', '<p2p-address>', 'New P2P address', 'soma validator update-metadata p2p-address /dns/v1.example.com/tcp/8084/http', (v, signer) => ({
    signer,
    nextEpochP2pAddress: bcsMultiaddr(multiaddrArgument(v, 'p2p address')),
  }))
  updateCommand('network-pub-key', '<network-key-path>', 'New network key, from an Ed25519 key file', 'soma validator update-metadata network-pub-key network.key', (path, signer) => ({
    signer,
    nextEpochNetworkPubkey: readEd25519KeyFile(path).getPublicKey().toRawBytes(),
  }))
  updateCommand('worker-pub-key', '<worker-key-path>', 'New worker key, from an Ed25519 key file', 'soma validator update-metadata worker-pub-key worker.key', (path, signer) => ({
    signer,
    nextEpochWorkerPubkey: readEd25519KeyFile(path).getPublicKey().toRawBytes(),
  }))
  updateCommand('protocol-pub-key', '<protocol-key-path>', 'New protocol key, from a BLS12-381 key file (sends a new proof of possession)', 'soma validator update-metadata protocol-pub-key protocol.key', (path, signer) => {
    const key = readProtocolKeyFile(path)
    return { signer, nextEpochProtocolPubkey: key.publicKeyBytes(), nextEpochProofOfPossession: key.proofOfPossession(signer.toSomaAddress()) }
  })

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
