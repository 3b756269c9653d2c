/**
 * The one storage interface: where model weights and submission data are put so that validators
 * and scoring services can fetch them by URL. Two implementations: `S3Storage` (any S3-compatible
 * store) and `BlobStoreStorage` (the local network's blob store).
 */
import type { Readable } from 'node:stream'

import type { DownloadOptions, DownloadResult, FileDownloadResult } from './download.js'

export interface TransferProgress {
  /** Bytes moved so far. */
  transferred: number
  /** Total bytes, when known. */
  total: number | undefined
}

/** A file path (streamed from disk), bytes in memory, or a stream (then give `size` when known). */
export type UploadSource = string | Uint8Array | Readable

export interface UploadOptions {
  /** Object key: segments of `[A-Za-z0-9._-]` separated by `/` (see `validateObjectKey`). */
  key: string
  /** Byte count of a stream source; checked against what was actually sent. */
  size?: number
  onProgress?: (progress: TransferProgress) => void
  /** Aborting stops the transfer and removes whatever was partly stored. */
  signal?: AbortSignal
  contentType?: string
}

export interface UploadResult {
  /** The public URL that validators and scoring services fetch. */
  url: string
  size: number
  /** Blake2b-256 of the uploaded bytes (for encrypted weights: the manifest's checksum). */
  checksum: Uint8Array
}

export interface ObjectStorage {
  upload(source: UploadSource, options: UploadOptions): Promise<UploadResult>
  /** Fetches a URL and verifies it while streaming; see `download` for the options. */
  download(url: string, options: DownloadOptions & { destination: string }): Promise<FileDownloadResult>
  download(url: string, options?: DownloadOptions): Promise<DownloadResult>
}
