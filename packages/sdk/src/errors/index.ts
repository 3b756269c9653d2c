export { BaseError, truncate, type BaseErrorParameters } from './base.js'
import { BaseError, truncate, type BaseErrorParameters } from './base.js'

/** Bytes that are not a valid BCS encoding of the expected type (truncated, trailing, non-canonical). */
export class BcsDecodeError extends BaseError {
  override name = 'BcsDecodeError'
  override readonly code = 'BCS_DECODE'
  readonly typeName: string
  constructor({ typeName, ...rest }: { typeName: string } & BaseErrorParameters) {
    super(`Could not decode ${typeName} from BCS bytes.`, {
      hint: 'The bytes are truncated, have trailing data, or are not this type.',
      ...rest,
    })
    this.typeName = typeName
  }
}

/** A value that cannot be written as BCS of the expected type (wrong shape, out of range). */
export class BcsEncodeError extends BaseError {
  override name = 'BcsEncodeError'
  override readonly code = 'BCS_ENCODE'
  readonly typeName: string
  constructor({ typeName, ...rest }: { typeName: string } & BaseErrorParameters) {
    super(`Could not encode a value as ${typeName}.`, rest)
    this.typeName = typeName
  }
}

/** Text that is not an address / object id (`0x` + up to 64 hex digits, or exactly 64 hex digits). */
export class InvalidAddressError extends BaseError {
  override name = 'InvalidAddressError'
  override readonly code = 'INVALID_ADDRESS'
  constructor({ address, ...rest }: { address: string } & BaseErrorParameters) {
    super(`Address "${truncate(address, 80)}" is invalid.`, {
      hint: 'Use 0x followed by 64 hex digits (shorter 0x forms are left-padded with zeros).',
      ...rest,
    })
  }
}

/** A digest, commitment, checksum or key that is not 32 bytes of Base58 (or raw bytes). */
export class InvalidDigestError extends BaseError {
  override name = 'InvalidDigestError'
  override readonly code = 'INVALID_DIGEST'
  constructor({ what = 'digest', ...rest }: { what?: string } & BaseErrorParameters) {
    super(`The ${what} must be exactly 32 bytes (Base58 text or raw bytes).`, rest)
  }
}

/** A private key, public key or key file that cannot be used. Never carries the key itself. */
export class InvalidKeyError extends BaseError {
  override name = 'InvalidKeyError'
  override readonly code = 'INVALID_KEY'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** A recovery phrase that is not a valid English BIP-39 mnemonic of 12, 15, 18, 21 or 24 words. */
export class InvalidMnemonicError extends BaseError {
  override name = 'InvalidMnemonicError'
  override readonly code = 'INVALID_MNEMONIC'
  constructor(parameters: BaseErrorParameters = {}) {
    super('The recovery phrase is not a valid BIP-39 English mnemonic.', {
      hint: 'Use 12, 15, 18, 21 or 24 words from the English BIP-39 word list, separated by spaces.',
      ...parameters,
    })
  }
}

/** A derivation path outside `m/44'/784'/{account}'/{change}'/{index}'` (all hardened). */
export class InvalidDerivationPathError extends BaseError {
  override name = 'InvalidDerivationPathError'
  override readonly code = 'INVALID_DERIVATION_PATH'
  constructor({ path, ...rest }: { path: string } & BaseErrorParameters) {
    super(`Derivation path "${truncate(path, 80)}" is invalid for Ed25519.`, {
      hint: "Use m/44'/784'/0'/0'/N' (every level hardened).",
      ...rest,
    })
  }
}

/** A signature that is malformed or does not verify. */
export class InvalidSignatureError extends BaseError {
  override name = 'InvalidSignatureError'
  override readonly code = 'INVALID_SIGNATURE'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** A multisig committee or multisig signature that breaks the protocol's rules. */
export class InvalidMultiSigError extends BaseError {
  override name = 'InvalidMultiSigError'
  override readonly code = 'INVALID_MULTISIG'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** A config directory, client.yaml, keystore or aliases file that cannot be read or written. */
export class ConfigError extends BaseError {
  override name = 'ConfigError'
  override readonly code = 'CONFIG'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** An address or alias that the keystore does not hold. */
export class KeyNotFoundError extends BaseError {
  override name = 'KeyNotFoundError'
  override readonly code = 'KEY_NOT_FOUND'
  constructor({ identity, ...rest }: { identity: string } & BaseErrorParameters) {
    super(`No key for "${truncate(identity, 80)}" in the keystore.`, {
      hint: 'List the keys with `soma keytool list` or `soma wallet list`.',
      ...rest,
    })
  }
}

/** An argument with a bad value that no more specific class covers. */
export class InvalidArgumentError extends BaseError {
  override name = 'InvalidArgumentError'
  override readonly code = 'INVALID_ARGUMENT'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}
