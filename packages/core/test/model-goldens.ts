/**
 * Where the shared model goldens live, for every TypeScript test that needs them: the
 * `shared/` folder beside the repository root (`<repo>/../shared/goldens`), in a checkout
 * and on CI alike. A missing folder is a broken setup, so this throws instead of skipping.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export function goldensDir(): string {
  const dir = resolve(repoRoot, '..', 'shared', 'goldens')
  if (!existsSync(join(dir, 'expected.json'))) {
    throw new Error(`model goldens not found at ${dir} (expected shared/ beside the repository root)`)
  }
  return dir
}

export interface GoldenCase {
  name: string
  data: string
  seed: number
  models: string[]
  losses: number[]
  embeddings: number[][]
  winner: number
  distance: number
}

export interface Goldens {
  config: Record<string, number>
  target_embedding: number[]
  cases: GoldenCase[]
}

export function loadGoldens(): Goldens {
  return JSON.parse(readFileSync(join(goldensDir(), 'expected.json'), 'utf8')) as Goldens
}

/** 1e-5 relative with a 1e-6 absolute floor (components that cancel to near zero). */
export function isClose(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-5 * Math.abs(expected) + 1e-6
}

export function expectCloseAll(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`)
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number
    const e = expected[i] as number
    if (!isClose(a, e)) throw new Error(`${what}[${i}]: got ${a}, expected ${e}`)
  }
}
