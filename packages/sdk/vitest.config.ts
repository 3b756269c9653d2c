import { fileURLToPath } from 'node:url'

import { defineConfig } from 'vitest/config'

import { maxWorkers } from '../../vitest.shared.js'

const src = fileURLToPath(new URL('./src/', import.meta.url))

export default defineConfig({
  // The tests reach the local network's server halves (packages/localnet/src), which import the SDK
  // by name; inside the SDK's own suite that name is this source tree, so one copy of each class
  // (and of `instanceof`) is in play.
  resolve: {
    alias: [
      { find: /^@soma-ts\/sdk$/, replacement: `${src}index.ts` },
      { find: /^@soma-ts\/sdk\/generated\/(.*)$/, replacement: `${src}generated/$1.ts` },
    ],
  },
  // One module graph per worker, not per file: each file re-importing the SDK's sources cost
  // 177 s of the 239 s suite on CI's 2 cores (85 s in all without). The files keep no state
  // between them: what one sets (env, cwd, spies) it restores.
  test: { pool: 'forks', maxWorkers, isolate: false, testTimeout: 120_000, include: ['test/**/*.test.ts'] },
})
