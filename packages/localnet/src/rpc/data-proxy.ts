/**
 * Plain HTTP `GET /data/{target_id}` and `GET /model/{model_id}` on the RPC port, the fullnode
 * data proxy (`authority/src/fullnode_proxy.rs`). The reference forwards to validators, which
 * fetch the manifest's URL; here the bytes come straight from the local blob store's directory when
 * the manifest points at it, with no network fetch. Status codes follow the reference: 400 for an
 * id that is not 64 hex digits, 502 when the bytes cannot be served; an id the chain does not know
 * (or a target with no submission, a model with no manifest) is 404.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import { resolve, sep } from 'node:path'

import { isValidObjectKey } from '@soma-ts/sdk/storage'

import { targetOf } from '../chain/objects.js'
import type { LocalNode } from '../node/node.js'

type AnyRequest = Http2ServerRequest | IncomingMessage
type AnyResponse = Http2ServerResponse | ServerResponse

const ROUTE = /^\/(data|model)\/([^/?#]*)$/

export interface LocalBlobStore {
  /** Base URL; blobs are at `${url}/blobs/<key>`. */
  readonly url: string
  readonly blobsDir: string
}

function send(res: AnyResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** The reference's `parse_object_id`: optional `0x`, then exactly 64 hex digits. */
function parseObjectId(text: string): string | undefined {
  const hex = text.startsWith('0x') ? text.slice(2) : text
  return /^[0-9a-fA-F]{64}$/.test(hex) ? `0x${hex.toLowerCase()}` : undefined
}

/** The manifest URL of `id`'s data or weights, or the 404 text. */
function manifestUrl(node: LocalNode, kind: 'data' | 'model', id: string): { url: string } | { missing: string } {
  if (kind === 'data') {
    const object = node.getObject(id)
    if (object === undefined || object.type !== 'Target') return { missing: `Target ${id} not found` }
    const manifest = targetOf(object).winningDataManifest
    return manifest === null ? { missing: `Target ${id} has no submitted data` } : { url: manifest.manifest.V1!.url }
  }
  const model = node.systemState().modelRegistry.models.get(id)
  if (model === undefined) return { missing: `Model ${id} not found` }
  const state = model.V1.Active ?? model.V1.Inactive ?? model.V1.Pending
  return state === undefined ? { missing: `Model ${id} has no weights manifest yet` } : { url: state.manifest.V1!.url }
}

/** The file behind `url` when it is a blob of `store`, else undefined. */
function blobPath(store: LocalBlobStore, url: string): string | undefined {
  const prefix = `${store.url}/blobs/`
  if (!url.startsWith(prefix)) return undefined
  const key = decodeURIComponent(url.slice(prefix.length).split(/[?#]/, 1)[0]!)
  if (!isValidObjectKey(key)) return undefined
  const path = resolve(store.blobsDir, ...key.split('/'))
  return path.startsWith(store.blobsDir + sep) ? path : undefined
}

/** The `httpRoutes` hook for `serveFullnode`: answers the two routes, passes everything else. */
export function dataProxyRoutes(node: LocalNode, store: LocalBlobStore) {
  return (req: AnyRequest, res: AnyResponse): boolean => {
    const match = ROUTE.exec((req.url ?? '/').split('?', 1)[0]!)
    if (match === null) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      send(res, 405, `method ${String(req.method).slice(0, 16)} is not allowed`)
      return true
    }
    serveResource(node, store, match[1] as 'data' | 'model', match[2]!, req, res).catch(() => {
      if (!res.headersSent) send(res, 502, 'Failed to fetch from validators: read error')
      else res.destroy()
    })
    return true
  }
}

async function serveResource(node: LocalNode, store: LocalBlobStore, kind: 'data' | 'model', text: string, req: AnyRequest, res: AnyResponse): Promise<void> {
  const id = parseObjectId(decodeURIComponent(text))
  if (id === undefined) return send(res, 400, `Invalid resource ID: ${text.slice(0, 80)}`)
  const found = manifestUrl(node, kind, id)
  if ('missing' in found) return send(res, 404, found.missing)
  const path = blobPath(store, found.url)
  if (path === undefined) {
    return send(res, 502, `Failed to fetch from validators: the manifest URL is not in this local network's blob store (${found.url.slice(0, 200)})`)
  }
  let size: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new Error('not a file')
    size = info.size
  } catch {
    return send(res, 502, `Failed to fetch from validators: the blob store has no object at ${found.url.slice(0, 200)}`)
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  await new Promise<void>((done, failed) => {
    const file = createReadStream(path)
    file.once('error', failed)
    res.once('close', () => {
      file.destroy()
      done()
    })
    file.pipe(res as NodeJS.WritableStream)
  })
}
