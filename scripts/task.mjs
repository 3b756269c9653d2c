#!/usr/bin/env node
// The one entry point behind `npm run demo`, `npm test`, `npm run check`, `npm run bench`
// and `npm run build`. It sets up what a fresh clone lacks (pnpm at the pinned version,
// the workspace's packages, the native addon) and then runs the task.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]
const toolsDir = join(root, '.tools')
const pnpmBin = join(toolsDir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')

// turbo and the package scripts look pnpm up on PATH.
const env = {
  ...process.env,
  PATH: [join(toolsDir, 'node_modules', '.bin'), join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts })
  if (r.error) {
    console.error(`soma-ts: could not run ${cmd}: ${r.error.message}`)
    process.exit(1)
  }
  if (r.status !== 0) process.exit(r.status ?? 1)
}

function step(title) {
  console.log(`\n\u25b6 ${title}`)
}

function installedPnpmVersion() {
  if (!existsSync(pnpmBin)) return null
  const r = spawnSync(process.execPath, [pnpmBin, '--version'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

const pnpm = (args, opts) => run(process.execPath, [pnpmBin, ...args], opts)

// Test counts gathered from the runners' own summary lines, for one closing line.
const totals = { passed: 0, failed: 0, skipped: 0 }

function count(line) {
  const plain = stripVTControlCharacters(line)
  const cargo = /test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/.exec(plain)
  if (cargo) {
    totals.passed += Number(cargo[1])
    totals.failed += Number(cargo[2])
    totals.skipped += Number(cargo[3])
    return
  }
  const vitest = /^(?:\S+:test: )?\s*Tests\s+(.*)$/.exec(plain)
  if (vitest) {
    for (const [, n, what] of vitest[1].matchAll(/(\d+) (passed|failed|skipped)/g)) totals[what] += Number(n)
  }
}

/** Like `run`, but also reads the output for test counts while streaming it through. */
function runCounting(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    for (const [stream, sink] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      let pending = ''
      stream.on('data', (chunk) => {
        sink.write(chunk)
        pending += chunk.toString('utf8')
        const lines = pending.split('\n')
        pending = lines.pop() ?? ''
        lines.forEach(count)
      })
      stream.on('end', () => pending && count(pending))
    }
    child.on('error', (err) => {
      console.error(`soma-ts: could not run ${cmd}: ${err.message}`)
      resolve(1)
    })
    child.on('close', (code) => resolve(code ?? 1))
  })
}

/** The entry script of `bin` in a root devDependency, run with this node (no shell shims). */
function toolBin(pkg, name) {
  const dir = join(root, 'node_modules', pkg)
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  return join(dir, typeof bin === 'string' ? bin : bin[name])
}

/** The workspace's packages under packages/, with their manifests. */
function workspacePackages() {
  const dir = join(root, 'packages')
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
    .map((d) => ({ dir: join(dir, d.name), manifest: JSON.parse(readFileSync(join(dir, d.name, 'package.json'), 'utf8')) }))
}

/**
 * `--target <host triple>` for cargo. The addon build (`napi build --platform`) names the target
 * explicitly, so its artifacts live in target/<triple>/release; a plain `cargo test --release`
 * would build every dependency again in target/release (4.5 of CI's minutes). Naming the same
 * target shares them, and the build scripts' outputs (AWS-LC's C build) with clippy.
 */
function hostTarget() {
  const r = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
  const host = r.status === 0 ? /^host: (\S+)$/m.exec(r.stdout)?.[1] : undefined
  return host ? ['--target', host] : []
}

/**
 * The gates `npm test` runs before any test: formatting and lints of the Rust, type checks of
 * every package's sources and tests, the TypeScript linter, and the published shape of every
 * publishable package. Each is one command; its output is shown only when it fails.
 */
function checks() {
  const node = process.execPath
  const locked = process.env.CI ? ['--locked'] : []
  const list = [
    { title: 'cargo fmt --all --check', cmd: 'cargo', args: ['fmt', '--all', '--check', '--', '--files-with-diff'], hint: 'run `cargo fmt --all`' },
    {
      title: 'cargo clippy --workspace --all-targets --release -- -D warnings',
      cmd: 'cargo',
      // --keep-going: every target's warnings in one run, not only the first failing crate's.
      args: ['clippy', '--workspace', '--all-targets', '--release', ...hostTarget(), '--keep-going', ...locked, '--', '-D', 'warnings'],
    },
  ]
  const packages = workspacePackages()
  for (const { dir, manifest } of packages.filter((p) => p.manifest.scripts?.typecheck)) {
    // Each package's `typecheck` is tsc --noEmit over its tsconfig.json, which covers src/ and
    // test/ (tsconfig.build.json, what the build emits from, covers only src/).
    list.push({ title: `typecheck ${manifest.name} (${manifest.scripts.typecheck})`, cmd: node, args: [pnpmBin, 'run', '--silent', 'typecheck'], cwd: dir })
  }
  list.push({ title: 'biome lint', cmd: node, args: [toolBin('@biomejs/biome', 'biome'), 'lint', '--error-on-warnings', '--max-diagnostics=none'] })
  for (const { dir, manifest } of packages.filter((p) => !p.manifest.private)) {
    list.push({ title: `publint --strict ${manifest.name}`, cmd: node, args: [toolBin('publint', 'publint'), '--strict'], cwd: dir })
    // A bin-only package (the CLI) has no import entry point for attw to resolve.
    if (!manifest.exports && !manifest.main && !manifest.types) continue
    // The packages are ESM-only by design ("type": "module", `import` conditions only), so
    // the profile leaves out the node10 and require-from-CJS resolutions.
    list.push({ title: `attw --pack ${manifest.name}`, cmd: node, args: [toolBin('@arethetypeswrong/cli', 'attw'), '--pack', '.', '--profile', 'esm-only', '--no-color'], cwd: dir })
  }
  return list
}

/** Runs one gate with its output captured; prints one line for it, and the output if it failed. */
function runCheck({ title, cmd, args, cwd = root, hint }) {
  const started = Date.now()
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (r.status === 0) {
    console.log(`  \u2713 ${title} (${seconds}s)`)
    return true
  }
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd()
  if (output) console.log(output.replace(/^/gm, '    '))
  const why = r.error ? `could not run ${cmd}: ${r.error.message}` : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`
  console.log(`  \u2717 check failed: ${title} (${why}, ${seconds}s)${hint ? `: ${hint}` : ''}`)
  return false
}

/** Runs every gate (all of them, even after a failure); returns the titles of those that failed. */
function runChecks() {
  const failed = checks()
    .filter((check) => !runCheck(check))
    .map((check) => check.title)
  console.log(failed.length ? `  checks: ${failed.length} failed (${failed.join('; ')})` : '  checks: all passed')
  return failed
}

function setup() {
  if (installedPnpmVersion() !== pinned) {
    step(`installing pnpm ${pinned} into .tools/`)
    run('npm', ['install', '--prefix', toolsDir, '--no-save', '--no-package-lock', `pnpm@${pinned}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  }
  step('installing workspace packages (pnpm install --frozen-lockfile)')
  pnpm(['install', '--frozen-lockfile', '--prefer-offline'])
  step('building the native addon and the packages (turbo run build)')
  pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'])
}

const [task = 'test', ...rest] = process.argv.slice(2)
switch (task) {
  case 'build':
    setup()
    break
  case 'test': {
    setup()
    step('checks (fmt, clippy, tsc, biome, publint, attw)')
    const failedChecks = runChecks()
    step('Rust tests (cargo test --workspace)')
    const rust = await runCounting('cargo', ['test', '--workspace', '--release', ...hostTarget(), ...(process.env.CI ? ['--locked'] : [])])
    step('TypeScript tests (turbo run test)')
    const ts = rust === 0 ? await runCounting(process.execPath, [pnpmBin, 'exec', 'turbo', 'run', 'test', '--concurrency=1', ...rest]) : 1
    // A runner that failed without a counted failing test (a build error, a crash) is one failure.
    const uncounted = (rust !== 0 || ts !== 0) && totals.failed === 0 ? 1 : 0
    const failed = totals.failed + uncounted + failedChecks.length
    console.log(`\n${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`)
    if (failed > 0) process.exit(1)
    break
  }
  case 'checks':
    setup()
    step('checks (fmt, clippy, tsc, biome, publint, attw)')
    if (runChecks().length > 0) process.exit(1)
    break
  case 'demo':
    setup()
    run(process.execPath, [join(root, 'scripts', 'demo.mjs'), ...rest])
    break
  case 'docs':
    // The API reference from the TSDoc of the public entry points (typedoc.json: core, every sdk
    // subpath, localnet), written to docs/api/ (gitignored).
    setup()
    run(process.execPath, [toolBin('typedoc', 'typedoc'), ...rest])
    break
  case 'bench':
    setup()
    run(process.execPath, [join(root, 'bench', 'run.mjs'), ...rest])
    break
  case 'fuzz': {
    // `npm run fuzz -- --minutes N [--seed S]`: the sdk's fuzz suite for N minutes; failing inputs
    // are saved under fuzz/regressions/ (replayed by `npm test`), and a summary is printed.
    // `--target localnet-execute`: the local network's execute entry (random and mutated
    // transactions against the state machine) for N minutes; the test prints the input count.
    const option = (name, fallback) => {
      const i = rest.indexOf(`--${name}`)
      return i >= 0 && rest[i + 1] !== undefined ? rest[i + 1] : fallback
    }
    const minutes = Number(option('minutes', '5'))
    const seed = Number(option('seed', String(Date.now() % 2 ** 31)))
    if (!(minutes > 0) || !Number.isInteger(seed)) {
      console.error('usage: npm run fuzz -- --minutes N [--seed S] [--target sdk|localnet-execute]  (N > 0, S an integer)')
      process.exit(2)
    }
    const target = option('target', 'sdk')
    if (target === 'localnet-execute') {
      setup()
      step(`fuzzing the local network's execute entry for ${minutes} minute(s), seed ${seed}`)
      Object.assign(env, { SOMA_EXECUTE_FUZZ_MINUTES: String(minutes), SOMA_EXECUTE_FUZZ_SEED: String(seed) })
      const code = await runCounting(process.execPath, [pnpmBin, '--filter', '@soma-ts/localnet', 'exec', 'vitest', 'run', '--testTimeout', String((minutes + 10) * 60_000), 'test/execute-fuzz.test.ts'])
      if (code !== 0) process.exit(1)
      break
    }
    if (target !== 'sdk') {
      console.error(`unknown fuzz target ${target}: use sdk (default) or localnet-execute`)
      process.exit(2)
    }
    setup()
    const summaryPath = join(toolsDir, `fuzz-summary-${process.pid}.json`)
    step(`fuzzing for ${minutes} minute(s), seed ${seed}`)
    Object.assign(env, { SOMA_FUZZ_MINUTES: String(minutes), SOMA_FUZZ_SEED: String(seed), SOMA_FUZZ_SUMMARY: summaryPath })
    const code = await runCounting(process.execPath, [pnpmBin, '--filter', '@soma-ts/sdk', 'exec', 'vitest', 'run', 'test/fuzz/fuzz.test.ts'])
    if (existsSync(summaryPath)) {
      const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
      rmSync(summaryPath, { force: true })
      console.log(`\nfuzz: ${s.inputs} inputs over ${s.targets} targets in ${s.minutes} min (seed ${s.seed})`)
      console.log(`slowest input: ${s.slowest.ms.toFixed(1)} ms of CPU on its thread (${s.slowest.target}, ${s.slowest.bytes} bytes); slowest wall time ${s.slowestWall.ms.toFixed(1)} ms, best of 3 (${s.slowestWall.target}, ${s.slowestWall.bytes} bytes)`)
      if (s.slowestProcess) console.log(`most CPU of the whole process for one input (V8's helper threads included, not bounded): ${s.slowestProcess.ms.toFixed(1)} ms (${s.slowestProcess.target}, ${s.slowestProcess.bytes} bytes)`)
      console.log(`largest heap growth for one input: ${s.largestHeapGrowthMiB} MiB (${s.largestHeapGrowthTarget}); peak RSS ${s.peakRssMiB} MiB`)
      console.log(`slowest Health call while fuzzing the servers: ${s.slowestHealthMs} ms`)
      console.log(`failures: ${s.failures}${s.saved.length ? `, saved:\n  ${s.saved.join('\n  ')}` : ''}`)
    }
    if (code !== 0) process.exit(1)
    break
  }
  case 'pnpm':
    if (installedPnpmVersion() !== pinned) setup()
    pnpm(rest)
    break
  default:
    console.error(`unknown task ${task}: use demo, test, checks, docs, bench, build or pnpm`)
    process.exit(2)
}
