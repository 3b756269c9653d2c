import { defineConfig } from 'vitest/config'

import { maxWorkers } from '../../vitest.shared.js'

// Native addons are loaded once per process; forks keep each test file in its own.
export default defineConfig({
  test: { pool: 'forks', maxWorkers, testTimeout: 120_000, include: ['test/**/*.test.ts'] },
})
