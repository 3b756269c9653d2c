/**
 * The reference's common user actions (sdk-cli.md §2.1): `balance`, `send`, `transfer`, `pay`,
 * `stake`, `unstake`, `faucet`, `merge-coins`. Each is a thin shell over one SDK action under the
 * transaction flags.
 */
import { InvalidArgumentError, listCoins, parseAmount, type OwnedCoin } from '@soma-ts/sdk'
import type { Command } from 'commander'

import { type CliContext, withContext } from '../context.js'
import { formatSomaHuman, idForDisplay, jsonInt } from '../format.js'
import { withExamples } from '../help.js'
import { print } from '../output.js'
import { addTxFlags, printTxOutcome, runTx, type TxFlags } from '../tx.js'
import { table } from './keys-shared.js'

/** A `SomaAmount` argument: decimal SOMA, exact (≤ 9 places), more than zero where `positive`. */
export function somaAmount(text: string, flag: string, positive = true): bigint {
  const shannons = parseAmount(text, flag)
  if (positive && shannons === 0n) throw new InvalidArgumentError(`${flag} must be greater than 0.`, { hint: 'Amounts are in SOMA, e.g. 1.5.' })
  return shannons
}

/** Every coin of an address, richest first, with balances (all pages, as the reference's `balance`). */
function coinsOf(ctx: CliContext, address: string): Promise<OwnedCoin[]> {
  return listCoins(ctx.client(), address, { limit: Number.MAX_SAFE_INTEGER })
}

export function registerCoinCommands(program: Command): void {
  withExamples(
    program
      .command('balance')
      .description('Show the balance of an address (default: the active address)')
      .argument('[address]', 'address or alias')
      .option('--with-coins', 'list every coin')
      .action((address: string | undefined, o: { withCoins?: boolean }, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const owner = ctx.address(address)
          const coins = await coinsOf(ctx, owner)
          const total = coins.reduce((a, c) => a + c.balance, 0n)
          const out: Record<string, unknown> = { address: owner, total_balance: jsonInt(total), coin_count: coins.length }
          if (o.withCoins) out.coins = coins.map((c) => [c.objectId, jsonInt(c.balance)])
          print({ json: ctx.json }, out, () => {
            const lines = [
              table(
                [
                  ['Address', 'Total (SOMA)', 'Total (shannons)', 'Coin Count'],
                  [owner, formatSomaHuman(total), total.toString(), String(coins.length)],
                ],
                { header: true, title: 'Balance' },
              ),
            ]
            if (o.withCoins && coins.length) {
              lines.push('', table([['Object ID', 'Balance'], ...coins.map((c) => [c.objectId, formatSomaHuman(c.balance)])], { header: true, title: 'Individual Coins' }))
            }
            return lines.join('\n')
          })
        }),
      ),
    'soma balance',
    'soma balance my-alias --with-coins --json',
  )

  withExamples(
    addTxFlags(
      program
        .command('send')
        .description('Send SOMA to an address (from the richest coin, or --coin, which also pays the fee)')
        .requiredOption('--to <address>', 'recipient address or alias')
        .requiredOption('--amount <soma>', 'amount in SOMA, e.g. 1.5')
        .option('--coin <object-id>', 'the coin to send from'),
    ).action((o: TxFlags & { to: string; amount: string; coin?: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const amount = somaAmount(o.amount, '--amount')
        const recipient = ctx.address(o.to)
        const signer = ctx.signer()
        const outcome = await runTx(o, (extra) => ctx.client().transferCoin({ signer, recipient, amount, ...(o.coin ? { coin: o.coin } : {}), ...extra }))
        printTxOutcome(ctx, outcome)
      }),
    ),
    'soma send --to 0x2a… --amount 1.5',
    'soma send --to my-alias --amount 0.25 --simulate --json',
  )

  withExamples(
    addTxFlags(
      program
        .command('transfer')
        .description('Transfer an object to an address; its current owner signs')
        .requiredOption('--to <address>', 'recipient address or alias')
        .requiredOption('--object-id <object-id>', 'the object to transfer')
        .option('--gas <object-id>', 'the coin that pays the fee'),
    ).action((o: TxFlags & { to: string; objectId: string; gas?: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const recipient = ctx.address(o.to)
        const object = await ctx.client().getObject({ objectId: o.objectId })
        // GetObject sends the owner without `0x` (wire.md §8.3); the keystore and its errors use `0x` + 64.
        const owner = object.owner?.address === undefined ? undefined : idForDisplay(object.owner.address)
        if (owner === undefined) throw new InvalidArgumentError(`Object ${o.objectId} is not owned by an address, so it cannot be transferred.`)
        const signer = ctx.signer(owner)
        const outcome = await runTx(o, (extra) => ctx.client().transferObjects({ signer, recipient, objectIds: [o.objectId], ...(o.gas ? { gas: o.gas } : {}), ...extra }))
        printTxOutcome(ctx, outcome)
      }),
    ),
    'soma transfer --to 0x2a… --object-id 0x5f…',
  )

  withExamples(
    addTxFlags(
      program
        .command('pay')
        .description('Pay several recipients in one transaction')
        .requiredOption('--recipients <addresses...>', 'recipient addresses or aliases')
        .requiredOption('--amounts <soma...>', 'one amount in SOMA per recipient')
        .option('--coins <object-ids...>', 'the coins to pay from (the first pays the fee)'),
    ).action((o: TxFlags & { recipients: string[]; amounts: string[]; coins?: string[] }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        if (o.recipients.length !== o.amounts.length) {
          throw new InvalidArgumentError(`--recipients and --amounts must have the same length (${o.recipients.length} and ${o.amounts.length}).`)
        }
        const amounts = o.amounts.map((a, i) => somaAmount(a, `--amounts[${i}]`))
        const recipients = o.recipients.map((r) => ctx.address(r))
        const signer = ctx.signer()
        const outcome = await runTx(o, (extra) => ctx.client().payCoins({ signer, recipients, amounts, ...(o.coins ? { coins: o.coins } : {}), ...extra }))
        printTxOutcome(ctx, outcome)
      }),
    ),
    'soma pay --recipients 0x2a… my-alias --amounts 1 0.5',
  )

  withExamples(
    addTxFlags(
      program
        .command('stake')
        .description('Stake SOMA with a validator (--validator) or a model (--model)')
        .option('--validator <address>', 'the validator address or alias')
        .option('--model <model-id>', 'the model id')
        .option('--amount <soma>', 'amount in SOMA (default: the whole coin)')
        .option('--coin <object-id>', 'the coin to stake from (default: the richest)')
        .option('--staking-pool-id <id>', 'not used by the current protocol'),
    ).action((o: TxFlags & { validator?: string; model?: string; amount?: string; coin?: string; stakingPoolId?: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        if (o.stakingPoolId !== undefined) {
          throw new InvalidArgumentError('--staking-pool-id has no place in the current protocol.', { hint: 'Use --validator <ADDRESS> or --model <MODEL_ID>.' })
        }
        if ((o.validator === undefined) === (o.model === undefined)) {
          throw new InvalidArgumentError('Give exactly one of --validator and --model.', { hint: 'Example: soma stake --validator 0x… --amount 1' })
        }
        const amount = o.amount === undefined ? undefined : somaAmount(o.amount, '--amount')
        const signer = ctx.signer()
        const common = { signer, ...(amount === undefined ? {} : { amount }) }
        const client = ctx.client()
        const outcome = await runTx(o, (extra) =>
          o.validator !== undefined
            ? client.addStake({ ...common, validator: ctx.address(o.validator), ...(o.coin ? { coin: o.coin } : {}), ...extra })
            : client.addStakeToModel({ ...common, modelId: o.model!, ...extra }),
        )
        printTxOutcome(ctx, outcome)
      }),
    ),
    'soma stake --validator 0x2a… --amount 10',
    'soma stake --model 0x7c… --amount 5',
  )

  withExamples(
    addTxFlags(
      program
        .command('unstake')
        .description('Withdraw a stake (a StakedSoma object) with its rewards')
        .argument('<staked-soma-id>', 'the StakedSoma object id'),
    ).action((stakedSomaId: string, o: TxFlags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const signer = ctx.signer()
        const outcome = await runTx(o, (extra) => ctx.client().withdrawStake({ signer, stakedSomaId, ...extra }))
        printTxOutcome(ctx, outcome)
      }),
    ),
    'soma unstake 0x9d…',
  )

  withExamples(
    program
      .command('faucet')
      .description('Request test tokens from the faucet (local network or testnet)')
      .option('--address <address>', 'recipient address or alias (default: the active address)')
      .option('--url <url>', 'faucet URL (default: derived from the active env)')
      .action((o: { address?: string; url?: string }, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const address = ctx.address(o.address)
          const url = ctx.faucetUrl(o.url)
          // The reference prints text even under --json; the progress line goes to stderr to keep stdout one document.
          process.stderr.write(`Requesting tokens from faucet at ${url} for address ${address}...\n`)
          const res = await ctx.client({ faucetUrl: url }).requestFaucet({ address })
          if (res.status !== 'Success') throw new InvalidArgumentError(`Faucet request failed: ${String(res.status).slice(0, 200)}`)
          const coins = res.coinsSent
          print(
            { json: ctx.json },
            { status: 'Success', address, coins_sent: coins.map((c) => ({ amount: jsonInt(c.amount), id: c.id, transfer_tx_digest: c.transferTxDigest })) },
            () => [`Successfully received ${coins.length} coins:`, ...coins.map((c) => `  - ${formatSomaHuman(c.amount)} (id: ${c.id}, tx: ${c.transferTxDigest})`)].join('\n'),
          )
        }),
      ),
    'soma faucet',
    'soma faucet --address my-alias --url http://127.0.0.1:9123',
  )

  withExamples(
    program
      .command('merge-coins')
      .description('Merge the coins of the active address into one (up to 256)')
      .action((_o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const signer = ctx.signer()
          const coins = await coinsOf(ctx, signer.toSomaAddress())
          if (coins.length <= 1) {
            print({ json: ctx.json }, null, () => 'Nothing to merge: address has 0 or 1 coins.')
            return
          }
          const outcome = await runTx({}, (extra) => ctx.client().mergeCoins({ signer, ...extra }))
          printTxOutcome(ctx, outcome, { title: 'Coins merged successfully.' })
        }),
      ),
    'soma merge-coins',
  )
}
