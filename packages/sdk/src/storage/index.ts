/**
 * `@soma-ts/sdk/storage` (Node only): uploading model weights and data, verified downloads, and
 * the URL policy that keeps a fetching service from being pointed at its own network.
 */
export * from './errors.js'
export { classifyAddress, isIpLiteral, type AddressVerdict } from './address-policy.js'
export {
  checkUrl,
  safeFetch,
  MAX_REDIRECTS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  type CheckedUrl,
  type HostAddress,
  type HostResolver,
  type SafeFetchOptions,
  type SafeResponse,
  type UrlPolicy,
} from './safe-fetch.js'
export {
  download,
  defaultTotalTimeoutMs,
  DEFAULT_MAX_DOWNLOAD_BYTES,
  type DownloadOptions,
  type DownloadResult,
  type FileDownloadResult,
} from './download.js'
export { validateObjectKey, isValidObjectKey, redactUrl, MAX_OBJECT_KEY_LENGTH } from './keys.js'
export { parseDotEnv, readDotEnv } from './dotenv.js'
export {
  S3Storage,
  s3ConfigFromEnvironment,
  S3_ENVIRONMENT_VARIABLES,
  DEFAULT_S3_PART_SIZE,
  DEFAULT_S3_QUEUE_SIZE,
  type S3StorageConfig,
  type EnvironmentSource,
} from './s3.js'
export { BlobStoreStorage, BLOB_CHECKSUM_HEADER, type BlobStoreStorageOptions } from './blob-store.js'
export type { ObjectStorage, TransferProgress, UploadOptions, UploadResult, UploadSource } from './types.js'
