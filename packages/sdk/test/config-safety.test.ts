// Files handled safely (issue 8, findings 4 and 5): keystore and client.yaml are checked with lstat
// before anything changes, modes are 0700/0600 whatever the umask, YAML errors never quote the
// file, alias bombs and oversized files are typed ConfigErrors.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { randomBytes } from 'node:crypto'

import { FileKeystore, MAX_KEYSTORE_ENTRIES, createClientConfig, randomAlias, readClientConfig } from '../src/config/index.js'
import { Ed25519Keypair } from '../src/keys/keypair.js'
import { MAX_CLIENT_YAML_BYTES, MAX_CLIENT_YAML_LINES } from '../src/config/client.js'
import { ConfigError } from '../src/errors/index.js'

const root = mkdtempSync(join(tmpdir(), 'soma-config-safety-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = () => {
  const d = join(root, `case${n++}`)
  mkdirSync(d)
  return d
}
const mode = (p: string) => statSync(p).mode & 0o777
const KEY = '[\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"\n]'

function thrown(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

/** Everything an error would show: text output and the CLI's --json fields. */
const shown = (err: ConfigError) => [String(err), err.message, err.shortMessage, err.details ?? '', err.hint ?? '', JSON.stringify(err)].join('\n')

describe('keystore paths are checked before anything changes', () => {
  it('a directory given as the keystore is refused and keeps its mode', () => {
    const dir = join(fresh(), 'soma.keystore')
    mkdirSync(dir, { mode: 0o755 })
    chmodSync(dir, 0o755)
    const err = thrown(() => FileKeystore.load(dir))
    expect(err.shortMessage).toMatch(/it is a directory/)
    expect(mode(dir)).toBe(0o755)
  })

  it("a symlinked keystore is refused; its target's mode and contents stay", () => {
    const d = fresh()
    const target = join(d, 'elsewhere.json')
    writeFileSync(target, KEY)
    chmodSync(target, 0o644)
    const link = join(d, 'soma.keystore')
    symlinkSync(target, link)
    const err = thrown(() => FileKeystore.load(link))
    expect(err.shortMessage).toMatch(/symbolic link/)
    expect(mode(target)).toBe(0o644)
    expect(readFileSync(target, 'utf8')).toBe(KEY)
  })

  it('a symlinked aliases file is refused before the keystore is touched', () => {
    const d = fresh()
    const keystore = join(d, 'soma.keystore')
    writeFileSync(keystore, KEY)
    chmodSync(keystore, 0o644)
    symlinkSync(join(d, 'nowhere'), join(d, 'soma.aliases'))
    expect(thrown(() => FileKeystore.load(keystore)).shortMessage).toMatch(/aliases file .* symbolic link/)
    expect(mode(keystore)).toBe(0o644)
  })

  it('a regular keystore is still loaded and tightened to 0600', () => {
    const d = fresh()
    const keystore = join(d, 'soma.keystore')
    writeFileSync(keystore, KEY)
    chmodSync(keystore, 0o644)
    expect(FileKeystore.load(keystore).addresses()).toHaveLength(1)
    expect(mode(keystore)).toBe(0o600)
  })
})

describe('keystore size (a 4,000-entry file took 3.6 s in the fuzz, one derivation per entry)', () => {
  const ENTRY = 'AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6'
  const copies = (n: number) => JSON.stringify(Array.from({ length: n }, () => ENTRY), null, 2)
  /** `n` distinct keystore entries, made without deriving any public key. */
  const distinct = (n: number) => Array.from({ length: n }, () => Buffer.concat([Buffer.of(0), randomBytes(32)]).toString('base64'))

  it('a keystore with more entries than the cap is refused before any key is derived or file written', () => {
    const d = fresh()
    const keystore = join(d, 'soma.keystore')
    writeFileSync(keystore, copies(4_000))
    const err = thrown(() => FileKeystore.load(keystore))
    expect(err.shortMessage).toMatch(/too many entries/)
    expect(err.details).toBe(`4000 entries, at most ${MAX_KEYSTORE_ENTRIES} are loaded`)
    expect(readdirSync(d)).toEqual(['soma.keystore'])
  })

  it('exactly the cap loads; a repeated entry is one key', () => {
    const d = fresh()
    const keystore = join(d, 'soma.keystore')
    writeFileSync(keystore, copies(MAX_KEYSTORE_ENTRIES))
    expect(FileKeystore.load(keystore).addresses()).toEqual([Ed25519Keypair.fromKeystoreString(ENTRY).toSomaAddress()])
    writeFileSync(keystore, copies(MAX_KEYSTORE_ENTRIES + 1))
    expect(thrown(() => FileKeystore.load(keystore)).shortMessage).toMatch(/too many entries/)
  })

  it('an aliases file over the cap is refused', () => {
    const d = fresh()
    const keystore = join(d, 'soma.keystore')
    writeFileSync(keystore, KEY)
    const alias = { alias: 'film', public_key_base64: 'ACJkf+7vNjBgvUIFoWcaFfEKEjZ2WRixtfY42C8zz8Rp' }
    writeFileSync(join(d, 'soma.aliases'), JSON.stringify(Array.from({ length: MAX_KEYSTORE_ENTRIES + 1 }, () => alias)))
    expect(thrown(() => FileKeystore.load(keystore)).shortMessage).toMatch(/aliases file .* too many entries/)
  })

  it('a full keystore without aliases gets distinct aliases, and refuses one more key', () => {
    const d = fresh()
    const keystore = join(d, 'soma.keystore')
    const entries = distinct(MAX_KEYSTORE_ENTRIES)
    writeFileSync(keystore, JSON.stringify(entries, null, 2))
    const ks = FileKeystore.load(keystore)
    const aliases = ks.entries().map((e) => e.alias)
    expect(aliases).toHaveLength(MAX_KEYSTORE_ENTRIES)
    expect(new Set(aliases).size).toBe(MAX_KEYSTORE_ENTRIES)
    const before = readFileSync(keystore, 'utf8')
    expect(thrown(() => ks.import(Ed25519Keypair.generate())).shortMessage).toMatch(/is full/)
    expect(readFileSync(keystore, 'utf8')).toBe(before)
    // Replacing a key already held is no growth and still works.
    expect(ks.import(Ed25519Keypair.fromKeystoreString(entries[0]!), 'renamed')).toBe('renamed')
  })

  it('a random alias is found among the free pairs when nearly all are taken, then key-N', () => {
    const all = new Set<string>()
    for (let i = 0; all.size < 2_204 && i < 1_000_000; i++) all.add(randomAlias(all))
    // 58 adjectives × 38 stones: every pair came out once before the first numbered name.
    expect([...all].filter((a) => a.startsWith('key-'))).toEqual([])
    expect(randomAlias(all)).toBe('key-1')
    const one = [...all][1_000]!
    all.delete(one)
    expect(randomAlias(all)).toBe(one)
  })
})

describe('client.yaml line cap (the 30-minute fuzz run of 2026-12-02)', () => {
  it('888 lines of a repeated key are refused before the parser spends 35-65 ms of CPU on them', () => {
    const saved = readFileSync(new URL('../../../fuzz/regressions/config_client.yaml/979c3cc6e316e1f7.bin', import.meta.url), 'utf8')
    const path = join(fresh(), 'client.yaml')
    writeFileSync(path, saved)
    expect(thrown(() => readClientConfig(path)).details).toBe(`more than ${MAX_CLIENT_YAML_LINES} lines`)
  })
})

describe('modes whatever the umask', () => {
  it('under umask 000 the config directory is 0700 and client.yaml, soma.keystore 0600', () => {
    const dir = join(fresh(), 'nested', 'soma_config')
    const old = process.umask(0)
    try {
      createClientConfig(dir)
    } finally {
      process.umask(old)
    }
    expect(mode(dir)).toBe(0o700)
    expect(mode(join(dir, '..'))).toBe(0o700)
    expect(mode(join(dir, 'client.yaml'))).toBe(0o600)
    expect(mode(join(dir, 'soma.keystore'))).toBe(0o600)
  })
})

describe('client.yaml parsing', () => {
  const PASSWORD = 'hunter2-s3cret-passw0rd'
  function configWith(yaml: string): string {
    const d = fresh()
    const path = join(d, 'client.yaml')
    writeFileSync(path, yaml)
    return path
  }

  it('a syntax error names line and column but never quotes the file (a basic_auth password)', () => {
    const path = configWith(
      `---\nkeystore:\n  File: /tmp/x.keystore\nenvs:\n  - alias: a\n    rpc: "http://127.0.0.1:9000"\n    basic_auth: "${PASSWORD}"\n   broken: [unclosed ${PASSWORD}\n`,
    )
    const err = thrown(() => readClientConfig(path))
    expect(err.details).toMatch(/line \d+, column \d+/)
    expect(shown(err)).not.toContain(PASSWORD)
    expect(shown(err)).not.toContain('hunter2')
  })

  it('a duplicate key is an error with its position, not its content', () => {
    const path = configWith(`keystore:\n  File: /tmp/x\nactive_env: ${PASSWORD}\nactive_env: ${PASSWORD}\n`)
    const err = thrown(() => readClientConfig(path))
    expect(err.details).toMatch(/line 4, column 1: duplicate key/)
    expect(shown(err)).not.toContain(PASSWORD)
  })

  it('an alias bomb is a typed ConfigError, quickly', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i)
      const cur = String.fromCharCode(97 + i)
      levels.push(`${cur}: &${cur} [${Array.from({ length: 9 }, () => `*${prev}`).join(',')}]`)
    }
    const path = configWith(`keystore:\n  File: /tmp/x\n${levels.join('\n')}\n`)
    const started = performance.now()
    const err = thrown(() => readClientConfig(path))
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(err.details).toMatch(/aliases/)
    // More alias references than any config needs are refused before parsing.
    const many = configWith(`keystore:\n  File: /tmp/x\nenvs: &e []\nx: [${Array.from({ length: 101 }, () => '*e').join(', ')}]\n`)
    expect(thrown(() => readClientConfig(many)).details).toMatch(/more than 100 alias references/)
  })

  it('a file over the size cap is refused before it is parsed', () => {
    const path = configWith(`keystore:\n  File: /tmp/x\n# ${'x'.repeat(MAX_CLIENT_YAML_BYTES)}\n`)
    expect(thrown(() => readClientConfig(path)).shortMessage).toMatch(/too large/)
  })

  it('more lines than a config has are refused before parsing; many distinct keys stay linear', () => {
    const long = configWith(`keystore:\n  File: /tmp/x\n${'x\n'.repeat(MAX_CLIENT_YAML_LINES)}`)
    expect(thrown(() => readClientConfig(long)).details).toMatch(/more than 500 lines/)
    // 490 distinct keys: the parser's own unique-key check was quadratic here.
    const keys = configWith(`keystore:\n  File: /tmp/x\n${Array.from({ length: 490 }, (_, i) => `k${i}: v`).join('\n')}\n`)
    const started = performance.now()
    expect(readClientConfig(keys).keystorePath).toBe('/tmp/x')
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('deep flow or block nesting is refused before the parser sees it (1,000 `{` took it minutes)', () => {
    for (const body of ['a: ' + '{'.repeat(1_000), 'a: ' + '['.repeat(40), '- '.repeat(200) + 'x']) {
      const path = configWith(`keystore:\n  File: /tmp/x\n${body}\n`)
      const started = performance.now()
      expect(thrown(() => readClientConfig(path)).details).toMatch(/nested more than 32 levels/)
      expect(performance.now() - started).toBeLessThan(1_000)
    }
    // Shallow flow collections, quoted brackets and comments still parse.
    const ok = configWith('keystore: {File: "/tmp/[x{"}\nexternal_keys: [[1, 2], {a: [3]}]  # [[[[\nenvs: []\n')
    expect(readClientConfig(ok).keystorePath).toBe('/tmp/[x{')
  })

  it('a symlinked client.yaml or one that is a directory is refused', () => {
    const d = fresh()
    writeFileSync(join(d, 'real.yaml'), 'keystore:\n  File: /tmp/x\n')
    symlinkSync(join(d, 'real.yaml'), join(d, 'client.yaml'))
    expect(thrown(() => readClientConfig(join(d, 'client.yaml'))).shortMessage).toMatch(/symbolic link/)
    const e = fresh()
    mkdirSync(join(e, 'client.yaml'))
    expect(thrown(() => readClientConfig(join(e, 'client.yaml'))).shortMessage).toMatch(/directory/)
  })
})
