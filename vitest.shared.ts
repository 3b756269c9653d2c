import { availableParallelism } from 'node:os'

/**
 * Test files run at once. Vitest's default is cores − 1, which is one file at a time on CI's two
 * cores; most files spend their time waiting on child processes (the CLI, a local network) and
 * sockets, so two at a time keep both cores busy (the CLI suite: 505 s → 336 s).
 */
export const maxWorkers = Math.max(2, availableParallelism() - 1)
