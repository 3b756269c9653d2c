#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>/run.mjs. Each benchmark runs its
// peer (OpenSSL, the pure-JS path, PyTorch) side by side in the same run and prints
// ratios; nothing here is a pass/fail test.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const available = readdirSync(here).filter((d) => existsSync(join(here, d, 'run.mjs')) && statSync(join(here, d)).isDirectory())
const [name, ...args] = process.argv.slice(2)
const names = name ? [name] : available
for (const n of names) {
  if (!available.includes(n)) {
    console.error(`unknown benchmark "${n}"; available: ${available.join(', ')}`)
    process.exit(2)
  }
  console.log(`\n=== bench: ${n} ===`)
  const r = spawnSync(process.execPath, [join(here, n, 'run.mjs'), ...args], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
