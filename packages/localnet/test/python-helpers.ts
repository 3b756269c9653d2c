/**
 * The SDK package's venv helper for the reference Python `soma-sdk`, shared so that one virtualenv
 * serves every conformance test. It lives outside this package's TypeScript root, so it is
 * imported by URL (vitest compiles it). Drivers live in test/python/ and end through the SDK's
 * test/python/driver.py.
 */
export interface DriverRun {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

const venvHelper = new URL('../../sdk/test/helpers/soma-sdk-python.ts', import.meta.url).href
const helper = (await import(venvHelper)) as {
  ensureSomaSdkPython(): { python: string } | { skip: string }
  runSomaSdkDriver(python: string, script: string, input: unknown, options?: { timeoutMs?: number }): Promise<DriverRun>
  describeDriverEnd(run: DriverRun): string
}

/** The venv's interpreter, or why the Python tests are skipped (Python or PyPI unreachable). */
export const somaSdkPython = helper.ensureSomaSdkPython()

/** Runs test/python/<script> with `input` on stdin and returns its JSON output; throws when it fails. */
export async function runLocalnetDriver<T>(script: string, input: unknown, timeoutMs = 120_000): Promise<T> {
  if ('skip' in somaSdkPython) throw new Error(`no soma-sdk venv: ${somaSdkPython.skip}`)
  // runSomaSdkDriver resolves scripts from the SDK's test/python/ directory.
  const run = await helper.runSomaSdkDriver(somaSdkPython.python, `../../../localnet/test/python/${script}`, input, { timeoutMs })
  if (run.code !== 0) throw new Error(helper.describeDriverEnd(run))
  return JSON.parse(run.stdout) as T
}
