// Where the model goldens live, for every TypeScript test that needs them (core, CLI and
// localnet): the repository's own `fixtures/goldens`. A missing folder is a broken checkout, so this throws
// instead of skipping. Plain JS with a .d.mts beside it, so packages with their own
// rootDir can import it.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export function goldensDir() {
  const dir = resolve(repoRoot, 'fixtures', 'goldens')
  if (!existsSync(join(dir, 'expected.json'))) {
    throw new Error(`model goldens not found at ${dir} (expected the repository's fixtures/goldens)`)
  }
  return dir
}

export function loadGoldens() {
  return JSON.parse(readFileSync(join(goldensDir(), 'expected.json'), 'utf8'))
}

/** Losses and distances: 1e-5 relative, no floor. */
export function isClose(actual, expected) {
  return Math.abs(actual - expected) <= 1e-5 * Math.abs(expected)
}

/**
 * Embedding components: 1e-5 relative with a 1e-6 absolute floor for components that
 * cancel to near zero. Only one golden value needs it (e300 model 0 embedding[10] =
 * -0.0162, off by 3.5e-7 = 1.3e-7 of the vector's largest component); see
 * crates/engine/tests/model_goldens.rs.
 */
export function expectCloseAll(actual, expected, what) {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`)
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= 1e-5 * Math.abs(expected[i]) + 1e-6)) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`)
    }
  }
}
