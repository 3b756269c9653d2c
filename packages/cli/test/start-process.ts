/** Runs `soma start localnet --json` as a child process and waits for its ready line. */
import { spawn, type ChildProcess } from 'node:child_process'

import { SOMA_BIN } from './cli.js'

export interface ReadyLine {
  event: 'ready'
  rpc: string
  faucet: string | null
  admin: string
  blobStore: string
  /** Absent with --no-scoring. */
  scoring?: string
  configDir: string
  stateDir: string
  epochDurationMs: string
  freshGenesis: boolean
  pid: number
}

export interface LocalnetProcess {
  readonly child: ChildProcess
  readonly ready: ReadyLine
  readonly stderr: () => string
  /** Resolves with the exit code or signal once the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function startLocalnetProcess(args: string[], timeoutMs = 30_000): Promise<LocalnetProcess> {
  // Tests use free ports only: the blob store too, unless the test picks its port.
  const ports = args.includes('--blob-store-port') ? [] : ['--blob-store-port', '0']
  const child = spawn(process.execPath, [SOMA_BIN, 'start', 'localnet', '--json', ...args, ...ports], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no ready line within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const newline = stdout.indexOf('\n')
      if (newline === -1) return
      clearTimeout(timer)
      try {
        resolve({ child, ready: JSON.parse(stdout.slice(0, newline)) as ReadyLine, stderr: () => stderr, exited })
      } catch (err) {
        reject(err)
      }
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`soma start localnet exited (${code ?? signal}) before it was ready; stderr: ${stderr}`))
    })
  })
}
