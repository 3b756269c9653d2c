// The reference CLI's config directory, read and written through the SDK (the CLI tests drive the
// same code as processes): client.yaml as serde_yaml writes it, the keystore and aliases files as
// serde_json writes them, file modes, and typed errors that never carry key material.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { ConfigError, Ed25519Keypair } from '../src/index.js'
import { FileKeystore, aliasesPathFor, readClientConfig, writeClientConfig } from '../src/config/index.js'

const root = mkdtempSync(join(tmpdir(), 'soma-sdk-config-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = () => {
  const d = join(root, `d${n++}`)
  mkdirSync(d)
  return d
}

const FILM_KEYSTORE = 'AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6'
const FILM_ADDRESS = '0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133'
const FILM_PK = 'ACJkf+7vNjBgvUIFoWcaFfEKEjZ2WRixtfY42C8zz8Rp'
const FILM_SECRET_HEX = 'dd09307a43ba6dc186b5709e4ca51f4fc71911c143f7ceffcf8c60e6b03bc8fa'

function referenceClientYaml(dir: string, activeAddress: string): string {
  // serde_yaml 0.8 (the reference's version) output, with the document marker and `~` for None.
  return (
    `---\nkeystore:\n  File: ${join(dir, 'soma.keystore')}\nexternal_keys: ~\nenvs:\n` +
    `  - alias: testnet\n    rpc: "https://fullnode.testnet.soma.org:443"\n    basic_auth: ~\n` +
    `  - alias: local\n    rpc: "http://127.0.0.1:9000"\n    basic_auth: ~\n    chain_id: 964EDrEzfvQT7HjVsjfXYcM1ubi3qhqB41zV7LLbCxxd\n` +
    `active_env: local\nactive_address: ${activeAddress}\n`
  )
}

describe('client.yaml', () => {
  it('reads the reference layout, quoted or (hand-edited) unquoted address alike', () => {
    const dir = fresh()
    const path = join(dir, 'client.yaml')
    for (const written of [`"${FILM_ADDRESS}"`, FILM_ADDRESS, `'${FILM_ADDRESS}'`]) {
      writeFileSync(path, referenceClientYaml(dir, written))
      const config = readClientConfig(path)
      expect(config.activeAddress, written).toBe(FILM_ADDRESS)
      expect(config.keystorePath).toBe(join(dir, 'soma.keystore'))
      expect(config.activeEnv).toBe('local')
      expect(config.externalKeys).toBeNull()
      expect(config.envs).toEqual([
        { alias: 'testnet', rpc: 'https://fullnode.testnet.soma.org:443', basic_auth: null },
        { alias: 'local', rpc: 'http://127.0.0.1:9000', basic_auth: null, chain_id: '964EDrEzfvQT7HjVsjfXYcM1ubi3qhqB41zV7LLbCxxd' },
      ])
    }
    // A short unquoted 0x form is still text (left-padded), not the number 18.
    writeFileSync(path, referenceClientYaml(dir, '0x12'))
    expect(readClientConfig(path).activeAddress).toBe(`0x${'0'.repeat(62)}12`)
    writeFileSync(path, referenceClientYaml(dir, '~'))
    expect(readClientConfig(path).activeAddress).toBeNull()
  })

  it('writes what it reads back, with the reference field names, null as ~ and the address quoted', () => {
    const dir = fresh()
    const path = join(dir, 'client.yaml')
    writeFileSync(path, referenceClientYaml(dir, `"${FILM_ADDRESS}"`))
    const config = readClientConfig(path)
    writeClientConfig(config, path)
    const text = readFileSync(path, 'utf8')
    expect(text).toContain(`keystore:\n  File: ${join(dir, 'soma.keystore')}\n`)
    expect(text).toContain('external_keys: ~\n')
    expect(text).toContain('    basic_auth: ~\n')
    expect(text).toContain(`active_address: "${FILM_ADDRESS}"\n`)
    expect(text).not.toContain('chain_id: ~')
    expect(readClientConfig(path)).toEqual(config)
  })

  it('bad files are ConfigErrors', () => {
    const dir = fresh()
    const path = join(dir, 'client.yaml')
    expect(() => readClientConfig(path)).toThrow(/No soma config found/)
    for (const text of ['keystore: [\n', '- a\n- b\n', 'keystore:\n  InMem: {}\n', `keystore:\n  File: x\nactive_address: zz\n`, `keystore:\n  File: x\nactive_address: [1]\n`, 'keystore:\n  File: x\nenvs:\n  - 1\n']) {
      writeFileSync(path, text)
      expect(() => readClientConfig(path), text).toThrow(ConfigError)
    }
  })
})

describe('soma.keystore and soma.aliases', () => {
  it('the aliases file is the keystore path with its extension replaced', () => {
    expect(aliasesPathFor('/a/soma.keystore')).toBe('/a/soma.aliases')
    expect(aliasesPathFor('/a/keys')).toBe('/a/keys.aliases')
    expect(aliasesPathFor('/a/x.y.keystore')).toBe('/a/x.y.aliases')
  })

  it('writes serde_json pretty arrays in address order, keystore 0600', () => {
    const dir = fresh()
    const ks = FileKeystore.load(join(dir, 'soma.keystore'))
    const keys = [7, 1, 200, 42].map((b) => Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(b)))
    keys.forEach((k, i) => ks.import(k, `key${i}`))
    const sorted = [...keys].sort((a, b) => (a.toSomaAddress() < b.toSomaAddress() ? -1 : 1))
    expect(readFileSync(join(dir, 'soma.keystore'), 'utf8')).toBe(`[\n${sorted.map((k) => `  "${k.toKeystoreString()}"`).join(',\n')}\n]`)
    const aliases = JSON.parse(readFileSync(join(dir, 'soma.aliases'), 'utf8')) as { alias: string; public_key_base64: string }[]
    expect(aliases.map((a) => a.public_key_base64)).toEqual(sorted.map((k) => k.getPublicKey().toSomaBase64()))
    expect(Object.keys(aliases[0]!)).toEqual(['alias', 'public_key_base64'])
    if (process.platform !== 'win32') expect(statSync(join(dir, 'soma.keystore')).mode & 0o777).toBe(0o600)
    expect(FileKeystore.load(join(dir, 'soma.keystore')).addresses()).toEqual(sorted.map((k) => k.toSomaAddress()))
  })

  it.skipIf(process.platform === 'win32')('tightens a 0644 keystore to 0600 on load, as the reference does', () => {
    const dir = fresh()
    const path = join(dir, 'soma.keystore')
    writeFileSync(path, `[\n  "${FILM_KEYSTORE}"\n]`)
    chmodSync(path, 0o644)
    const ks = FileKeystore.load(path)
    expect(ks.addresses()).toEqual([FILM_ADDRESS])
    expect(statSync(path).mode & 0o777).toBe(0o600)
    // No aliases file: one is made with a random adjective-stone name.
    expect(JSON.parse(readFileSync(join(dir, 'soma.aliases'), 'utf8'))).toEqual([{ alias: ks.aliasOf(FILM_ADDRESS), public_key_base64: FILM_PK }])
  })

  it('corrupt keystores are ConfigErrors that carry no key material', () => {
    const dir = fresh()
    const path = join(dir, 'soma.keystore')
    const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64')
    const secret = [...Buffer.from(FILM_SECRET_HEX, 'hex')]
    const cases: [string, RegExp][] = [
      [`[ "${FILM_KEYSTORE}", `, /Cannot deserialize the keystore file/],
      ['{"a": 1}', /Cannot deserialize the keystore file/],
      ['[1]', /Invalid keystore file/],
      [`["${FILM_KEYSTORE.slice(0, -1)}!"]`, /Invalid keystore file/],
      [`["${b64([1, ...secret])}"]`, /Invalid keystore file/],
      [`["${b64([0, ...secret.slice(1)])}"]`, /Invalid keystore file/],
      [`["${b64([0, ...secret, 0])}"]`, /Invalid keystore file/],
    ]
    for (const [text, message] of cases) {
      writeFileSync(path, text)
      let caught: unknown
      try {
        FileKeystore.load(path)
      } catch (err) {
        caught = err
      }
      expect(caught, text).toBeInstanceOf(ConfigError)
      const full = `${(caught as Error).message} ${JSON.stringify(caught)}`
      expect((caught as Error).message, text).toMatch(message)
      for (const secretForm of [FILM_KEYSTORE.slice(4, 24), FILM_SECRET_HEX.slice(2, 20), b64(secret).slice(4, 24)]) {
        expect(full, text).not.toContain(secretForm)
      }
      expect((caught as Error).message.length).toBeLessThan(600)
    }
  })
})
