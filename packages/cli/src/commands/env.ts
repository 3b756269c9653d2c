/**
 * `soma env` (sdk-cli.md §2.3): the environments of `client.yaml`, with the reference's JSON
 * shapes (`EnvsOutput`, `NewEnvOutput`, `SwitchOutput`, `ChainInfoOutput`).
 */
import { ConfigError, InvalidArgumentError } from '@soma-ts/sdk'
import { createSomaClient, writeClientConfig } from '@soma-ts/sdk/node'
import type { Command } from 'commander'

import { bootstrapConfig, CliContext, globalOptions, withContext } from '../context.js'
import { withExamples } from '../help.js'
import { print } from '../output.js'
import { table } from './keys-shared.js'

export function registerEnv(program: Command): void {
  const env = program.command('env').description('Manage the network environments of client.yaml')

  withExamples(
    env
      .command('active')
      .description('Print the active environment')
      .action(async (_o: unknown, cmd: Command) => {
        const { config } = await bootstrapConfig(globalOptions(cmd))
        const active = config.activeEnv ?? config.envs[0]?.alias ?? null
        print({ json: globalOptions(cmd).json === true }, active, () => active ?? 'No active environment')
      }),
    'soma env active',
  )

  withExamples(
    env
      .command('list')
      .description('List the environments; ● marks the active one')
      .action(async (_o: unknown, cmd: Command) => {
        const { config } = await bootstrapConfig(globalOptions(cmd))
        const active = config.activeEnv ?? config.envs[0]?.alias ?? null
        print({ json: globalOptions(cmd).json === true }, { envs: config.envs, active }, () =>
          table([['', 'Alias', 'RPC', 'Chain ID'], ...config.envs.map((e) => [e.alias === active ? '●' : ' ', e.alias, e.rpc, e.chain_id ?? ''])], { header: true, title: 'Environments' }),
        )
      }),
    'soma env list --json',
  )

  withExamples(
    env
      .command('new')
      .description('Add an environment (its server must answer)')
      .requiredOption('--alias <alias>', 'the new alias')
      .requiredOption('--rpc <url>', 'fullnode URL')
      .option('--basic-auth <user:pass>', 'basic auth for the fullnode')
      .action(async (o: { alias: string; rpc: string; basicAuth?: string }, cmd: Command) => {
        const opts = globalOptions(cmd)
        const { path, config } = await bootstrapConfig(opts)
        if (config.envs.some((e) => e.alias === o.alias)) throw new InvalidArgumentError(`Environment config with name [${o.alias.slice(0, 60)}] already exists.`)
        const client = createSomaClient({ rpcUrl: o.rpc })
        const info = await client.getChainInfo({ timeoutMs: 15_000 })
        client.close()
        config.envs.push({ alias: o.alias, rpc: o.rpc, basic_auth: o.basicAuth ?? null, chain_id: info.chainId })
        writeClientConfig(config, path)
        print({ json: opts.json === true }, { alias: o.alias, chain_id: info.chainId }, () => `Added new SOMA env [${o.alias}] to config (chain id ${info.chainId}).`)
      }),
    'soma env new --alias local --rpc http://127.0.0.1:9000',
  )

  withExamples(
    env
      .command('switch')
      .description('Make an environment the active one')
      .argument('<alias>')
      .action(async (alias: string, _o: unknown, cmd: Command) => {
        const opts = globalOptions(cmd)
        const { path, config } = await bootstrapConfig(opts)
        if (!config.envs.some((e) => e.alias === alias)) {
          throw new ConfigError(`Environment config not found for [${alias.slice(0, 60)}].`, { hint: 'List them with `soma env list`; add one with `soma env new`.' })
        }
        config.activeEnv = alias
        writeClientConfig(config, path)
        print({ json: opts.json === true }, { address: null, env: alias }, () => `Active environment switched to [${alias}]`)
      }),
    'soma env switch localnet',
  )

  withExamples(
    env
      .command('chain-id')
      .description("Fetch the active environment's chain id and cache it in client.yaml")
      .action((_o: unknown, cmd: Command) =>
        withContext(cmd, async (ctx: CliContext) => {
          const info = await ctx.client().getChainInfo()
          const entry = ctx.config.envs.find((e) => e.alias === ctx.env.alias)
          if (entry && entry.chain_id !== info.chainId) {
            entry.chain_id = info.chainId
            writeClientConfig(ctx.config, ctx.configPath)
          }
          print({ json: ctx.json }, { chain_id: info.chainId, server_version: info.server }, () => `Chain ID: ${info.chainId}\nServer version: ${info.server}`)
        }),
      ),
    'soma env chain-id',
  )
}
