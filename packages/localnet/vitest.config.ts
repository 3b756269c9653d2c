import { defineConfig } from 'vitest/config'

import { maxWorkers } from '../../vitest.shared.js'

export default defineConfig({
  test: { pool: 'forks', maxWorkers, testTimeout: 120_000, include: ['test/**/*.test.ts'] },
})
