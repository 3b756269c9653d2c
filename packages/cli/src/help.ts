/** `soma <cmd> --help` ends with examples (commander's `addHelpText('after', …)`). */
import type { Command } from 'commander'

/** Adds an "Examples:" block to a command's help. */
export function withExamples(cmd: Command, ...examples: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`)
}
