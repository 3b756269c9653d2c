/**
 * A `Signer` for one entry of the reference CLI's file keystore (`soma.keystore`). Node-only (it
 * reads the file), so it is exported from `@soma-ts/sdk/node`.
 */
import { defaultKeystorePath } from '../config/client.js'
import { FileKeystore } from '../config/keystore.js'
import type { Ed25519Keypair } from './keypair.js'
import type { Ed25519PublicKey } from './publickey.js'
import { Signer } from './signer.js'

export class KeystoreSigner extends Signer {
  /** The keystore file the key came from. */
  readonly keystorePath: string
  readonly #keypair: Ed25519Keypair

  private constructor(keystorePath: string, keypair: Ed25519Keypair) {
    super()
    this.keystorePath = keystorePath
    this.#keypair = keypair
  }

  /**
   * The key for `identity` (an address or alias) in the keystore at `keystorePath` (default: the
   * config directory's `soma.keystore`). Throws `KeyNotFoundError` when it holds no such key and
   * `ConfigError` when the file cannot be read.
   */
  static load(identity: string, keystorePath: string = defaultKeystorePath()): KeystoreSigner {
    return new KeystoreSigner(keystorePath, FileKeystore.load(keystorePath).get(identity))
  }

  override getPublicKey(): Ed25519PublicKey {
    return this.#keypair.getPublicKey()
  }

  override sign(bytes: Uint8Array): Promise<Uint8Array> {
    return this.#keypair.sign(bytes)
  }

  /** Keeps the secret out of logs and JSON. */
  toJSON(): { address: string; keystorePath: string } {
    return { address: this.toSomaAddress(), keystorePath: this.keystorePath }
  }
}
