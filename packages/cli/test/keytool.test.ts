// `soma keytool` and `soma wallet` run as processes over a temporary SOMA_CONFIG_DIR.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

import { afterAll, describe, expect, it } from 'vitest'

import { SOMA_BIN, soma } from './cli.js'

const root = mkdtempSync(join(tmpdir(), 'soma-cli-keys-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const FILM =
  'film crazy soon outside stand loop subway crumble thrive popular green nuclear struggle pistol arm wife phrase warfare march wheat nephew ask sunny firm'
const FILM_ADDRESS = '0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133'
const FILM_BECH32 = 'somaprivkey1qrwsjvr6gwaxmsvxk4cfun99ra8uwxg3c9pl0nhle7xxpe4s80y05f49m2c'
const FILM_PK = 'ACJkf+7vNjBgvUIFoWcaFfEKEjZ2WRixtfY42C8zz8Rp'
// The wire.md §12.2 TransferCoin TransactionData, Base64.
const TRANSFER_B64 = Buffer.from(
  '0009111111111111111111111111111111111111111111111111111111111111111107000000000000002022222222222222222222222222222222222222222222222222222222222222220100ca9a3b000000003333333333333333333333333333333333333333333333333333333333333333a2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a61330111111111111111111111111111111111111111111111111111111111111111110700000000000000202222222222222222222222222222222222222222222222222222222222222222',
  'hex',
).toString('base64')

let n = 0
function freshDir(): string {
  const d = join(root, `cfg${n++}`)
  mkdirSync(d)
  return d
}
const json = (r: { stdout: string }) => JSON.parse(r.stdout) as any

describe('soma keytool (process)', () => {
  it('imports the Sui cross-check mnemonic and lists, exports and shows it with reference shapes', () => {
    const env = { SOMA_CONFIG_DIR: freshDir() }
    const imp = soma(['keytool', 'import', FILM, 'ed25519', '--alias', 'film', '--json'], env)
    expect(imp.status, imp.stderr).toBe(0)
    expect(json(imp)).toEqual({ alias: 'film', somaAddress: FILM_ADDRESS, publicBase64Key: FILM_PK, keyScheme: 'ed25519', flag: 0 })

    const ks = readFileSync(join(env.SOMA_CONFIG_DIR, 'soma.keystore'), 'utf8')
    expect(ks).toBe('[\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"\n]')
    expect(statSync(join(env.SOMA_CONFIG_DIR, 'soma.keystore')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(env.SOMA_CONFIG_DIR, 'soma.aliases'), 'utf8')).toBe(
      `[\n  {\n    "alias": "film",\n    "public_key_base64": "${FILM_PK}"\n  }\n]`,
    )

    const list = soma(['keytool', 'list', '--json'], env)
    expect(json(list)).toEqual([{ alias: 'film', somaAddress: FILM_ADDRESS, publicBase64Key: FILM_PK, keyScheme: 'ed25519', flag: 0 }])

    const exp = soma(['keytool', 'export', '--key-identity', 'film', '--json'], env)
    expect(json(exp)).toEqual({ exportedPrivateKey: FILM_BECH32, key: json(list)[0] })

    // Import by Bech32 again under the same address keeps one entry.
    const again = soma(['keytool', 'import', FILM_BECH32, 'ed25519', '--json'], env)
    expect(json(again).alias).toBe('film')
    expect(json(soma(['keytool', 'list', '--json'], env))).toHaveLength(1)

    const keyFile = join(root, 'film.key')
    writeFileSync(keyFile, 'AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6\n')
    expect(json(soma(['keytool', 'show', keyFile, '--json'], env)).somaAddress).toBe(FILM_ADDRESS)
    writeFileSync(keyFile, FILM_BECH32)
    expect(json(soma(['keytool', 'show', keyFile, '--json'], env)).publicBase64Key).toBe(FILM_PK)

    const renamed = soma(['keytool', 'update-alias', 'film', 'movie', '--json'], env)
    expect(json(renamed)).toEqual({ oldAlias: 'film', newAlias: 'movie' })
  })

  it('signs the §12.2 TransferCoin vector and verifies it with decode-or-verify-tx', () => {
    const env = { SOMA_CONFIG_DIR: freshDir() }
    soma(['keytool', 'import', FILM, 'ed25519', '--alias', 'film'], env)
    const sign = soma(['keytool', 'sign', '--address', 'film', '--data', TRANSFER_B64, '--json'], env)
    expect(sign.status, sign.stderr).toBe(0)
    const s = json(sign)
    expect(s.somaAddress).toBe(FILM_ADDRESS)
    expect(s.intent).toEqual({ scope: 0, version: 0, app_id: 1 })
    expect(Buffer.from(s.digest, 'base64').toString('hex')).toBe('bbb8306e51f003d9033632d16bf94382e8326fa225f9d0098d0d10be09b5c414')
    expect(s.somaSignature).toBe(
      'AGcPHY+tyOqmyfhhDLj+CCYfhD1asaiIA/tbZIJHgUEr5WZl2PjfTvRi/XkLUQRoAWBRK2WxNnWnKxorqYB2ig0iZH/u7zYwYL1CBaFnGhXxChI2dlkYsbX2ONgvM8/EaQ==',
    )
    expect(Buffer.from(s.rawIntentMsg, 'base64').toString('hex')).toBe(`000001${Buffer.from(TRANSFER_B64, 'base64').toString('hex')}`)

    const ok = json(soma(['keytool', 'decode-or-verify-tx', '--tx-bytes', TRANSFER_B64, '--sig', s.somaSignature, '--json'], env))
    expect(ok.result).toEqual({ Ok: null })
    expect(ok.tx.V1.kind.TransferCoin.amount).toBe(1_000_000_000)
    expect(ok.tx.V1.sender).toBe(FILM_ADDRESS)
    // Object refs as the reference's serde JSON: [id, version, Base58 digest of 22×32].
    expect(ok.tx.V1.gas_payment[0]).toEqual([`0x${'11'.repeat(32)}`, 7, '3JF3sEqM796hk5WFqA6EtmEwJQ9quALszsfJyvXNQKy3'])

    // A signature by another key fails verification but still decodes.
    const other = soma(['keytool', 'import', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', 'ed25519', '--alias', 'other'], env)
    expect(other.status).toBe(0)
    const bad = json(soma(['keytool', 'sign', '--address', 'other', '--data', TRANSFER_B64, '--json'], env))
    const res = json(soma(['keytool', 'decode-or-verify-tx', '--tx-bytes', TRANSFER_B64, '--sig', bad.somaSignature, '--json'], env))
    expect(res.result.Err).toMatch(/not from/)
  })

  it('computes the repo-pinned multisig address', () => {
    const pks = ['0d7dab358c8dadaa4efa0049a75b07436555b10a368219bb680f70571349d775', '1f2a7901a842e4d3623bc61ce1c1717d2e768e0fd72df8341af56615b916f038', '94e4a8493144e9e696208cbed00259e6ddb56f979b91c32967560985be61909b'].map(
      (h) => Buffer.concat([Buffer.of(0), Buffer.from(h, 'hex')]).toString('base64'),
    )
    const r = soma(['keytool', 'multi-sig-address', '--threshold', '2', '--pks', ...pks, '--weights', '1', '2', '3', '--json'])
    expect(r.status, r.stderr).toBe(0)
    const out = json(r)
    expect(out.multisigAddress).toBe('bb3b8bd537a7ea32a536ba54104eea68507755f833c2755c32c20c24b018aba3')
    expect(out.multisig.map((m: any) => m.weight)).toEqual([1, 2, 3])
    expect(out.multisig[0].address).toBe('0x73a6b3c33e2d63383de5c6786cbaca231ff789f4c853af6d54cb883d8780adc0')
    const bad = soma(['keytool', 'multi-sig-address', '--threshold', '9', '--pks', ...pks, '--weights', '1', '2', '3', '--json'])
    expect(bad.status).toBe(1)
    expect(JSON.parse(bad.stderr).error.message).toMatch(/below the threshold/)
  })

  it('generate writes <address>.key with the mnemonic in the output', () => {
    const cwd = freshDir()
    const r = spawnSync(process.execPath, [SOMA_BIN, 'keytool', 'generate', 'ed25519', "m/44'/784'/0'/0'/3'", 'word24', '--json'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, SOMA_CONFIG_DIR: cwd },
    })
    expect(r.status, r.stderr).toBe(0)
    const key = JSON.parse(r.stdout)
    expect(key.mnemonic.split(' ')).toHaveLength(24)
    const file = join(cwd, `${key.somaAddress.slice(2)}.key`)
    expect(existsSync(file)).toBe(true)
    const show = json(soma(['keytool', 'show', file, '--json']))
    expect(show.somaAddress).toBe(key.somaAddress)
    const imported = json(soma(['keytool', 'import', key.mnemonic, 'ed25519', "m/44'/784'/0'/0'/3'", '--json'], { SOMA_CONFIG_DIR: cwd }))
    expect(imported.somaAddress).toBe(key.somaAddress)
  })

  it('reports bad input as a short typed error, never a stack trace, and never echoes secrets', () => {
    const env = { SOMA_CONFIG_DIR: freshDir() }
    const secretish = FILM.replace('film', 'flim')
    const r = soma(['keytool', 'import', secretish, 'ed25519'], env)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^error: The recovery phrase is not a valid BIP-39 English mnemonic/)
    expect(r.stderr).not.toContain('crazy')
    expect(r.stderr).not.toMatch(/\n\s+at /)
    const e = soma(['keytool', 'export', '--key-identity', 'nobody', '--json'], env)
    expect(e.status).toBe(1)
    expect(JSON.parse(e.stderr).error.code).toBe('SOMA_KEY_NOT_FOUND')
    const d = soma(['keytool', 'decode-or-verify-tx', '--tx-bytes', 'AAAA', '--json'], env)
    expect(d.status).toBe(1)
    expect(JSON.parse(d.stderr).error.code).toBe('SOMA_BCS_DECODE')
    expect(soma(['keytool', 'import', FILM, 'secp256k1'], env).stderr).toMatch(/Unknown key scheme/)
  })
})

describe('usage errors with --json', () => {
  it('are one short JSON line on stderr with a non-zero exit, for keytool and wallet alike', () => {
    const env = { SOMA_CONFIG_DIR: freshDir() }
    for (const args of [
      ['keytool', 'import', '--json'],
      ['keytool', 'export', '--json'],
      ['keytool', 'nosuch', '--json'],
      ['keytool', 'list', '--bogus', '--json'],
      ['wallet', 'switch', '--json'],
      ['wallet', 'new', '--alias', '--json'],
    ]) {
      const r = soma(args, env)
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stdout, args.join(' ')).toBe('')
      const lines = r.stderr.trim().split('\n')
      expect(lines, args.join(' ')).toHaveLength(1)
      const err = JSON.parse(lines[0]!).error
      expect(err.code, args.join(' ')).toBe('SOMA_USAGE')
      expect(err.message.length, args.join(' ')).toBeLessThan(200)
      expect(err.message, args.join(' ')).not.toMatch(/^error:/)
    }
    // Nothing was created by the failed wallet commands.
    expect(existsSync(join(env.SOMA_CONFIG_DIR, 'client.yaml'))).toBe(false)
    // Text mode keeps commander's message and help.
    const text = soma(['keytool', 'import'], env)
    expect(text.status).toBe(1)
    expect(text.stderr).toMatch(/^error: missing required argument 'input-string'/)
    // Help asked for is not an error.
    const help = soma(['keytool', 'import', '--help', '--json'], env)
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/Usage: soma keytool import/)
  })
})

describe('soma wallet (process)', () => {
  it('creates a config on first use, then new / list / switch / active / export', () => {
    const dir = freshDir()
    const env = { SOMA_CONFIG_DIR: dir }
    const first = soma(['wallet', 'active', '--json'], env)
    expect(first.status, first.stderr).toBe(0)
    const firstAddress = JSON.parse(first.stdout) as string
    expect(firstAddress).toMatch(/^0x[0-9a-f]{64}$/)
    expect(first.stderr).toMatch(/Generated new keypair and alias for address with scheme "ed25519"/)
    const yaml = readFileSync(join(dir, 'client.yaml'), 'utf8')
    expect(yaml).toContain(`File: ${join(dir, 'soma.keystore')}`)
    expect(yaml).toContain('active_env: testnet')
    expect(yaml).toContain(`active_address: "${firstAddress}"`)

    const created = json(soma(['wallet', 'new', '--alias', 'alice', '--word-length', 'word15', '--json'], env))
    expect(created.alias).toBe('alice')
    expect(created.key_scheme).toBe('ED25519')
    expect(created.recovery_phrase.split(' ')).toHaveLength(15)
    // Not made active.
    expect(JSON.parse(soma(['wallet', 'active', '--json'], env).stdout)).toBe(firstAddress)

    const list = json(soma(['wallet', 'list', '--json'], env))
    expect(list.active_address).toBe(firstAddress)
    expect(list.addresses).toHaveLength(2)
    expect(list.addresses.map((a: string[]) => a[1])).toContain(created.address)

    expect(json(soma(['wallet', 'switch', 'alice', '--json'], env))).toEqual({ address: created.address, env: null })
    expect(JSON.parse(soma(['wallet', 'active', '--json'], env).stdout)).toBe(created.address)
    expect(soma(['wallet', 'active'], env).stdout.trim()).toBe(`alice (${created.address})`)

    const exp = json(soma(['wallet', 'export', '--json'], env))
    expect(exp).toMatchObject({ alias: 'alice', address: created.address, key_scheme: 'ed25519' })
    expect(exp.privateKey).toMatch(/^somaprivkey1/)
    // The exported key imports back to the same address, and the phrase derives it too.
    const other = { SOMA_CONFIG_DIR: freshDir() }
    expect(json(soma(['keytool', 'import', exp.privateKey, 'ed25519', '--json'], other)).somaAddress).toBe(created.address)
    expect(json(soma(['keytool', 'import', created.recovery_phrase, 'ed25519', '--json'], other)).somaAddress).toBe(created.address)

    const removed = json(soma(['wallet', 'remove', firstAddress, '--json'], env))
    expect(removed).toEqual({ alias_or_address: firstAddress, address: firstAddress })
    expect(json(soma(['wallet', 'list', '--json'], env)).addresses).toEqual([['alice', created.address]])

    const bad = soma(['wallet', 'switch', `0x${'12'.repeat(32)}`, '--json'], env)
    expect(bad.status).toBe(1)
    expect(JSON.parse(bad.stderr).error.message).toMatch(/not managed by the wallet/)
  })

  it('reads a config directory in the reference CLI layout', () => {
    const dir = freshDir()
    // Exactly what the reference writes: serde_yaml client.yaml, serde_json pretty keystore/aliases.
    writeFileSync(
      join(dir, 'client.yaml'),
      `---\nkeystore:\n  File: ${join(dir, 'soma.keystore')}\nexternal_keys: ~\nenvs:\n  - alias: testnet\n    rpc: "https://fullnode.testnet.soma.org:443"\n    basic_auth: ~\n  - alias: localnet\n    rpc: "http://127.0.0.1:9000"\n    basic_auth: ~\n    chain_id: 964EDrEzfvQT7HjVsjfXYcM1ubi3qhqB41zV7LLbCxxd\nactive_env: testnet\nactive_address: "${FILM_ADDRESS}"\n`,
    )
    writeFileSync(join(dir, 'soma.keystore'), '[\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"\n]')
    writeFileSync(join(dir, 'soma.aliases'), `[\n  {\n    "alias": "film",\n    "public_key_base64": "${FILM_PK}"\n  }\n]`)
    const env = { SOMA_CONFIG_DIR: dir }
    expect(soma(['wallet', 'active'], env).stdout.trim()).toBe(`film (${FILM_ADDRESS})`)
    expect(json(soma(['wallet', 'export', '--json'], env)).privateKey).toBe(FILM_BECH32)
    // Our write keeps the reference's fields (chain_id included) readable.
    soma(['wallet', 'new', '--alias', 'second'], env)
    soma(['wallet', 'switch', 'second'], env)
    const yaml = readFileSync(join(dir, 'client.yaml'), 'utf8')
    expect(yaml).toContain('chain_id: 964EDrEzfvQT7HjVsjfXYcM1ubi3qhqB41zV7LLbCxxd')
    expect(yaml).toContain('alias: localnet')
  })

  it('a keystore without an aliases file gets random adjective-stone aliases, as in the reference', () => {
    const dir = freshDir()
    writeFileSync(join(dir, 'soma.keystore'), '[\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"\n]')
    const list = json(soma(['keytool', 'list', '--json'], { SOMA_CONFIG_DIR: dir }))
    expect(list[0].alias).toMatch(/^[a-z]+-[a-z]+$/)
    expect(JSON.parse(readFileSync(join(dir, 'soma.aliases'), 'utf8'))).toEqual([{ alias: list[0].alias, public_key_base64: FILM_PK }])
  })
})
