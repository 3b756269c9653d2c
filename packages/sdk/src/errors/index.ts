/**
 * The SDK's errors. The base class and the errors every package shares (keys, arguments, files,
 * the model) are defined once in `@soma-ts/core/errors` and re-exported here, so `instanceof` holds
 * whether the SDK, the core or the CLI threw them. Every code is `SOMA_*`.
 */
import { BaseError, truncate, type BaseErrorParameters } from '@soma-ts/core/errors'

export {
  AbortedError,
  BaseError,
  ChecksumMismatchError,
  DeviceUnavailableError,
  FileError,
  InternalError,
  InvalidArgumentError,
  InvalidDataError,
  InvalidKeyError,
  InvalidTargetError,
  InvalidWeightsError,
  ModelTooLargeError,
  NativeBindingError,
  SomaCoreError,
  errorForCode,
  setErrorConfig,
  truncate,
  type BaseErrorParameters,
  type NativeErrorCode,
} from '@soma-ts/core/errors'

/** Bytes that are not a valid BCS encoding of the expected type (truncated, trailing, non-canonical). */
export class BcsDecodeError extends BaseError {
  override name = 'BcsDecodeError'
  readonly typeName: string
  constructor({ typeName, ...rest }: { typeName: string } & BaseErrorParameters) {
    super(`Could not decode ${typeName} from BCS bytes.`, {
      hint: 'The bytes are truncated, have trailing data, or are not this type.',
      ...rest,
      code: 'SOMA_BCS_DECODE',
    })
    this.typeName = typeName
  }
}

/** A value that cannot be written as BCS of the expected type (wrong shape, out of range). */
export class BcsEncodeError extends BaseError {
  override name = 'BcsEncodeError'
  readonly typeName: string
  constructor({ typeName, ...rest }: { typeName: string } & BaseErrorParameters) {
    super(`Could not encode a value as ${typeName}.`, { ...rest, code: 'SOMA_BCS_ENCODE' })
    this.typeName = typeName
  }
}

/** Text that is not an address / object id (`0x` + up to 64 hex digits, or exactly 64 hex digits). */
export class InvalidAddressError extends BaseError {
  override name = 'InvalidAddressError'
  constructor({ address, ...rest }: { address: string } & BaseErrorParameters) {
    super(`Address "${truncate(address, 80)}" is invalid.`, {
      hint: 'Use 0x followed by 64 hex digits (shorter 0x forms are left-padded with zeros).',
      ...rest,
      code: 'SOMA_INVALID_ADDRESS',
    })
  }
}

/** A digest, commitment, checksum or key that is not 32 bytes of Base58 (or raw bytes). */
export class InvalidDigestError extends BaseError {
  override name = 'InvalidDigestError'
  constructor({ what = 'digest', ...rest }: { what?: string } & BaseErrorParameters) {
    super(`The ${what} must be exactly 32 bytes (Base58 text or raw bytes).`, { ...rest, code: 'SOMA_INVALID_DIGEST' })
  }
}

/** A recovery phrase that is not a valid English BIP-39 mnemonic of 12, 15, 18, 21 or 24 words. */
export class InvalidMnemonicError extends BaseError {
  override name = 'InvalidMnemonicError'
  constructor(parameters: BaseErrorParameters = {}) {
    super('The recovery phrase is not a valid BIP-39 English mnemonic.', {
      hint: 'Use 12, 15, 18, 21 or 24 words from the English BIP-39 word list, separated by spaces.',
      ...parameters,
      code: 'SOMA_INVALID_MNEMONIC',
    })
  }
}

/** A derivation path outside `m/44'/784'/{account}'/{change}'/{index}'` (all hardened). */
export class InvalidDerivationPathError extends BaseError {
  override name = 'InvalidDerivationPathError'
  constructor({ path, ...rest }: { path: string } & BaseErrorParameters) {
    super(`Derivation path "${truncate(path, 80)}" is invalid for Ed25519.`, {
      hint: "Use m/44'/784'/0'/0'/N' (every level hardened).",
      ...rest,
      code: 'SOMA_INVALID_DERIVATION_PATH',
    })
  }
}

/** A signature that is malformed or does not verify. */
export class InvalidSignatureError extends BaseError {
  override name = 'InvalidSignatureError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_INVALID_SIGNATURE' })
  }
}

/** A multisig committee or multisig signature that breaks the protocol's rules. */
export class InvalidMultiSigError extends BaseError {
  override name = 'InvalidMultiSigError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_INVALID_MULTISIG' })
  }
}

/** A config directory, client.yaml, keystore or aliases file that cannot be read or written. */
export class ConfigError extends BaseError {
  override name = 'ConfigError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_CONFIG' })
  }
}

/** An address or alias that the keystore does not hold. */
export class KeyNotFoundError extends BaseError {
  override name = 'KeyNotFoundError'
  constructor({ identity, ...rest }: { identity: string } & BaseErrorParameters) {
    super(`No key for "${truncate(identity, 80)}" in the keystore.`, {
      hint: 'List the keys with `soma keytool list` or `soma wallet list`.',
      ...rest,
      code: 'SOMA_KEY_NOT_FOUND',
    })
  }
}

/** A transaction that was executed (and charged) but whose effects report a failure. */
export class TransactionFailedError extends BaseError {
  override name = 'TransactionFailedError'
  /** The chain's error name, e.g. `InsufficientCoinBalance` (the `ExecutionFailureStatus` variant). */
  readonly errorName: string
  /** The transaction digest, Base58. */
  readonly digest: string
  /** What was being done, e.g. `TransferCoin`. */
  readonly label: string
  constructor({ errorName, digest, label, ...rest }: { errorName: string; digest: string; label: string } & BaseErrorParameters) {
    super(`${label} failed on chain with ${errorName} (digest ${digest}).`, {
      hint: 'The transaction was included and its fee charged; fix the cause named above before sending it again.',
      ...rest,
      code: 'SOMA_TRANSACTION_FAILED',
    })
    this.errorName = errorName
    this.digest = digest
    this.label = label
  }
}

/** A call needs a side service (faucet, scoring, admin, storage) that this client was not given. */
export class ServiceNotConfiguredError extends BaseError {
  override name = 'ServiceNotConfiguredError'
  /** `faucet`, `scoring`, `admin` or `storage`. */
  readonly service: string
  constructor({ service, ...rest }: { service: string } & BaseErrorParameters) {
    super(`No ${service} service is configured for this client.`, {
      hint: `Pass ${service}Url to createSomaClient (or chain: 'localnet').`,
      ...rest,
      code: 'SOMA_SERVICE_NOT_CONFIGURED',
    })
    this.service = service
  }
}

/** The address has no coin (or not enough) to pay for what was asked. */
export class InsufficientFundsError extends BaseError {
  override name = 'InsufficientFundsError'
  readonly address: string
  constructor({ address, ...rest }: { address: string } & BaseErrorParameters) {
    super(`Address ${address} has no usable coin for this transaction.`, {
      hint: 'Fund it (e.g. requestFaucet on a test network), or wait for transactions in flight to finish.',
      ...rest,
      code: 'SOMA_INSUFFICIENT_FUNDS',
    })
    this.address = address
  }
}

/** A wait (for an epoch, a checkpoint) that did not end in time. */
export class WaitTimeoutError extends BaseError {
  override name = 'WaitTimeoutError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_TIMEOUT' })
  }
}

/** A model or data download (`fetchModel`, `fetchSubmissionData`) that failed at every source. */
export class DownloadFailedError extends BaseError {
  override name = 'DownloadFailedError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { ...parameters, code: 'SOMA_DOWNLOAD_FAILED' })
  }
}
