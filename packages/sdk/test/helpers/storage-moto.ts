// A real S3 protocol server for the storage tests: moto's standalone server (PyPI `moto[server]`,
// pinned), installed once into packages/sdk/.venv-moto (gitignored) under an inter-process lock
// and started per test file on a free 127.0.0.1 port. `ensureMoto()` returns the interpreter or a
// reason to skip when Python or PyPI cannot be reached; any other failure throws.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import http from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { pipFailedForNetwork, run, withVenvLock } from './soma-sdk-python.js'

export const MOTO_VERSION = '5.2.5'
const VENV = fileURLToPath(new URL('../../.venv-moto', import.meta.url))
const VENV_PYTHON = join(VENV, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')
const PROBE = `import moto.server, importlib.metadata as m; assert m.version("moto") == "${MOTO_VERSION}"`
const ready = () => existsSync(VENV_PYTHON) && run(VENV_PYTHON, ['-c', PROBE]).status === 0

export function ensureMoto(): { python: string } | { skip: string } {
  if (ready()) return { python: VENV_PYTHON }
  return withVenvLock(VENV, () => (ready() ? { python: VENV_PYTHON } : build()))
}

function build(): { python: string } | { skip: string } {
  const python = ['python3', 'python'].find((p) => run(p, ['--version']).status === 0)
  if (!python) return { skip: 'no python3 on PATH, so PyPI cannot be reached' }
  mkdirSync(VENV, { recursive: true })
  const venv = run(python, ['-m', 'venv', '--clear', VENV])
  if (venv.status !== 0) throw new Error(`python -m venv failed: ${venv.stderr.slice(-800)}`)
  const pip = run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', `moto[server]==${MOTO_VERSION}`])
  if (pip.status !== 0) {
    const output = `${pip.stdout ?? ''}\n${pip.stderr ?? ''}`
    const tail = output.trim().slice(-800)
    if (pipFailedForNetwork(output)) return { skip: `PyPI unreachable: ${tail.split('\n').pop() ?? ''}` }
    throw new Error(`pip install moto[server]==${MOTO_VERSION} failed (not a network error): ${tail}`)
  }
  if (!ready()) throw new Error(`moto==${MOTO_VERSION} installed but does not import`)
  return { python: VENV_PYTHON }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1_000, agent: false }, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

export interface MotoServer {
  endpoint: string
  stop(): Promise<void>
}

/** Starts moto on 127.0.0.1 and waits (at most 60 s) until it answers. */
export async function startMoto(python: string): Promise<MotoServer> {
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'unused', AWS_SECRET_ACCESS_KEY: 'unused' },
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000)
  })
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const deadline = Date.now() + 60_000
  while (!(await answers(`${endpoint}/`))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`moto did not start on ${endpoint}: ${stderr.slice(-800)}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
