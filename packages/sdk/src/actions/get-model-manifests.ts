import type { CallOptions, SomaClientCore } from '../client/types.js'
import { normalizeAddress } from '../utils/encoding.js'
import { callOptions, systemState } from './shared.js'

/** Where a model's encrypted weights are and how to check and decrypt them. */
export interface ModelManifest {
  modelId: string
  url: string
  /** Base58 Blake2b-256 of the encrypted weights. */
  checksum: string
  size: bigint
  /** Base58; undefined until the model is revealed. */
  decryptionKey: string | undefined
}

export interface GetModelManifestsParams extends CallOptions {
  /** Model ids, or a target (its `modelIds`). */
  models: readonly string[] | { modelIds: readonly string[] }
}

/**
 * The manifests of models (Pending, Active or Inactive; a Created model has none and is skipped,
 * as are unknown ids), in the order given: so `score`'s `winner` indexes the target's `modelIds`
 * when every model has a manifest.
 *
 * @param client - the client
 * @param params - model ids or a target, `signal` and `timeoutMs`
 * @returns the manifests
 * @throws {InvalidAddressError} for a malformed id
 * @example
 * const manifests = await client.getModelManifests({ models: target })
 */
export async function getModelManifests(client: SomaClientCore, params: GetModelManifestsParams): Promise<ModelManifest[]> {
  const ids = (Array.isArray(params.models) ? params.models : (params.models as { modelIds: readonly string[] }).modelIds).map((id) =>
    normalizeAddress(id),
  )
  const state = await systemState(client, callOptions(params))
  const out: ModelManifest[] = []
  for (const id of ids) {
    const model = state.modelRegistry.models.get(id)?.V1
    if (model === undefined) continue
    const inner = model.Pending ?? model.Active ?? model.Inactive
    if (inner === undefined) continue
    const m = inner.manifest.V1
    const key = 'decryptionKey' in inner ? (inner.decryptionKey as string) : undefined
    out.push({ modelId: id, url: m.url, checksum: m.metadata.V1.checksum, size: m.metadata.V1.size, decryptionKey: key })
  }
  return out
}
