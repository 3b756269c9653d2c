/**
 * Signers for automation (Node only): from `SOMA_SECRET_KEY` (a `somaprivkey1…` key, 64 hex digits
 * or a BIP-39 mnemonic), read from the environment or else from a `.env` file in the working
 * directory (which never overrides the environment), or from the keystore by address or alias.
 * No error or output ever carries the secret.
 */
import { join } from 'node:path'

import { InvalidKeyError } from '../errors/index.js'
import { readDotEnv } from '../storage/dotenv.js'
import { Ed25519Keypair } from './keypair.js'
import { KeystoreSigner } from './keystore-signer.js'
import type { Signer } from './signer.js'

/** The environment variable a secret key is read from. */
export const SECRET_KEY_VARIABLE = 'SOMA_SECRET_KEY'

export interface SignerFromEnvOptions {
  /** Default `process.env`. */
  env?: Record<string, string | undefined>
  /** Where `.env` is looked for (default the working directory); `false` skips it. */
  dotEnvDir?: string | false
}

/** Where a signer came from (for a one-line notice such as the CLI's). */
export interface EnvSigner {
  signer: Ed25519Keypair
  /** `environment` or the path of the `.env` file. */
  source: string
}

/**
 * The signer `SOMA_SECRET_KEY` names, or undefined when it is not set (in the environment or the
 * `.env` file). Accepts `somaprivkey1…`, 64 hex digits, or a 12–24 word mnemonic (path
 * `m/44'/784'/0'/0'/0'`).
 *
 * @param options - the environment and where to look for `.env`
 * @returns the signer and its source, or undefined
 * @throws {InvalidKeyError} when the value is set but is not a key or mnemonic (the value is never shown)
 * @example
 * const found = signerFromEnv()
 * if (found) console.error(`Using the key from ${found.source}`)
 */
export function signerFromEnv(options: SignerFromEnvOptions = {}): EnvSigner | undefined {
  const env = options.env ?? process.env
  let value = env[SECRET_KEY_VARIABLE]
  let source = 'environment'
  if (value === undefined || value.trim() === '') {
    if (options.dotEnvDir === false) return undefined
    const path = join(options.dotEnvDir ?? process.cwd(), '.env')
    value = readDotEnv(path)[SECRET_KEY_VARIABLE]
    source = path
    if (value === undefined || value.trim() === '') return undefined
  }
  const text = value.trim()
  try {
    if (/\s/.test(text)) return { signer: Ed25519Keypair.fromMnemonic(text), source }
    return { signer: Ed25519Keypair.fromSecretKey(text), source }
  } catch (cause) {
    // The cause may quote part of the value: keep only its class name.
    throw new InvalidKeyError(`${SECRET_KEY_VARIABLE} (from ${source}) is not a usable key.`, {
      details: `${cause instanceof Error ? cause.name : 'error'}: expected somaprivkey1…, 64 hex digits or a BIP-39 mnemonic`,
    })
  }
}

export interface ResolveSignerOptions extends SignerFromEnvOptions {
  /** An address or alias in the keystore, used when `SOMA_SECRET_KEY` is not set. */
  identity?: string
  /** Default: the config directory's `soma.keystore`. */
  keystorePath?: string
}

/**
 * The signer for automation: `SOMA_SECRET_KEY` (environment, then `.env`) when set, else the
 * keystore entry for `identity`.
 *
 * @param options - the environment, `.env` directory, keystore identity and path
 * @returns the signer
 * @throws {InvalidKeyError} when `SOMA_SECRET_KEY` is malformed
 * @throws {KeyNotFoundError} when the keystore has no such identity
 * @throws {InvalidArgumentError} when neither is available
 * @example
 * const signer = resolveSigner({ identity: 'my-alias' })
 */
export function resolveSigner(options: ResolveSignerOptions = {}): Signer {
  const found = signerFromEnv(options)
  if (found) return found.signer
  if (options.identity === undefined) {
    throw new InvalidKeyError(`No signer: ${SECRET_KEY_VARIABLE} is not set and no keystore identity was given.`, {
      hint: `Set ${SECRET_KEY_VARIABLE} (or put it in .env), or pass an address or alias from the keystore.`,
    })
  }
  return KeystoreSigner.load(options.identity, options.keystorePath)
}
