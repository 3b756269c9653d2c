import { defineConfig } from 'vitest/config'

// Native addons are loaded once per process; forks keep each test file in its own.
export default defineConfig({
  test: { pool: 'forks', testTimeout: 120_000, include: ['test/**/*.test.ts'] },
})
