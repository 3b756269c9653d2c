// The committed protobuf code must be exactly what the pinned generator makes
// from proto/: a hand edit or a stale regeneration fails here.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, describe, expect, it } from 'vitest'

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const committed = join(packageRoot, 'src', 'generated')
const scratch = mkdtempSync(join(tmpdir(), 'soma-gen-'))

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}

describe('generated protobuf code', () => {
  it('matches a fresh `buf generate` byte for byte', () => {
    const buf = join(packageRoot, 'node_modules', '.bin', process.platform === 'win32' ? 'buf.cmd' : 'buf')
    const env = { ...process.env, PATH: `${join(packageRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` }
    const run = spawnSync(buf, ['generate', '--output', scratch], { cwd: packageRoot, env, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)

    const fresh = join(scratch, 'src', 'generated')
    const freshFiles = listFiles(fresh).map((p) => relative(fresh, p)).sort()
    const committedFiles = listFiles(committed).map((p) => relative(committed, p)).sort()
    expect(committedFiles).toEqual(freshFiles)
    expect(freshFiles.length).toBeGreaterThanOrEqual(12)
    for (const file of freshFiles) {
      expect(readFileSync(join(committed, file), 'utf8'), file).toBe(readFileSync(join(fresh, file), 'utf8'))
    }
  })
})
