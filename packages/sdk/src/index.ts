/**
 * `@soma-ts/sdk`: keys, signers, mnemonics, BCS, transaction building, digests, signing and
 * verification, and the fullnode client over gRPC-Web. Native-free and browser-safe: Node-only
 * parts are in `@soma-ts/sdk/node`, native-backed ones in `@soma-ts/sdk/native`.
 */
export { version } from './version.js'
export { commitment, parseKey, type KeyInput } from './crypto.js'
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
  transactionSender,
  verifyTransactionSignature,
  verifySignedTransaction,
  type ParsedSignature,
} from './transactions/signature.js'
export * from './rpc/index.js'
export * from './services/index.js'
export { normalizeEndpointUrl, normalizeUrl } from './utils/url.js'
export { isTcpMultiaddr, isValidMultiaddr } from './utils/multiaddr.js'
export {
  addStake,
  addStakeToModel,
  claimRewards,
  commitModel,
  createModel,
  deactivateModel,
  embeddingCommitment,
  manifest,
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
export { SHANNONS_PER_SOMA, formatSoma, parseAmount, parseU64, type AmountInput } from './utils/amount.js'
export {
  CHAIN_PRESETS,
  COIN_PAGE_SIZE,
  COIN_TOP_N,
  MAX_RETRIES,
  createSomaClient,
  coinOf,
  createClientCore,
  executePrepared,
  listCoins,
  lockConflict,
  resolveClientUrls,
  selectCoin,
  transactionResult,
  withActions,
  type SomaActions,
  type SomaClient,
  type OwnedCoin,
  type SelectCoinOptions,
  type SignAndExecuteParams,
  type ChosenCoins,
} from './client/index.js'
export type * from './client/types.js'
