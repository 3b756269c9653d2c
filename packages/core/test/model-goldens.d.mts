export declare const repoRoot: string
export declare function goldensDir(): string

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

export declare function loadGoldens(): Goldens
export declare function isClose(actual: number, expected: number): boolean
export declare function expectCloseAll(actual: ArrayLike<number>, expected: readonly number[], what: string): void
