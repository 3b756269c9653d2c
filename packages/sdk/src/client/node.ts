/**
 * `createSomaClient` for Node.js: the fullnode over gRPC/HTTP/2, the side services (faucet,
 * scoring, admin) as grpc-js clients built on first use from their URLs, local scoring on the
 * native engine, and `publishModel`.
 */
import { downloadFirst } from '../actions/fetch-blob.js'
import { createNodeTransport } from '../rpc/node.js'
import { AdminClient, FaucetClient, ScoringClient } from '../services/client.js'
import { withActions, type SomaClient } from './actions.js'
import { createClientCore } from './core.js'
import { publishModel } from './publish-model.js'
import type { ClientPlatform, LocalScoreRequest, ScoreResult, SomaClientCore, SomaClientOptions } from './types.js'

/** `score({ local: true })`: download and verify each model's weights, decrypt, load, score. */
async function scoreLocally(_client: SomaClientCore, request: LocalScoreRequest): Promise<ScoreResult> {
  // The small model of the local network has embedding dimension 16; everything else is V1.
  const config = request.targetEmbedding.length === 16 ? 'small' : 'v1'
  // Loaded on first use, so that the Node entry works where the native binding does not.
  const { loadModel, score: scoreNative } = await import('@soma-ts/core')
  const total = request.models.length
  const models = []
  for (const [i, m] of request.models.entries()) {
    const encrypted = await downloadFirst([m.url], { size: m.size, checksum: m.checksum }, request.signal ? { signal: request.signal } : {})
    request.onProgress?.({ phase: 'download', done: i + 1, total })
    models.push(
      await loadModel(encrypted, {
        config,
        checksum: m.checksum,
        ...(m.decryptionKey ? { decryptionKey: m.decryptionKey } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      }),
    )
  }
  const result = await scoreNative({
    data: request.data,
    models,
    targetEmbedding: request.targetEmbedding,
    seed: request.seed,
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onProgress ? { onProgress: (p) => request.onProgress?.({ phase: 'score', done: p.batchesDone, total: p.batchesTotal }) } : {}),
  })
  return { winner: result.winner, lossScore: [result.loss], embedding: Array.from(result.embedding), distance: [result.distance] }
}

/** The Node platform: grpc-js side-service clients and the native engine. */
export const nodePlatform: ClientPlatform = {
  faucet: (url) => new FaucetClient({ url }),
  scoring: (url) => new ScoringClient({ url }),
  admin: (url) => new AdminClient({ url }),
  scoreLocally,
}

/** The Node client: every action of the browser client, plus `publishModel`. */
export type NodeSomaClient = SomaClient & {
  publishModel(params: Parameters<typeof publishModel>[1]): ReturnType<typeof publishModel>
}

/**
 * A SOMA client for Node.js (gRPC over HTTP/2, grpc-js side services, native local scoring):
 * every read and signed action as a method, plus `publishModel`. Same options as the browser
 * entry's `createSomaClient`.
 *
 * @param options - `chain` or `rpcUrl`, side-service URLs, `blobStoreUrl`, `transport`, `defaultTimeoutMs`
 * @returns the client; call `close()` to drop its side-service connections
 * @throws {InvalidArgumentError} for an unknown chain or a URL the preset forbids
 * @example
 * const client = createSomaClient({ chain: 'localnet' })
 * await client.requestFaucet({ address: signer.toSomaAddress() })
 */
export function createSomaClient(options: SomaClientOptions): NodeSomaClient {
  const client = withActions(createClientCore(options, (url, defaultTimeoutMs) => createNodeTransport({ url, defaultTimeoutMs }), nodePlatform))
  return Object.assign(client, { publishModel: (params: Parameters<typeof publishModel>[1]) => publishModel(client, params) })
}

export { publishModel, defaultStorage, type PublishModelParams, type PublishModelResult } from './publish-model.js'
