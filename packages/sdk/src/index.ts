export { version } from './version.js'
export * from './crypto.js'
export * from './errors/index.js'
export * as bcsTypes from './bcs/index.js'
export { decodeBcs, encodeBcs } from './bcs/index.js'
export {
  TRANSACTION_INTENT,
  deriveObjectId,
  effectsDigest,
  objectDigest,
  saltedDigest,
  signingDigest,
  transactionDigest,
} from './transactions/digests.js'
export { blake2b256 as blake2b256Js } from './hash/blake2b.js'
export {
  ADDRESS_LENGTH,
  bytesEqual,
  concatBytes,
  digestToBytes,
  fromBase58 as fromBase58Text,
  fromBase64,
  fromHex,
  isValidAddress,
  normalizeAddress,
  toBase64,
  toHex,
} from './utils/encoding.js'
