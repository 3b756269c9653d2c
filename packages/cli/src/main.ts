import { createRequire } from 'node:module'

import { version as sdkVersion } from '@soma-ts/sdk'
import { Command, CommanderError } from 'commander'

import { registerCoinCommands } from './commands/coins.js'
import { registerEnv } from './commands/env.js'
import { registerKeytool } from './commands/keytool.js'
import { registerModel } from './commands/model.js'
import { registerQueryCommands } from './commands/query.js'
import { registerTarget } from './commands/target.js'
import { registerScore } from './commands/score.js'
import { registerStart } from './commands/start.js'
import { registerValidator } from './commands/validator.js'
import { registerWallet } from './commands/wallet.js'
import { registerWeights } from './commands/weights.js'
import { addGlobalOptions } from './context.js'
import { hasFailed, reportError, reportUsageError, setJsonOutput, silenceUsageErrors } from './output.js'
import { version } from './version.js'

// Read from the package file, so that `--version` does not load the native binding.
const coreVersion = (createRequire(import.meta.url)('@soma-ts/core/package.json') as { version: string }).version

export function buildProgram(): Command {
  const program = new Command('soma')
    .description('soma-ts: the SOMA network from the command line')
    .version(`soma ${version} (sdk ${sdkVersion}, core ${coreVersion})`, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
  addGlobalOptions(program)
  registerWeights(program)
  registerModel(program)
  registerTarget(program)
  registerScore(program)
  registerKeytool(program)
  registerWallet(program)
  registerEnv(program)
  registerCoinCommands(program)
  registerQueryCommands(program)
  registerValidator(program)
  registerStart(program)
  return program
}

/** Runs the CLI and returns the exit code; errors are reported, never thrown. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  // `--json` is global: it may stand anywhere before a `--`.
  const end = argv.indexOf('--')
  const json = (end === -1 ? argv : argv.slice(0, end)).includes('--json')
  setJsonOutput(json)
  // With --json a usage error is one JSON line on stderr too, not commander's text and full help.
  if (json) silenceUsageErrors(program)
  try {
    await program.parseAsync(argv)
    return hasFailed() ? 1 : 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; usage errors were printed already (text mode).
      if (json && err.exitCode !== 0) return reportUsageError(err)
      return err.exitCode
    }
    return reportError(err, json)
  }
}
