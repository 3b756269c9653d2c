/**
 * `soma wallet`: addresses in the config directory (`$SOMA_CONFIG_DIR` or `~/.soma/soma_config`),
 * shared with the reference CLI (`client.yaml`, `soma.keystore`, `soma.aliases`). JSON shapes are
 * the reference's `NewAddressOutput`, `AddressesOutput`, `SwitchOutput`, `ExportKeyOutput`.
 */
import { dirname } from 'node:path'

import { ConfigError, Ed25519Keypair } from '@soma-ts/sdk'
import { switchActiveAddress, type ClientConfig, type FileKeystore } from '@soma-ts/sdk/node'
import type { Command } from 'commander'

import { bootstrapConfig, type GlobalOptions } from '../context.js'
import { print } from '../output.js'
import { table } from './keys-shared.js'
import { parseWordLength } from './keytool.js'

type WalletOpts = GlobalOptions

function optsOf(cmd: Command): WalletOpts {
  return cmd.optsWithGlobals() as WalletOpts
}

/** Loads the wallet (the config bootstrapped as the reference's first run does). */
async function wallet(opts: WalletOpts): Promise<{ config: ClientConfig; keystore: FileKeystore; dir: string }> {
  const { path, config, keystore } = await bootstrapConfig(opts)
  return { config, keystore, dir: dirname(path) }
}

/** The configured active address, else the first managed one (as the reference's context does). */
function activeAddress(config: ClientConfig, keystore: FileKeystore): string | null {
  return config.activeAddress ?? keystore.addresses()[0] ?? null
}

export function registerWallet(program: Command): void {
  const walletCmd = program
    .command('wallet')
    .description('Manage the addresses of your wallet (config directory shared with the reference CLI)')
    .option('-y, --yes', 'create a config without asking when there is none')
    .option('--json', 'print JSON')

  walletCmd
    .command('new')
    .description('Create a new address from a fresh mnemonic (does not make it active)')
    .option('--alias <alias>', 'alias (default: a random adjective-stone name)')
    .option('--key-scheme <scheme>', 'ed25519', 'ed25519')
    .option('--word-length <len>', 'word12 | word15 | word18 | word21 | word24', 'word12')
    .option('--derivation-path <path>', "derivation path (default m/44'/784'/0'/0'/0')")
    .option('--json', 'print JSON')
    .action(async (o: { alias?: string; keyScheme: string; wordLength: string; derivationPath?: string }, cmd: Command) => {
      if (o.keyScheme !== 'ed25519') {
        throw new ConfigError(`Key scheme ${o.keyScheme.slice(0, 40)} is not supported for wallet addresses.`, { hint: 'Use ed25519.' })
      }
      const words = parseWordLength(o.wordLength)
      const { keystore } = await wallet(optsOf(cmd))
      const { keypair, mnemonic } = Ed25519Keypair.generateWithMnemonic({
        words,
        ...(o.derivationPath === undefined ? {} : { derivationPath: o.derivationPath }),
      })
      const alias = keystore.import(keypair, o.alias)
      const address = keypair.toSomaAddress()
      const out = { alias, address, key_scheme: 'ED25519', recovery_phrase: mnemonic }
      print(optsOf(cmd), out, () =>
        [
          '✓ New Address Created',
          '',
          table([
            ['Alias', alias],
            ['Address', address],
            ['Key Scheme', 'ed25519'],
          ]),
          '',
          'Recovery Phrase',
          table([[mnemonic]]),
          '',
          '⚠  Store this recovery phrase securely. It cannot be recovered!',
          '',
          `  Run soma wallet switch ${address} to make it active.`,
        ].join('\n'),
      )
    })

  walletCmd
    .command('list')
    .description('List the managed addresses; ● marks the active one')
    .option('-s, --sort-by-alias', 'sort by alias')
    .option('--json', 'print JSON')
    .action(async (o: { sortByAlias?: boolean }, cmd: Command) => {
      const { config, keystore } = await wallet(optsOf(cmd))
      const active = activeAddress(config, keystore)
      const addresses: [string, string][] = keystore.entries().map((e) => [e.alias, e.address])
      if (o.sortByAlias) addresses.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      const out = { active_address: active, addresses }
      print(optsOf(cmd), out, () =>
        addresses.length === 0
          ? "No addresses found. Use 'soma wallet new' to create one."
          : `${table([['', 'Alias', 'Address'], ...addresses.map(([alias, a]) => [a === active ? '●' : ' ', alias, a])], {
              header: true,
              title: 'Managed Addresses',
            })}\n\n● = active address`,
      )
    })

  walletCmd
    .command('active')
    .description('Print the active address')
    .option('--json', 'print JSON')
    .action(async (_o: unknown, cmd: Command) => {
      const { config, keystore } = await wallet(optsOf(cmd))
      const address = activeAddress(config, keystore)
      const alias = address === null ? undefined : keystore.aliasOf(address)
      print(optsOf(cmd), address, () => (address === null ? 'No active address' : alias ? `${alias} (${address})` : address))
    })

  walletCmd
    .command('switch')
    .description('Make an address (or alias) from the keystore the active one')
    .argument('<address-or-alias>')
    .option('--json', 'print JSON')
    .action(async (identity: string, _o: unknown, cmd: Command) => {
      const { dir } = await wallet(optsOf(cmd))
      const address = switchActiveAddress(dir, identity)
      print(optsOf(cmd), { address, env: null }, () => `✓ Active address → ${address}`)
    })

  walletCmd
    .command('remove')
    .description('Remove an address (and its key) from the keystore')
    .argument('<alias-or-address>')
    .option('--json', 'print JSON')
    .action(async (identity: string, _o: unknown, cmd: Command) => {
      const { keystore } = await wallet(optsOf(cmd))
      const address = keystore.resolve(identity)
      keystore.remove(address)
      print(optsOf(cmd), { alias_or_address: identity, address }, () => `✓ Removed address: ${identity} (${address})`)
    })

  walletCmd
    .command('export')
    .description('Print the private key of the active address as Bech32 somaprivkey1…')
    .option('--json', 'print JSON')
    .action(async (_o: unknown, cmd: Command) => {
      const { config, keystore } = await wallet(optsOf(cmd))
      const address = activeAddress(config, keystore)
      if (address === null) throw new ConfigError('There is no active address.', { hint: 'Create one with `soma wallet new`.' })
      const kp = keystore.get(address)
      const alias = keystore.aliasOf(address) ?? null
      const out = { alias, address, key_scheme: 'ed25519', privateKey: kp.toBech32() }
      print(optsOf(cmd), out, () =>
        [
          'Exported Private Key',
          '',
          table([...(alias ? [['Alias', alias]] : []), ['Address', address], ['Key Scheme', 'ed25519']]),
          '',
          'Private Key',
          table([[out.privateKey]]),
          '',
          '⚠  DO NOT share this key with anyone! Store it securely.',
        ].join('\n'),
      )
    })
}
