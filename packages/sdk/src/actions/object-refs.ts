/** Fresh object references (id, version, digest) for objects a transaction names by id. */
import type { ObjectRefInput } from '../bcs/primitives.js'
import type { CallOptions, SomaClientCore } from '../client/types.js'
import { InternalError } from '../errors/index.js'
import { normalizeAddress } from '../utils/encoding.js'
import { callOptions } from './shared.js'

/** The current reference of each object, fetched with GetObject. */
export async function objectRefs(client: SomaClientCore, ids: readonly string[], options?: CallOptions): Promise<ObjectRefInput[]> {
  return Promise.all(
    ids.map(async (id) => {
      const object = await client.rpc.getObject(normalizeAddress(id), { ...callOptions(options), readMask: 'object_id,version,digest' })
      if (object.objectId === undefined || object.version === undefined || object.digest === undefined) {
        throw new InternalError(`The node returned object ${id} without its reference.`)
      }
      return { objectId: normalizeAddress(object.objectId), version: object.version, digest: object.digest }
    }),
  )
}
