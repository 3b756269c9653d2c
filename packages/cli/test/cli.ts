import { spawn, spawnSync } from 'node:child_process'
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

/**
 * `soma` as a child process without blocking this one (needed when the test process itself serves
 * the local network the CLI talks to).
 */
export function somaAsync(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SOMA_BIN, ...args], {
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.once('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}
