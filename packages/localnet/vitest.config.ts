import { defineConfig } from 'vitest/config'

import { maxWorkers } from '../../vitest.shared.js'

export default defineConfig({
  // One module graph per worker, not per file (the suite: 219 s -> 172 s on CI's 2 cores). The
  // files keep no state between them: what one sets (env, cwd, spies) it restores.
  test: { pool: 'forks', maxWorkers, isolate: false, testTimeout: 120_000, include: ['test/**/*.test.ts'] },
})
