// A virtualenv with the reference Python SDK (`soma-sdk` on PyPI, a compiled build of the real
// Rust code), made once under packages/sdk/.venv-conformance (gitignored) and shared by the tests
// that use it. `ensureSomaSdkPython()` returns the interpreter, or a reason to skip when Python
// or PyPI cannot be reached; any other failure (no wheel for this platform, version gone, venv
// broken) throws, so the conformance tests never vanish silently.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
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

function run(cmd: string, args: string[], timeout = 600_000) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 })
}

export function ensureSomaSdkPython(): { python: string } | { skip: string } {
  const probe = `import soma_sdk, importlib.metadata as m; assert m.version("soma-sdk") == "${SOMA_SDK_VERSION}"`
  if (existsSync(VENV_PYTHON) && run(VENV_PYTHON, ['-c', probe]).status === 0) return { python: VENV_PYTHON }
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
  if (run(VENV_PYTHON, ['-c', probe]).status !== 0) throw new Error(`soma-sdk==${SOMA_SDK_VERSION} installed but does not import`)
  return { python: VENV_PYTHON }
}
