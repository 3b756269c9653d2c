import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built CLI entry, run as a separate process exactly as a user runs `soma`. */
export const SOMA_BIN = fileURLToPath(new URL('../bin/soma.js', import.meta.url))

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

export function soma(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [SOMA_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}
