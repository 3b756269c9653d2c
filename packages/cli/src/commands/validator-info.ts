/**
 * Validator key files and `validator.info` as the reference CLI writes them
 * (`cli/src/commands/validator.rs`, `soma-keys/src/keypair_file.rs`, `types/src/validator_info.rs`):
 * `protocol.key` is Base64 of the 32-byte BLS12-381 private key (no flag); `account.key`,
 * `network.key` and `worker.key` are Base64 of `flag ‖ Ed25519 seed` (a `somaprivkey1…` is read
 * too); `validator.info` is the YAML of `GenesisValidatorInfo` (kebab-case fields, keys in Base64,
 * the proof of possession as a byte sequence, multiaddrs as text).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import {
  BLS_PUBLIC_KEY_LENGTH,
  BLS_SIGNATURE_LENGTH,
  BlsKeypair,
  Ed25519Keypair,
  FileError,
  fromBase64,
  InvalidArgumentError,
  InvalidKeyError,
  isValidMultiaddr,
  normalizeAddress,
  toBase64,
} from '@soma-ts/sdk'
import { parse, stringify } from 'yaml'

export const VALIDATOR_KEY_FILES = ['protocol.key', 'account.key', 'network.key', 'worker.key'] as const
export const VALIDATOR_INFO_FILE = 'validator.info'

/** The fields of `ValidatorInfo`, decoded. */
export interface ValidatorInfo {
  accountAddress: string
  protocolKey: Uint8Array
  workerKey: Uint8Array
  networkKey: Uint8Array
  proofOfPossession: Uint8Array
  commissionRate: bigint
  networkAddress: string
  p2pAddress: string
  primaryAddress: string
  proxyAddress: string
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new FileError(`Cannot read the ${what} ${path}${code ? ` (${code})` : ''}.`)
  }
}

/** A protocol key file (`protocol.key`). */
export function readProtocolKeyFile(path: string): BlsKeypair {
  try {
    return BlsKeypair.fromBase64(readText(path, 'protocol key file'))
  } catch (err) {
    if (err instanceof InvalidKeyError) throw new InvalidKeyError(`${path} is not a protocol key file: ${err.shortMessage}`)
    throw err
  }
}

/** An Ed25519 key file (`account.key`, `network.key`, `worker.key`): Base64 `flag ‖ seed`, or `somaprivkey1…`. */
export function readEd25519KeyFile(path: string): Ed25519Keypair {
  const text = readText(path, 'key file').trim()
  try {
    return text.toLowerCase().startsWith('somaprivkey') ? Ed25519Keypair.fromBech32(text) : Ed25519Keypair.fromKeystoreString(text)
  } catch (err) {
    if (err instanceof InvalidKeyError) throw new InvalidKeyError(`${path} is not an Ed25519 key file: ${err.shortMessage}`)
    throw err
  }
}

/** Writes a new secret file, readable by its owner only; never replaces one. */
function writeSecretFile(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new FileError(`Cannot write ${path}${code ? ` (${code})` : ''}.`)
  }
}

export interface MakeValidatorInfoResult {
  output_dir: string
  validator_info_file: string
  files: string[]
  /** Key files that existed and were used as they are (text output only). */
  reused: string[]
}

/**
 * `make-validator-info`: the four key files (an existing one is used as it is, as the reference
 * does) and `validator.info`, which is never replaced. The account key is the active one.
 */
export function makeValidatorInfo(dir: string, account: Ed25519Keypair, hostName: string, commissionRate: bigint): MakeValidatorInfoResult {
  const infoPath = join(dir, VALIDATOR_INFO_FILE)
  if (existsSync(infoPath)) {
    throw new FileError(`${infoPath} already exists; it is not overwritten.`, {
      hint: 'Run in another directory, or remove validator.info to write a new one from the same keys.',
    })
  }
  const address = account.toSomaAddress()
  const reused: string[] = []
  const make = (name: string, text: () => string) => {
    const path = join(dir, name)
    if (existsSync(path)) reused.push(name)
    else writeSecretFile(path, text())
    return path
  }
  const protocol = readProtocolKeyFile(make('protocol.key', () => BlsKeypair.generate().toBase64()))
  const accountKey = readEd25519KeyFile(make('account.key', () => account.toKeystoreString()))
  if (accountKey.toSomaAddress() !== address) {
    throw new InvalidArgumentError(`${join(dir, 'account.key')} holds the key of ${accountKey.toSomaAddress()}, not of the active address ${address}.`, {
      hint: 'Switch to that address (`soma wallet switch`), or run in another directory.',
    })
  }
  const network = readEd25519KeyFile(make('network.key', () => Ed25519Keypair.generate().toKeystoreString()))
  const worker = readEd25519KeyFile(make('worker.key', () => Ed25519Keypair.generate().toKeystoreString()))
  const info: ValidatorInfo = {
    accountAddress: address,
    protocolKey: protocol.publicKeyBytes(),
    workerKey: worker.getPublicKey().toRawBytes(),
    networkKey: network.getPublicKey().toRawBytes(),
    proofOfPossession: protocol.proofOfPossession(address),
    commissionRate,
    networkAddress: `/dns/${hostName}/tcp/8080/http`,
    p2pAddress: `/dns/${hostName}/tcp/8084/http`,
    primaryAddress: `/dns/${hostName}/tcp/8081/http`,
    proxyAddress: `/dns/${hostName}/tcp/8090/http`,
  }
  for (const a of [info.networkAddress, info.p2pAddress, info.primaryAddress, info.proxyAddress]) {
    if (!isValidMultiaddr(a)) throw new InvalidArgumentError(`${JSON.stringify(hostName.slice(0, 80))} does not make a valid multiaddr (${a.slice(0, 120)}).`, { hint: 'Give a DNS name, e.g. validator.example.com.' })
  }
  writeSecretFile(infoPath, validatorInfoYaml(info))
  return { output_dir: resolve(dir), validator_info_file: resolve(infoPath), files: [...VALIDATOR_KEY_FILES, VALIDATOR_INFO_FILE], reused }
}

/** The YAML of `GenesisValidatorInfo`, in serde_yaml's layout (sequences not indented under their key). */
export function validatorInfoYaml(info: ValidatorInfo): string {
  return stringify(
    {
      info: {
        'account-address': info.accountAddress,
        'protocol-key': toBase64(info.protocolKey),
        'worker-key': toBase64(info.workerKey),
        'network-key': toBase64(info.networkKey),
        'proof-of-possession': Array.from(info.proofOfPossession),
        'commission-rate': Number(info.commissionRate),
        'network-address': info.networkAddress,
        'p2p-address': info.p2pAddress,
        'primary-address': info.primaryAddress,
        'proxy-address': info.proxyAddress,
      },
    },
    { indentSeq: false },
  )
}

/** Reads a `validator.info` file; every field is checked, and a bad one is named. */
export function readValidatorInfo(path: string): ValidatorInfo {
  let doc: unknown
  try {
    doc = parse(readText(path, 'validator info file'))
  } catch (err) {
    if (err instanceof FileError) throw err
    throw new InvalidArgumentError(`${path} is not YAML.`, { details: err instanceof Error ? err.message.split('\n')[0] : undefined })
  }
  const info = (doc as { info?: unknown } | null)?.info
  if (info === null || typeof info !== 'object') throw new InvalidArgumentError(`${path} has no \`info\` mapping (a GenesisValidatorInfo).`, { hint: 'Write one with `soma validator make-validator-info <HOST_NAME>`.' })
  const o = info as Record<string, unknown>
  const bad = (field: string, what: string) => new InvalidArgumentError(`${path}: \`${field}\` must be ${what}.`)
  const text = (field: string): string => {
    const v = o[field]
    if (typeof v !== 'string' || v.length === 0) throw bad(field, 'a string')
    return v
  }
  const key = (field: string, length: number): Uint8Array => {
    let bytes: Uint8Array
    try {
      bytes = fromBase64(text(field))
    } catch {
      throw bad(field, `Base64 of ${length} bytes`)
    }
    if (bytes.length !== length) throw bad(field, `Base64 of ${length} bytes`)
    return bytes
  }
  const address = (field: string): string => {
    try {
      return normalizeAddress(text(field))
    } catch {
      throw bad(field, 'a SOMA address')
    }
  }
  const multiaddr = (field: string): string => {
    const v = text(field)
    if (!isValidMultiaddr(v)) throw bad(field, 'a multiaddr such as /dns/validator.example.com/tcp/8080/http')
    return v
  }
  const pop = o['proof-of-possession']
  if (!Array.isArray(pop) || pop.length !== BLS_SIGNATURE_LENGTH || !pop.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw bad('proof-of-possession', `a sequence of ${BLS_SIGNATURE_LENGTH} bytes`)
  }
  const rate = o['commission-rate']
  if (!Number.isSafeInteger(rate) || (rate as number) < 0 || (rate as number) > 10_000) throw bad('commission-rate', 'basis points from 0 to 10000')
  return {
    accountAddress: address('account-address'),
    protocolKey: key('protocol-key', BLS_PUBLIC_KEY_LENGTH),
    workerKey: key('worker-key', 32),
    networkKey: key('network-key', 32),
    proofOfPossession: Uint8Array.from(pop as number[]),
    commissionRate: BigInt(rate as number),
    networkAddress: multiaddr('network-address'),
    p2pAddress: multiaddr('p2p-address'),
    primaryAddress: multiaddr('primary-address'),
    proxyAddress: multiaddr('proxy-address'),
  }
}
