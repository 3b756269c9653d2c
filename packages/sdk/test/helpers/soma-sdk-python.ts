// A virtualenv with the reference Python SDK (`soma-sdk` on PyPI, a compiled build of the real
// Rust code), made once under packages/sdk/.venv-conformance (gitignored) and shared by the tests
// that use it. `ensureSomaSdkPython()` returns the interpreter, or a reason to skip when Python
// or PyPI cannot be reached; any other failure (no wheel for this platform, version gone, venv
// broken) throws, so the conformance tests never vanish silently. The drivers that use it are
// the scripts in test/python/ (each ends through driver.py's run_driver: see there why).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const SOMA_SDK_VERSION = '0.1.15'
const VENV = fileURLToPath(new URL('../../.venv-conformance', import.meta.url))
export const VENV_PYTHON = join(VENV, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')

/**
 * Connection-level failures as pip reports them (urllib3/requests exception names and OS errors).
 * Deliberately absent: "No matching distribution found" and "Could not find a version", which pip
 * also prints when PyPI answered but has no wheel for this Python or platform; that is a failure.
 */
const NETWORK_TROUBLE =
  /NewConnectionError|ConnectTimeoutError|ReadTimeoutError|ProxyError|Temporary failure in name resolution|Name or service not known|nodename nor servname|getaddrinfo failed|Network is unreachable|Connection refused|Connection reset|Max retries exceeded|Could not fetch URL|Read timed out|connection broken by/i

/** Whether pip's output (stdout + stderr, whole) says that the package index could not be reached. */
export function pipFailedForNetwork(output: string): boolean {
  return NETWORK_TROUBLE.test(output)
}

/** A child process to completion, with its output as text (pip can be loud). */
export function run(cmd: string, args: string[], timeout = 600_000) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 })
}

const STALE_LOCK_MS = 15 * 60_000

/**
 * Test files run in parallel processes, and more than one needs a venv: whoever comes first
 * builds it under `<venv>.lock` while the others wait, so no process runs `venv --clear` under
 * another's feet. Shared by every venv helper of the tests.
 */
export function withVenvLock<T>(venv: string, fn: () => T): T {
  const lock = `${venv}.lock`
  const deadline = Date.now() + STALE_LOCK_MS
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      try {
        // A lock left behind by a killed run.
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true })
      } catch {
        // Removed by its owner meanwhile: try again.
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

const PROBE = `import soma_sdk, importlib.metadata as m; assert m.version("soma-sdk") == "${SOMA_SDK_VERSION}"`
const venvReady = () => existsSync(VENV_PYTHON) && run(VENV_PYTHON, ['-c', PROBE]).status === 0

export function ensureSomaSdkPython(): { python: string } | { skip: string } {
  if (venvReady()) return { python: VENV_PYTHON }
  return withVenvLock(VENV, () => (venvReady() ? { python: VENV_PYTHON } : buildVenv()))
}

function buildVenv(): { python: string } | { skip: string } {
  const python = ['python3', 'python'].find((p) => run(p, ['--version']).status === 0)
  if (!python) return { skip: 'no python3 on PATH, so PyPI cannot be reached' }
  mkdirSync(VENV, { recursive: true })
  const venv = run(python, ['-m', 'venv', '--clear', VENV])
  if (venv.status !== 0) throw new Error(`python -m venv failed: ${venv.stderr.slice(-800)}`)
  const pip = run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', `soma-sdk==${SOMA_SDK_VERSION}`])
  if (pip.status !== 0) {
    const output = `${pip.stdout ?? ''}\n${pip.stderr ?? ''}`
    const tail = output.trim().slice(-800)
    if (pipFailedForNetwork(output)) return { skip: `PyPI unreachable: ${tail.split('\n').pop() ?? ''}` }
    throw new Error(`pip install soma-sdk==${SOMA_SDK_VERSION} failed (not a network error): ${tail}`)
  }
  if (run(VENV_PYTHON, ['-c', PROBE]).status !== 0) throw new Error(`soma-sdk==${SOMA_SDK_VERSION} installed but does not import`)
  return { python: VENV_PYTHON }
}

const DRIVERS = fileURLToPath(new URL('../python/', import.meta.url))

export interface DriverRun {
  /** Exit status, or null when the process ended by a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs test/python/<script> (with `args`) under the venv's interpreter, `input` as JSON on
 * stdin; killed after `timeoutMs`. Resolves when the process has ended, however it ended.
 */
export function runSomaSdkDriver(python: string, script: string, input: unknown, { args = [] as string[], timeoutMs = 120_000 } = {}): Promise<DriverRun> {
  return new Promise((resolve, reject) => {
    // No __pycache__ written into the source tree.
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }
    const child = spawn(python, [join(DRIVERS, script), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    // A driver that dies before reading all of stdin breaks the pipe; its exit status says why.
    child.stdin.on('error', () => {})
    child.stdin.end(JSON.stringify(input))
  })
}

/** One line on how a driver run ended, with the tail of its stderr. */
export function describeDriverEnd(run: DriverRun): string {
  const how = run.signal ? `killed by ${run.signal}` : `exit ${run.code}`
  return `python driver ended with ${how}: ${run.stderr.slice(-2000)}`
}
