/**
 * The protocol's key and commitment helpers that need no native code (`encrypt_weights` and the
 * file forms live in `@soma-ts/sdk/native`): Base58 AES-256 keys and Blake2b-256 commitments in
 * Base58 (never hex).
 */
import { bytes32FromBase58 } from '@soma-ts/core/bytes'

import { InvalidKeyError } from './errors/index.js'
import { blake2b256 } from './hash/blake2b.js'
import { toBase58 } from './utils/encoding.js'

/** A key as raw 32 bytes or as its Base58 text. */
export type KeyInput = Uint8Array | string

/** Parses a decryption key given as 32 raw bytes or Base58 text. The error never shows the key. */
export function parseKey(key: KeyInput): Uint8Array {
  return bytes32FromBase58(
    key,
    (reason) =>
      new InvalidKeyError('The decryption key must be 32 bytes or their Base58 text.', {
        details: reason,
        hint: 'An AES-256 key is 32 bytes: about 44 Base58 characters, as `soma weights encrypt` prints it.',
      }),
  )
}

/** Blake2b-256 of `data`, as Base58: checksums and every commitment. */
export function commitment(data: Uint8Array): string {
  return toBase58(blake2b256(data))
}
