import type { SomaClientCore } from '../client/types.js'
import { normalizeAddress } from '../utils/encoding.js'
import { downloadFirst, type DownloadParams } from './fetch-blob.js'
import { getModelManifests } from './get-model-manifests.js'

export interface FetchModelParams extends DownloadParams {
  modelId: string
}

/**
 * Downloads a model's **encrypted** weights: the manifest URL first, then the node's
 * `/model/{id}` route; size and checksum are verified. Decrypt with `decryptWeights(bytes, manifest.decryptionKey)`.
 *
 * @param client - the client
 * @param params - the model id, `onProgress`, `signal` and `timeoutMs`
 * @returns the encrypted weights
 * @throws {DownloadFailedError} when no source delivers them
 * @throws {ChecksumMismatchError} when the bytes do not match the manifest
 * @example
 * const encrypted = await client.fetchModel({ modelId, onProgress: (p) => console.log(p.transferred) })
 */
export async function fetchModel(client: SomaClientCore, params: FetchModelParams): Promise<Uint8Array> {
  const modelId = normalizeAddress(params.modelId)
  const [manifest] = await getModelManifests(client, { models: [modelId], ...(params.signal ? { signal: params.signal } : {}) })
  const proxy = client.urls.rpc ? [`${client.urls.rpc}/model/${modelId}`] : []
  return downloadFirst(manifest ? [manifest.url, ...proxy] : proxy, manifest ? { size: manifest.size, checksum: manifest.checksum } : {}, params)
}
