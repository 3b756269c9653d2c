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
export * from './keys/index.js'
export {
  ED25519_SERIALIZED_SIGNATURE_LENGTH,
  deserializeSignedTransaction,
  parseSerializedSignature,
  serializeSignedTransaction,
  signTransaction,
  toSerializedSignature,
  transactionSender,
  verifyTransactionSignature,
  verifySignedTransaction,
  type ParsedSignature,
  type SignedTransaction,
} from './transactions/signature.js'
export * from './config/index.js'
export * from './rpc/index.js'
export * as sideServices from './services/index.js'
export { AdminClient, FaucetClient, ScoringClient, ServiceError, serveSideServices } from './services/index.js'
export {
  addStake,
  addStakeToModel,
  claimRewards,
  commitModel,
  createModel,
  deactivateModel,
  embeddingCommitment,
  manifest,
  normalizeUrl,
  payCoins,
  reportModel,
  reportSubmission,
  reportValidator,
  revealModel,
  setCommissionRate,
  setModelCommissionRate,
  submitData,
  transactionData,
  transferCoin,
  transferObjects,
  undoReportModel,
  undoReportSubmission,
  undoReportValidator,
  withdrawStake,
} from './transactions/builders.js'
