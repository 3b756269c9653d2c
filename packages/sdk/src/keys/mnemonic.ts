/**
 * BIP-39 recovery phrases (English, empty passphrase) and SLIP-0010 Ed25519 derivation on
 * `m/44'/784'/{account}'/{change}'/{index}'`, as `soma-keys/src/key_derive.rs` does.
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { generateMnemonic as bip39Generate, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'

import { InvalidDerivationPathError, InvalidMnemonicError } from '../errors/index.js'

export const DEFAULT_DERIVATION_PATH = "m/44'/784'/0'/0'/0'"
export const MNEMONIC_WORD_COUNTS = [12, 15, 18, 21, 24] as const
export type MnemonicWordCount = (typeof MNEMONIC_WORD_COUNTS)[number]

/** The derivation path for account index `index` (`m/44'/784'/0'/0'/index'`). */
export function derivationPath(index = 0): string {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 31) {
    throw new InvalidDerivationPathError({ path: String(index), details: 'the index must be an integer in [0, 2^31)' })
  }
  return `m/44'/784'/0'/0'/${index}'`
}

/** A fresh English mnemonic of `words` words (12 by default). */
export function generateMnemonic(words: MnemonicWordCount = 12): string {
  if (!MNEMONIC_WORD_COUNTS.includes(words)) {
    throw new InvalidMnemonicError({ details: `cannot generate ${words} words`, hint: 'Use 12, 15, 18, 21 or 24 words.' })
  }
  return bip39Generate(wordlist, (words / 3) * 32)
}

/** Trims and collapses whitespace; checks the word count, the words and the checksum. */
export function normalizeMnemonic(mnemonic: string): string {
  if (typeof mnemonic !== 'string') throw new InvalidMnemonicError({ details: 'not a string' })
  const words = mnemonic.trim().split(/\s+/)
  if (!(MNEMONIC_WORD_COUNTS as readonly number[]).includes(words.length)) {
    throw new InvalidMnemonicError({ details: `${words.length} words` })
  }
  const phrase = words.join(' ')
  if (!validateMnemonic(phrase, wordlist)) {
    // Never echo the phrase: it is a secret.
    throw new InvalidMnemonicError({ details: 'unknown word or bad checksum' })
  }
  return phrase
}

export function isValidMnemonic(mnemonic: string): boolean {
  try {
    normalizeMnemonic(mnemonic)
    return true
  } catch {
    return false
  }
}

const HARDENED = 0x8000_0000

/** Parses and checks an Ed25519 path: 5 hardened levels, purpose 44', coin type 784'. */
export function parseDerivationPath(path: string): number[] {
  const parts = typeof path === 'string' ? path.split('/') : []
  const fail = (details: string) => new InvalidDerivationPathError({ path: String(path), details })
  if (parts[0] !== 'm' || parts.length !== 6) throw fail('expected m/ followed by 5 levels')
  const levels = parts.slice(1).map((p) => {
    if (!/^\d+'$/.test(p)) throw fail('every level must be hardened (end with \')')
    const n = Number(p.slice(0, -1))
    if (n >= HARDENED) throw fail('a level index must be below 2^31')
    return n
  })
  if (levels[0] !== 44 || levels[1] !== 784) throw fail("purpose must be 44' and coin type 784'")
  return levels.map((n) => n + HARDENED)
}

const utf8 = new TextEncoder()

/** SLIP-0010 Ed25519 private key for `seed` along hardened `indexes`. */
export function slip10DeriveEd25519(seed: Uint8Array, indexes: number[]): Uint8Array {
  let I = hmac(sha512, utf8.encode('ed25519 seed'), seed)
  let key = I.slice(0, 32)
  let chainCode = I.slice(32)
  for (const index of indexes) {
    const data = new Uint8Array(37)
    data.set(key, 1)
    new DataView(data.buffer).setUint32(33, index >>> 0, false)
    I = hmac(sha512, chainCode, data)
    key = I.slice(0, 32)
    chainCode = I.slice(32)
  }
  return key
}

/** The 32-byte Ed25519 secret for `mnemonic` on `path` (default `m/44'/784'/0'/0'/0'`). */
export function mnemonicToSecretKey(mnemonic: string, path: string = DEFAULT_DERIVATION_PATH): Uint8Array {
  const indexes = parseDerivationPath(path)
  const seed = mnemonicToSeedSync(normalizeMnemonic(mnemonic), '')
  return slip10DeriveEd25519(seed, indexes)
}
