// `npm run demo` is the main job: keep it working. This runs the same script, as a process,
// after the build (the part `npm run demo` adds in front of it), and checks that it walks every
// step of the journey and that its own check of the reward split passed.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { expect, it } from 'vitest'

it('the demo walks its journey to the end', () => {
  const script = fileURLToPath(new URL('../../../scripts/demo.mjs', import.meta.url))
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 300_000 })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  const steps = [...r.stdout.matchAll(/^── (\d+)\. (.+?) ─*$/gm)].map((m) => `${m[1]}. ${m[2]!.trim()}`)
  expect(steps.map((s) => s.replace(/^\d+\. /, '').split(/[:(]/, 1)[0]!.trim())).toEqual([
    'start a local network',
    'faucet',
    'publish a model',
    'advance the epoch',
    'reveal the model',
    'advance the epoch',
    'score data against a target on the network’s scoring service',
    'score the same data on this machine',
    'submit the data',
    'advance twice',
    'claim the rewards; check the split to the shannon',
    'balances',
  ])
  expect(r.stdout).toMatch(/fullnode\s+http:\/\/127\.0\.0\.1:\d+/)
  expect(r.stdout).toMatch(/model id\s+0x[0-9a-f]{64} \(pending\)/)
  expect(r.stdout).toMatch(/model\s+0x[0-9a-f]{8}…[0-9a-f]{4} active/)
  expect(r.stdout).toMatch(/open targets\s+[1-9]\d*/)
  expect(r.stdout).toMatch(/distance \/ threshold\s+\d\.\d+ ≤ \d\.\d+/)
  expect(r.stdout).toMatch(/bond\s+0\.00006656 SOMA \(1024 bytes × 65\)/)
  // Each payout row: expected and received, equal.
  for (const who of ['submitter', 'model owner', 'claimer']) {
    const row = new RegExp(`^  ${who} .*?\\s(\\d+)\\s+(\\d+)`, 'm').exec(r.stdout)
    expect(row, who).not.toBeNull()
    expect(row![1], who).toBe(row![2])
  }
  expect(r.stdout).toMatch(/split\s+matches the protocol’s rule to the shannon/)
  expect(r.stdout).toMatch(/Every step completed\.$/m)
}, 320_000)
