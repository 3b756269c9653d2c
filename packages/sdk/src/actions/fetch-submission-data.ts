import { decodeBcs } from '../bcs/codec.js'
import { Target } from '../bcs/objects.js'
import type { SomaClientCore } from '../client/types.js'
import { normalizeAddress } from '../utils/encoding.js'
import { downloadFirst, type DownloadParams } from './fetch-blob.js'
import { callOptions } from './shared.js'

export interface FetchSubmissionDataParams extends DownloadParams {
  targetId: string
}

/**
 * Downloads a filled target's winning data: the submission manifest's URL first, then the node's
 * `/data/{id}` route; size and checksum are verified.
 *
 * @param client - the client
 * @param params - the target id, `onProgress`, `signal` and `timeoutMs`
 * @returns the data
 * @throws {DownloadFailedError} when no source delivers it
 * @throws {ChecksumMismatchError} when the bytes do not match the manifest
 * @example
 * const data = await client.fetchSubmissionData({ targetId })
 */
export async function fetchSubmissionData(client: SomaClientCore, params: FetchSubmissionDataParams): Promise<Uint8Array> {
  const targetId = normalizeAddress(params.targetId)
  const object = await client.rpc.getObject(targetId, callOptions(params))
  const target = decodeBcs(Target, object.contents ?? new Uint8Array())
  const manifest = target.winningDataManifest?.manifest.V1
  const proxy = client.urls.rpc ? [`${client.urls.rpc}/data/${targetId}`] : []
  return downloadFirst(
    manifest ? [manifest.url, ...proxy] : proxy,
    manifest ? { size: manifest.metadata.V1.size, checksum: manifest.metadata.V1.checksum } : {},
    params,
  )
}
