// A virtualenv with the reference Python SDK (`soma-sdk` on PyPI, a compiled build of the real
// Rust code), made once under packages/sdk/.venv-conformance (gitignored) and shared by the tests
// that use it. `ensureSomaSdkPython()` returns the interpreter, or a reason to skip when Python
// or PyPI cannot be reached; any other failure throws.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const SOMA_SDK_VERSION = '0.1.15'
const VENV = fileURLToPath(new URL('../../.venv-conformance', import.meta.url))
const PY = join(VENV, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')

const NETWORK_TROUBLE =
  /NewConnectionError|Temporary failure in name resolution|Network is unreachable|Max retries exceeded|ConnectionError|Could not fetch URL|No matching distribution found|Name or service not known|timed out/i

function run(cmd: string, args: string[], timeout = 600_000) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 })
}

export function ensureSomaSdkPython(): { python: string } | { skip: string } {
  const probe = `import soma_sdk, importlib.metadata as m; assert m.version("soma-sdk") == "${SOMA_SDK_VERSION}"`
  if (existsSync(PY) && run(PY, ['-c', probe]).status === 0) return { python: PY }
  const python = ['python3', 'python'].find((p) => run(p, ['--version']).status === 0)
  if (!python) return { skip: 'no python3 on PATH' }
  mkdirSync(VENV, { recursive: true })
  const venv = run(python, ['-m', 'venv', '--clear', VENV])
  if (venv.status !== 0) throw new Error(`python -m venv failed: ${venv.stderr.slice(-800)}`)
  const pip = run(PY, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', `soma-sdk==${SOMA_SDK_VERSION}`])
  if (pip.status !== 0) {
    const tail = `${pip.stdout}\n${pip.stderr}`.slice(-800)
    if (NETWORK_TROUBLE.test(tail)) return { skip: `PyPI unreachable: ${tail.trim().split('\n').pop() ?? ''}` }
    throw new Error(`pip install soma-sdk failed: ${tail}`)
  }
  return { python: PY }
}
