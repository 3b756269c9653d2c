// The release path, locally: napi makes the linux-x64-gnu platform package, both
// packages are packed with `npm pack`, installed from the tarballs into an empty
// directory, and @soma-ts/core loads its binary from the platform package there.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, describe, expect, it } from 'vitest'

const pkgDir = fileURLToPath(new URL('..', import.meta.url))
const napi = join(pkgDir, 'node_modules', '.bin', 'napi')
const isLinuxX64Gnu =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime !== undefined
const nodeFile = join(pkgDir, 'soma-core.linux-x64-gnu.node')
const work = mkdtempSync(join(tmpdir(), 'soma-pack-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 })

describe.skipIf(!isLinuxX64Gnu || !existsSync(nodeFile))('prebuilt binary from packed tarballs', () => {
  it('installs into an empty directory and loads from @soma-ts/core-linux-x64-gnu', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
      version: string
      optionalDependencies?: Record<string, string>
    }
    // Stage a copy so the working tree is untouched.
    const stage = join(work, 'core')
    mkdirSync(stage)
    for (const f of ['package.json', 'binding.cjs', 'binding.d.cts', 'dist']) cpSync(join(pkgDir, f), join(stage, f), { recursive: true })
    // The release job runs create-npm-dirs and artifacts over every target; locally only
    // this platform's binary exists, so the staged copy lists only its target. The binary
    // sits in its own sub-folder, as download-artifact leaves each artifact.
    const stagedPkg = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as { napi: { targets: string[] } }
    expect(stagedPkg.napi.targets).toContain('x86_64-unknown-linux-gnu')
    stagedPkg.napi.targets = ['x86_64-unknown-linux-gnu']
    writeFileSync(join(stage, 'package.json'), JSON.stringify(stagedPkg, null, 2))
    const artifacts = join(stage, 'artifacts', 'bindings-x86_64-unknown-linux-gnu')
    mkdirSync(artifacts, { recursive: true })
    cpSync(nodeFile, join(artifacts, 'soma-core.linux-x64-gnu.node'))
    run(napi, ['create-npm-dirs'], stage)
    run(napi, ['artifacts', '--output-dir', 'artifacts'], stage)
    rmSync(join(stage, 'artifacts'), { recursive: true })
    const platformDir = join(stage, 'npm', 'linux-x64-gnu')
    expect(readFileSync(join(platformDir, 'soma-core.linux-x64-gnu.node')).equals(readFileSync(nodeFile))).toBe(true)
    const platformPkg = JSON.parse(readFileSync(join(platformDir, 'package.json'), 'utf8')) as {
      name: string
      os: string[]
      cpu: string[]
    }
    expect(platformPkg.name).toBe('@soma-ts/core-linux-x64-gnu')
    expect(platformPkg).toMatchObject({ os: ['linux'], cpu: ['x64'] })
    expect(existsSync(join(platformDir, 'soma-core.linux-x64-gnu.node'))).toBe(true)

    // What `napi pre-publish` writes at release time.
    const staged = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as typeof pkg
    staged.optionalDependencies = { '@soma-ts/core-linux-x64-gnu': pkg.version }
    writeFileSync(join(stage, 'package.json'), JSON.stringify(staged, null, 2))

    const platformTgz = run('npm', ['pack', '--silent', '--pack-destination', work], platformDir).trim().split('\n').at(-1)!
    const coreTgz = run('npm', ['pack', '--silent', '--pack-destination', work], stage).trim().split('\n').at(-1)!
    const listing = run('tar', ['-tzf', join(work, coreTgz)], work)
    expect(listing).not.toMatch(/\.node$/m)

    const app = join(work, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), '{"name":"app","private":true,"type":"module"}')
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, platformTgz), join(work, coreTgz)], app)

    const probe = `
      import { createRequire } from 'node:module'
      import { blake2b256, version } from '@soma-ts/core'
      const require = createRequire(import.meta.url)
      const loaded = Object.keys(require.cache).find((p) => p.endsWith('.node')) ?? ''
      console.log(JSON.stringify({ version, loaded, abc: Buffer.from(blake2b256(new TextEncoder().encode('abc'))).toString('hex') }))
    `
    writeFileSync(join(app, 'probe.mjs'), probe)
    const out = JSON.parse(run(process.execPath, ['probe.mjs'], app).trim()) as { version: string; loaded: string; abc: string }
    expect(out).toEqual({
      version: pkg.version,
      loaded: expect.stringMatching(/node_modules[\\/]@soma-ts[\\/]core-linux-x64-gnu[\\/]soma-core\.linux-x64-gnu\.node$/),
      abc: 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319',
    })
    // The binary came from the platform package, not a local build.
    expect(existsSync(join(app, 'node_modules', '@soma-ts', 'core', 'soma-core.linux-x64-gnu.node'))).toBe(false)
    expect(existsSync(join(app, 'node_modules', '@soma-ts', 'core-linux-x64-gnu', 'soma-core.linux-x64-gnu.node'))).toBe(true)

    // With the platform package gone, the error lists every attempt.
    rmSync(join(app, 'node_modules', '@soma-ts', 'core-linux-x64-gnu'), { recursive: true })
    let message = ''
    try {
      run(process.execPath, ['probe.mjs'], app)
    } catch (err) {
      message = String((err as { stderr?: string }).stderr)
    }
    expect(message).toMatch(/Could not load the soma-ts native binding/)
    // Both ways it tried: the platform package and a local build beside the loader.
    expect(message).toMatch(/Cannot find module '@soma-ts\/core-linux-x64-gnu'/)
    expect(message).toMatch(/Cannot find module '\.\/soma-core\.linux-x64-gnu\.node'/)
    expect(message).toMatch(/Hint: Install the platform package \(npm i @soma-ts\/core-linux-x64-gnu\)/)
  })
})
