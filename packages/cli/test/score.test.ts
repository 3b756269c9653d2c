import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { aes256Ctr, toBase58 } from '@soma-ts/core'
import { afterAll, describe, expect, it } from 'vitest'

import { expectCloseAll, goldensDir, isClose, loadGoldens } from '../../core/test/model-goldens.mjs'
import { soma } from './cli.js'

const goldens = loadGoldens()
const target = goldens.target_embedding.join(',')
const file = (name: string) => join(goldensDir(), name)
const work = mkdtempSync(join(tmpdir(), 'soma-score-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

interface ScoreJson {
  winner: number
  loss_score: number[]
  embedding: number[]
  distance: number[]
}

describe('soma score (run as a process)', () => {
  for (const c of goldens.cases) {
    it(`matches the ${c.name} golden`, () => {
      const r = soma([
        'score',
        '--data',
        file(c.data),
        '--weights',
        c.models.map(file).join(','),
        '--target-embedding',
        target,
        '--seed',
        String(c.seed),
        '--small-model',
        '--json',
      ])
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      const out = JSON.parse(r.stdout) as ScoreJson
      expect(out.winner).toBe(c.winner)
      expect(out.loss_score.length).toBe(1)
      expect(isClose(out.loss_score[0] as number, c.losses[c.winner] as number)).toBe(true)
      expectCloseAll(out.embedding, c.embeddings[c.winner] as number[], 'embedding')
      expect(out.distance.length).toBe(1)
      expect(isClose(out.distance[0] as number, c.distance)).toBe(true)
    })
  }

  it('decrypts encrypted weights with --decryption-key and rejects a wrong key', () => {
    const key = new Uint8Array(32).fill(5)
    const enc = join(work, 'model-22.enc')
    writeFileSync(enc, aes256Ctr(new Uint8Array(readFileSync(file('model-22.safetensors'))), key))
    const args = ['score', '--data', file('e1024.bin'), '--weights', enc, '--target-embedding', target, '--seed', '7', '--small-model', '--json']
    const ok = soma([...args, '--decryption-key', toBase58(key)])
    expect(ok.status).toBe(0)
    const c = goldens.cases.find((x) => x.name === 'e1024')!
    expect(isClose((JSON.parse(ok.stdout) as ScoreJson).distance[0] as number, c.distance)).toBe(true)

    const bad = soma([...args, '--decryption-key', toBase58(new Uint8Array(32).fill(6))])
    expect(bad.status).toBe(1)
    expect(JSON.parse(bad.stderr).error.code).toBe('SOMA_INVALID_WEIGHTS')
  })

  it('prints readable errors for empty data, a wrong-size target and bad flags', () => {
    const empty = join(work, 'empty.bin')
    writeFileSync(empty, new Uint8Array(0))
    const base = ['--weights', file('model-21.safetensors'), '--small-model']
    const e1 = soma(['score', '--data', empty, '--target-embedding', target, ...base])
    expect(e1.status).toBe(1)
    expect(e1.stderr).toMatch(/^error: empty data/)
    expect(e1.stderr).not.toMatch(/\n\s+at /)
    const e2 = soma(['score', '--data', file('e300.bin'), '--target-embedding', '1,2,3', ...base, '--json'])
    expect(JSON.parse(e2.stderr).error.code).toBe('SOMA_INVALID_TARGET')
    const e3 = soma(['score', '--data', file('e300.bin'), '--target-embedding', 'a,b', ...base])
    expect(e3.stderr).toMatch(/--target-embedding must be comma-separated numbers/)
    const e4 = soma(['score', '--data', file('e300.bin'), '--target-embedding', target, ...base, '--seed', '-3'])
    expect(e4.stderr).toMatch(/--seed must be an integer/)
    const e5 = soma(['score', '--data', file('e300.bin'), '--target-embedding', target, ...base, '--device', 'cuda'])
    expect(e5.status).toBe(1)
    expect(e5.stderr).toMatch(/cuda/)
    const e6 = soma(['score', '--data', join(work, 'missing.bin'), '--target-embedding', target, ...base])
    expect(e6.stderr).toMatch(/Cannot read the data file/)
    // 1e39 is finite as text but infinite as float32: a typed error, not a NaN distance.
    const huge = goldens.target_embedding.map((v, i) => (i === 0 ? 1e39 : v)).join(',')
    const e7 = soma(['score', '--data', file('e300.bin'), '--target-embedding', huge, ...base, '--json'])
    expect(e7.status).toBe(1)
    expect(JSON.parse(e7.stderr).error.code).toBe('SOMA_INVALID_TARGET')
    const e8 = soma(['score', '--data', file('e300.bin'), '--target-embedding', target, '--weights', work, '--small-model'])
    expect(e8.status).toBe(1)
    expect(e8.stderr).toMatch(/is a directory/)
    expect(e8.stderr).not.toMatch(/\n\s+at /)
    const big = join(work, 'big.bin')
    writeFileSync(big, new Uint8Array((1 << 20) + 1))
    const e9 = soma(['score', '--data', big, '--target-embedding', target, ...base, '--json'])
    expect(e9.status).toBe(1)
    expect(JSON.parse(e9.stderr).error.code).toBe('SOMA_DATA_TOO_LARGE')
  })
})
