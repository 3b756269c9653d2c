// The public surface of @soma-ts/core and its native-free subpaths; a change has to be accepted on purpose.
import { expect, it } from 'vitest'

import * as bytes from '../src/bytes.js'
import * as errors from '../src/errors.js'
import * as core from '../src/index.js'

it('@soma-ts/core', () => {
  expect(Object.keys(core).sort()).toMatchInlineSnapshot(`
    [
      "AbortedError",
      "Aes256Ctr",
      "BaseError",
      "Blake2b256",
      "ChecksumMismatchError",
      "DIGEST_LENGTH",
      "DeviceUnavailableError",
      "FileError",
      "InternalError",
      "InvalidArgumentError",
      "InvalidDataError",
      "InvalidKeyError",
      "InvalidTargetError",
      "InvalidWeightsError",
      "KEY_LENGTH",
      "MAX_DATA_SIZE",
      "Model",
      "ModelTooLargeError",
      "NativeBindingError",
      "SMALL_CONFIG",
      "SomaCoreError",
      "V1_CONFIG",
      "aes256Ctr",
      "aes256CtrAsync",
      "aes256CtrFile",
      "aes256CtrInPlace",
      "batchCount",
      "blake2b256",
      "blake2b256Async",
      "blake2b256File",
      "blake2b256FileSync",
      "blsMinSigSignAggregate",
      "configure",
      "ed25519VerifyStrict",
      "encryptFileWithChecksum",
      "errorForCode",
      "fromBase58",
      "genesisModelEmbedding",
      "loadModel",
      "normalArray",
      "randomKey",
      "score",
      "setErrorConfig",
      "targetEmbedding",
      "targetSeed",
      "toBase58",
      "truncate",
      "uniformArray",
      "version",
    ]
  `)
})

it('@soma-ts/core/errors', () => {
  expect(Object.keys(errors).sort()).toMatchInlineSnapshot(`
    [
      "AbortedError",
      "BaseError",
      "ChecksumMismatchError",
      "DeviceUnavailableError",
      "FileError",
      "InternalError",
      "InvalidArgumentError",
      "InvalidDataError",
      "InvalidKeyError",
      "InvalidTargetError",
      "InvalidWeightsError",
      "ModelTooLargeError",
      "NativeBindingError",
      "SomaCoreError",
      "errorForCode",
      "setErrorConfig",
      "truncate",
    ]
  `)
})

it('@soma-ts/core/bytes', () => {
  expect(Object.keys(bytes).sort()).toMatchInlineSnapshot(`
    [
      "bytes32FromBase58",
      "fromBase58",
      "toBase58",
    ]
  `)
})
