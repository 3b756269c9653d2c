/**
 * The reference CLI's config directory (`$SOMA_CONFIG_DIR` or `~/.soma/soma_config`) and its
 * `client.yaml` (`SomaClientConfig`, serde_yaml): `keystore: {File: path}`, `external_keys`,
 * `envs: [{alias, rpc, basic_auth, chain_id?}]`, `active_env`, `active_address`.
 */
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'

import { LineCounter, isMap, isScalar, isSeq, parseDocument, stringify, visit, type Document } from 'yaml'

import { ConfigError, InvalidArgumentError } from '../errors/index.js'
import { Ed25519Keypair } from '../keys/keypair.js'
import { normalizeAddress } from '../utils/encoding.js'
import { ensurePrivateDir, readConfigFile, regularFileExists, writeFileAtomic } from './files.js'
import { FileKeystore, KEYSTORE_FILENAME } from './keystore.js'

export const CLIENT_CONFIG_FILENAME = 'client.yaml'
export const TESTNET_RPC_URL = 'https://fullnode.testnet.soma.org:443'
export const LOCAL_RPC_URL = 'http://127.0.0.1:9000'

export interface SomaEnv {
  alias: string
  rpc: string
  basic_auth: string | null
  chain_id?: string
}

export interface ClientConfig {
  /** Absolute path of the keystore file. */
  keystorePath: string
  /** Kept verbatim (we do not use external keys). */
  externalKeys: unknown
  envs: SomaEnv[]
  activeEnv: string | null
  /** `0x` + 64 hex, or null. */
  activeAddress: string | null
}

/** `$SOMA_CONFIG_DIR`, else `~/.soma/soma_config`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SOMA_CONFIG_DIR
  if (fromEnv && fromEnv.length > 0) return resolve(fromEnv)
  return join(homedir(), '.soma', 'soma_config')
}

export function clientConfigPath(dir: string = configDir()): string {
  return join(dir, CLIENT_CONFIG_FILENAME)
}

export function defaultKeystorePath(dir: string = configDir()): string {
  return join(dir, KEYSTORE_FILENAME)
}

/**
 * A YAML scalar's text as written, or null for `~`/`null`; undefined for a missing key or a
 * non-scalar. serde_yaml reads string fields from plain scalars verbatim, so an unquoted
 * `active_address: 0x…` is an address there; the YAML core schema would make it a (lossy) number.
 */
function scalarText(node: unknown): string | null | undefined {
  if (!isScalar(node)) return undefined
  if (node.value === null) return null
  return typeof node.source === 'string' ? node.source : String(node.value)
}

/** Aliases expanded when the config is read: far more than a real config has, far below a bomb's. */
const MAX_YAML_ALIASES = 100
/**
 * The largest client.yaml read. A config with fifty environments is about 5 KB; the YAML parser
 * spends up to ~8 ms per KB on hostile text (errors it must report), so this keeps a hostile file
 * near the 50 ms decode target.
 */
export const MAX_CLIENT_YAML_BYTES = 8 << 10
/** Flow (`[`/`{`) and block (`- - -`) nesting allowed: the parser slows sharply on deep nesting. */
const MAX_YAML_NESTING = 32
/**
 * Lines allowed: the parser spends tens of microseconds on each line it cannot use (888 lines of
 * `ile: x` cost 35-65 ms of CPU). A config with fifty environments has about 260 lines.
 */
export const MAX_CLIENT_YAML_LINES = 500

/**
 * A cheap scan for shapes the parser handles badly (a thousand `{` take it tens of seconds; each
 * alias it cannot resolve costs it an error): bracket depth outside quotes and comments, `- ` runs
 * at the start of a line, and the number of alias references (`*name`). It may overcount in odd
 * cases, which only refuses files no real config resembles.
 */
function yamlShape(text: string): { depth: number; aliases: number } {
  let depth = 0
  let aliases = 0
  let flow = 0
  let quote: string | null = null
  let lineStart = true
  let blockRun = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\n') {
      lineStart = true
      blockRun = 0
      if (quote === "'") quote = null
      continue
    }
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = null
      continue
    }
    if (lineStart && (c === ' ' || c === '-')) {
      if (c === '-' && (text[i + 1] === ' ' || text[i + 1] === '\n')) depth = Math.max(depth, ++blockRun)
      continue
    }
    const tokenStart = lineStart || /[\s[{,:]/.test(text[i - 1] ?? ' ')
    lineStart = false
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
    } else if (c === '"' || c === "'") quote = c
    else if (c === '*' && tokenStart) aliases++
    else if (c === '[' || c === '{') depth = Math.max(depth, ++flow + blockRun)
    else if ((c === ']' || c === '}') && flow > 0) flow--
  }
  return { depth, aliases }
}

/**
 * Parses `client.yaml`. Errors name the line and column and the kind of problem, never the text
 * there: the line could hold a `basic_auth` password.
 */
function parseConfigYaml(text: string, path: string): { doc: Document.Parsed; raw: Record<string, unknown> } {
  let lines = 1
  for (let i = text.indexOf('\n'); i !== -1 && lines <= MAX_CLIENT_YAML_LINES; i = text.indexOf('\n', i + 1)) lines++
  if (lines > MAX_CLIENT_YAML_LINES) {
    throw new ConfigError(`Cannot parse ${path}.`, { details: `more than ${MAX_CLIENT_YAML_LINES} lines` })
  }
  const shape = yamlShape(text)
  if (shape.depth > MAX_YAML_NESTING) {
    throw new ConfigError(`Cannot parse ${path}.`, { details: `YAML nested more than ${MAX_YAML_NESTING} levels deep` })
  }
  if (shape.aliases > MAX_YAML_ALIASES) {
    throw new ConfigError(`Cannot parse ${path}.`, { details: `YAML has more than ${MAX_YAML_ALIASES} alias references` })
  }
  const lineCounter = new LineCounter()
  let doc: Document.Parsed
  // The parser builds an Error for every problem it meets (thousands in hostile text, most of its
  // time going to stack traces); only the first one's position is reported, never a stack.
  const stackTraceLimit = Error.stackTraceLimit
  try {
    Error.stackTraceLimit = 0
    // The parser's own duplicate-key check is quadratic in a map's size; duplicateKey() below is not.
    doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: false })
  } catch (err) {
    throw new ConfigError(`Cannot parse ${path}.`, { details: `YAML parser failure (${(err as Error).name})` })
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
  const first = doc.errors[0]
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0])
    const kind = first.code.toLowerCase().replace(/_/g, ' ')
    throw new ConfigError(`Cannot parse ${path}.`, { details: `YAML error at line ${line}, column ${col}: ${kind}` })
  }
  const duplicate = duplicateKey(doc)
  if (duplicate !== undefined) {
    const { line, col } = lineCounter.linePos(duplicate)
    throw new ConfigError(`Cannot parse ${path}.`, { details: `YAML error at line ${line}, column ${col}: duplicate key` })
  }
  let raw: Record<string, unknown>
  try {
    raw = (doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {}) as Record<string, unknown>
  } catch {
    throw new ConfigError(`Cannot parse ${path}.`, { details: `YAML aliases expand beyond ${MAX_YAML_ALIASES} nodes (or are circular)` })
  }
  return { doc, raw }
}

/** The offset of the first key that repeats one before it in the same map (serde_yaml refuses those). */
function duplicateKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>()
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? `s:${String(pair.key.value)}` : `n:${String(pair.key)}`
        if (seen.has(key)) {
          found = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0
          return visit.BREAK
        }
        seen.add(key)
      }
      return undefined
    },
  })
  return found
}

/** Reads `client.yaml`; a missing file, bad YAML or a missing keystore entry is a `ConfigError`. */
export function readClientConfig(path: string = clientConfigPath()): ClientConfig {
  if (!regularFileExists(path, 'client.yaml')) {
    throw new ConfigError(`No soma config found in \`${path}\`.`, {
      hint: 'Create one with `soma wallet new` (or `soma start localnet`), or set SOMA_CONFIG_DIR.',
    })
  }
  const { doc, raw } = parseConfigYaml(readConfigFile(path, 'client.yaml', MAX_CLIENT_YAML_BYTES), path)
  const file = scalarText(doc.getIn(['keystore', 'File'], true))
  if (typeof file !== 'string') {
    throw new ConfigError(`${path} has no file keystore.`, { details: 'expected `keystore: {File: <path>}`' })
  }
  const envs: SomaEnv[] = []
  const envList = doc.get('envs', true)
  if (isSeq(envList)) {
    for (const e of envList.items) {
      const field = (key: string) => (isMap(e) ? scalarText(e.get(key, true)) : undefined)
      const alias = field('alias')
      const rpc = field('rpc')
      if (typeof alias !== 'string' || typeof rpc !== 'string') {
        throw new ConfigError(`${path} has an environment without alias or rpc.`)
      }
      const basicAuth = field('basic_auth')
      const env: SomaEnv = { alias, rpc, basic_auth: typeof basicAuth === 'string' ? basicAuth : null }
      const chainId = field('chain_id')
      if (typeof chainId === 'string') env.chain_id = chainId
      envs.push(env)
    }
  }
  let activeAddress: string | null = null
  const addressText = scalarText(doc.get('active_address', true))
  if (addressText != null) {
    try {
      activeAddress = normalizeAddress(addressText)
    } catch (err) {
      throw new ConfigError(`${path} has an invalid active_address.`, { cause: err })
    }
  } else if (raw.active_address != null) {
    throw new ConfigError(`${path} has an invalid active_address.`, { details: 'expected 0x followed by 64 hex digits' })
  }
  const activeEnvText = scalarText(doc.get('active_env', true))
  return {
    keystorePath: isAbsolute(file) ? file : resolve(dirname(path), file),
    externalKeys: raw.external_keys ?? null,
    envs,
    activeEnv: typeof activeEnvText === 'string' ? activeEnvText : null,
    activeAddress,
  }
}

/** Writes `client.yaml` in serde_yaml's layout (null as `~`, `chain_id` only when known). */
export function writeClientConfig(config: ClientConfig, path: string = clientConfigPath()): void {
  const doc = {
    keystore: { File: config.keystorePath },
    external_keys: config.externalKeys ?? null,
    envs: config.envs.map((e) => ({
      alias: e.alias,
      rpc: e.rpc,
      basic_auth: e.basic_auth ?? null,
      ...(e.chain_id === undefined ? {} : { chain_id: e.chain_id }),
    })),
    active_env: config.activeEnv,
    active_address: config.activeAddress,
  }
  writeFileAtomic(path, stringify(doc, { nullStr: '~', lineWidth: 0 }), 0o600, 'client.yaml')
}

/** The environment named `activeEnv`, or the first one when none is set (as the reference). */
export function activeEnv(config: ClientConfig): SomaEnv | undefined {
  if (config.activeEnv === null) return config.envs[0]
  return config.envs.find((e) => e.alias === config.activeEnv)
}

export interface CreatedConfig {
  config: ClientConfig
  keystore: FileKeystore
  address: string
  alias: string
  mnemonic: string
}

/**
 * Creates a fresh config the way the reference CLI's first run does: a new 12-word Ed25519 key
 * in the keystore, envs `testnet` and `local`, active env `testnet`, the new key active.
 */
export function createClientConfig(dir: string = configDir()): CreatedConfig {
  const path = clientConfigPath(dir)
  if (regularFileExists(path, 'client.yaml')) throw new ConfigError(`${path} already exists.`)
  ensurePrivateDir(dir)
  const keystore = FileKeystore.load(defaultKeystorePath(dir))
  const { keypair, mnemonic } = Ed25519Keypair.generateWithMnemonic()
  const alias = keystore.import(keypair)
  const address = keypair.toSomaAddress()
  const config: ClientConfig = {
    keystorePath: keystore.path,
    externalKeys: null,
    envs: [
      { alias: 'testnet', rpc: TESTNET_RPC_URL, basic_auth: null },
      { alias: 'local', rpc: LOCAL_RPC_URL, basic_auth: null },
    ],
    activeEnv: 'testnet',
    activeAddress: address,
  }
  writeClientConfig(config, path)
  return { config, keystore, address, alias, mnemonic }
}

/** Loads `client.yaml` and its keystore. */
export function loadWallet(dir: string = configDir()): { config: ClientConfig; keystore: FileKeystore; path: string } {
  const path = clientConfigPath(dir)
  const config = readClientConfig(path)
  return { config, keystore: FileKeystore.load(config.keystorePath), path }
}

/** Sets the active address (it must be in the keystore) and saves `client.yaml`. */
export function switchActiveAddress(dir: string, identity: string): string {
  const { config, keystore, path } = loadWallet(dir)
  const address = keystore.resolve(identity)
  if (!keystore.has(address)) {
    throw new InvalidArgumentError(`Address ${address} is not managed by the wallet.`, {
      hint: 'List the addresses with `soma wallet list`.',
    })
  }
  config.activeAddress = address
  writeClientConfig(config, path)
  return address
}
