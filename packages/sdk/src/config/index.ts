export {
  CLIENT_CONFIG_FILENAME,
  LOCAL_RPC_URL,
  TESTNET_RPC_URL,
  activeEnv,
  clientConfigPath,
  configDir,
  createClientConfig,
  defaultKeystorePath,
  loadWallet,
  readClientConfig,
  switchActiveAddress,
  writeClientConfig,
  type ClientConfig,
  type CreatedConfig,
  type SomaEnv,
} from './client.js'
export {
  ALIASES_EXTENSION,
  FileKeystore,
  KEYSTORE_FILENAME,
  MAX_KEYSTORE_ENTRIES,
  aliasesPathFor,
  validateAlias,
  type KeystoreAlias,
  type KeystoreEntry,
} from './keystore.js'
export { randomAlias } from './names.js'
