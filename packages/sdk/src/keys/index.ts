export { Keypair, Signer, toSerializedSignature, type SignedTransaction, type SignerPublicKey } from './signer.js'
export { MultiSigSigner } from './multisig-signer.js'
export { Ed25519Keypair, PRIVATE_KEY_PREFIX, SECRET_KEY_LENGTH } from './keypair.js'
export {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  Ed25519PublicKey,
  SIGNATURE_SCHEME_FLAG,
  type SignatureSchemeName,
} from './publickey.js'
export {
  DEFAULT_DERIVATION_PATH,
  MNEMONIC_WORD_COUNTS,
  derivationPath,
  generateMnemonic,
  isValidMnemonic,
  mnemonicToSecretKey,
  normalizeMnemonic,
  parseDerivationPath,
  slip10DeriveEd25519,
  type MnemonicWordCount,
} from './mnemonic.js'
export {
  MAX_MULTISIG_MEMBERS,
  combineMultiSig,
  multiSigAddress,
  parseMultiSig,
  validateCommittee,
  verifyMultiSig,
  type DecodedMultiSig,
  type MultiSigCommittee,
  type MultiSigMember,
} from './multisig.js'
export {
  BLS_PUBLIC_KEY_LENGTH,
  BLS_SECRET_KEY_LENGTH,
  BLS_SIGNATURE_LENGTH,
  BlsKeypair,
  proofOfPossessionMessage,
  verifyProofOfPossession,
} from './bls.js'
