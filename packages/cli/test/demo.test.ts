// `npm run demo` is the main job: keep it working. This runs the same script, as a
// process, after the build (the part `npm run demo` adds in front of it).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { expect, it } from 'vitest'

it('the demo walks its journey to the end', () => {
  const script = fileURLToPath(new URL('../../../scripts/demo.mjs', import.meta.url))
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000 })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  expect(r.stdout).toMatch(/"winner": 0/)
  expect(r.stdout).toMatch(/CommitModel \w{43,44}: signature verified against its sender/)
  expect(r.stdout).toMatch(/SubmitData \w{43,44}: signature verified against its sender/)
})
