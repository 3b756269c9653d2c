// The fuzz suite (issue 8, deliver 5). In the normal run: a fixed seed and a fixed number of inputs
// per target, plus a replay of every saved regression input. With SOMA_FUZZ_MINUTES set (by
// `npm run fuzz -- --minutes N`): round-robin over all targets until the time is up, every
// failing input saved under fuzz/regressions/, and a summary printed (and written to
// SOMA_FUZZ_SUMMARY when set).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { rng } from '../helpers/bcs-cases.js'
import {
  TARGET_BOUNDS,
  check,
  mutate,
  newStats,
  regressionsOf,
  saveRegression,
  type FuzzBounds,
  type FuzzStats,
  type FuzzTarget,
} from './engine.js'
import { bcsTargets, fileTargets, rebuildTarget, serverTargets, serviceCodecTargets, type RunningTargets } from './targets.js'

const LONG_MINUTES = Number(process.env.SOMA_FUZZ_MINUTES ?? 0)
const SEED = Number(process.env.SOMA_FUZZ_SEED ?? 0x5eed)

/**
 * The normal suite runs beside other work on a shared 2-core machine, so it checks that cost is
 * linear with a small constant (250 ms + 750 ms per MiB, 16 MiB + 48 bytes of heap per input byte)
 * rather than the flat 50 ms / 16 MiB target, which a long run (`npm run fuzz`) holds every input
 * to. The densest valid encodings near 1 MiB (32,000 addresses, 14,000 ObjectRefs, 43,000 u64 map
 * entries) take 30-80 ms on such a machine (`npm run bench -- decode`). Servers get room for their
 * own per-call buffers.
 */
const SUITE_BOUNDS: FuzzBounds = { maxMs: 250, msPerMiB: 750, maxHeapBytes: TARGET_BOUNDS.maxHeapBytes, heapPerInputByte: 48 }
const SERVER_BOUNDS: FuzzBounds = { maxMs: 1_000, maxHeapBytes: 64 * 2 ** 20 }
/** Inputs per target in the normal suite. */
const BUDGET: Record<string, number> = { bcs: 400, services: 400, rpc: 1_000, config: 200, server: 250 }
/** A Health call while the servers are being fuzzed must answer within this. */
const HEALTH_MS = 1_500

const files = mkdtempSync(join(tmpdir(), 'soma-fuzz-'))
let servers: RunningTargets
beforeAll(async () => {
  servers = await serverTargets()
})
afterAll(async () => {
  await servers?.close()
  rmSync(files, { recursive: true, force: true })
})

const groupOf = (t: FuzzTarget) => t.name.split('/')[0]!
const boundsFor = (t: FuzzTarget, long: boolean) => (groupOf(t) === 'server' ? SERVER_BOUNDS : long ? TARGET_BOUNDS : SUITE_BOUNDS)

function describeFailures(stats: FuzzStats): string[] {
  return stats.failures.slice(0, 10).map((f) => `${f.target}: ${f.reason} (${f.input.length} bytes: ${Buffer.from(f.input.subarray(0, 48)).toString('hex')}…)`)
}

async function fuzzTarget(target: FuzzTarget, count: number, seed: number, bounds: FuzzBounds, stats: FuzzStats): Promise<void> {
  const r = rng(seed)
  const seeds = target.seeds(r)
  for (const input of seeds) await check(target, input, bounds, stats)
  for (let i = 0; i < count; i++) {
    await check(target, mutate(seeds, r), bounds, stats)
    if (groupOf(target) === 'server' && i % 40 === 39) expect(await servers.healthMs()).toBeLessThan(HEALTH_MS)
  }
}

const syncTargets = (): FuzzTarget[] => [...bcsTargets(), ...serviceCodecTargets(), rebuildTarget(), ...fileTargets(files)]

if (LONG_MINUTES > 0) {
  describe('long fuzz run', () => {
    it(`fuzzes every target for ${LONG_MINUTES} minute(s)`, { timeout: LONG_MINUTES * 60_000 + 120_000 }, async () => {
      const targets = [...syncTargets(), ...servers.targets]
      const stats = newStats()
      const deadline = Date.now() + LONG_MINUTES * 60_000
      const saved = new Map<string, number>()
      const savedPaths: string[] = []
      const perTarget = new Map<string, { r: ReturnType<typeof rng>; seeds: Uint8Array[] }>()
      let slowestHealth = 0
      while (Date.now() < deadline) {
        for (const target of targets) {
          if (Date.now() >= deadline) break
          let state = perTarget.get(target.name)
          if (!state) {
            const r = rng(SEED + perTarget.size * 7919)
            state = { r, seeds: target.seeds(r) }
            perTarget.set(target.name, state)
          }
          const before = stats.failures.length
          for (let i = 0; i < 40; i++) await check(target, mutate(state.seeds, state.r), boundsFor(target, true), stats)
          for (const failure of stats.failures.slice(before)) {
            const n = saved.get(failure.target) ?? 0
            // Up to 20 inputs per target, but only 2 large ones (near 1 MiB each, they weigh on the repo).
            const large = failure.input.length > 256 * 1024
            if (n < (large ? 2 : 20)) savedPaths.push(saveRegression(failure))
            saved.set(failure.target, n + 1)
          }
          if (groupOf(target) === 'server') slowestHealth = Math.max(slowestHealth, await servers.healthMs())
        }
      }
      const summary = {
        minutes: LONG_MINUTES,
        seed: SEED,
        targets: targets.length,
        inputs: stats.inputs,
        slowest: stats.slowest,
        slowestProcess: stats.slowestProcess,
        slowestWall: stats.slowestWall,
        largestHeapGrowthMiB: +(stats.largestHeapGrowth.bytes / 2 ** 20).toFixed(2),
        largestHeapGrowthTarget: stats.largestHeapGrowth.target,
        peakRssMiB: +(stats.peakRss / 2 ** 20).toFixed(1),
        slowestHealthMs: +slowestHealth.toFixed(1),
        failures: stats.failures.length,
        saved: savedPaths,
        examples: describeFailures(stats),
      }
      console.log(`fuzz summary ${JSON.stringify(summary, null, 2)}`)
      if (process.env.SOMA_FUZZ_SUMMARY) writeFileSync(process.env.SOMA_FUZZ_SUMMARY, JSON.stringify(summary, null, 2))
      expect(describeFailures(stats)).toEqual([])
    })
  })
} else {
  describe('fuzz: decoders, codecs, rebuild and config files (fixed seed, fixed budget)', () => {
    for (const [index, target] of syncTargets().entries()) {
      it(target.name, async () => {
        const stats = newStats()
        for (const { input } of regressionsOf(target.name)) await check(target, input, SUITE_BOUNDS, stats)
        await fuzzTarget(target, BUDGET[groupOf(target)]!, SEED + index * 7919, SUITE_BOUNDS, stats)
        expect(describeFailures(stats)).toEqual([])
        expect(stats.inputs).toBeGreaterThan(BUDGET[groupOf(target)]!)
      })
    }
  })

  describe('fuzz: servers on 127.0.0.1 (fixed seed, fixed budget)', () => {
    it('every method answers hostile requests with a proper status and Health stays prompt', async () => {
      const stats = newStats()
      for (const [index, target] of servers.targets.entries()) {
        for (const { input } of regressionsOf(target.name)) await check(target, input, SERVER_BOUNDS, stats)
        await fuzzTarget(target, BUDGET.server!, SEED + 100_003 * (index + 1), SERVER_BOUNDS, stats)
      }
      expect(describeFailures(stats)).toEqual([])
      expect(stats.inputs).toBeGreaterThan(servers.targets.length * BUDGET.server!)
    })
  })
}
