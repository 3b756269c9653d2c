/**
 * Downloads for `fetchModel` and `fetchSubmissionData`: the manifest URL first, then the node's
 * data proxy (`{rpc}/model/{id}`, `{rpc}/data/{id}`), as the reference does. Browser-safe (fetch);
 * the size is bounded by the manifest and the Blake2b-256 checked when the manifest gives one.
 */
import type { CallOptions } from '../client/types.js'
import { AbortedError, BaseError, ChecksumMismatchError, DownloadFailedError, InvalidArgumentError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import { toBase58 } from '../utils/encoding.js'

// Kept importable from here too (`@soma-ts/sdk/actions`), where it was first defined.
export { DownloadFailedError }

export interface DownloadParams extends CallOptions {
  /** Called with bytes received so far and the expected total. */
  onProgress?: (progress: { transferred: number; total: number | undefined }) => void
}

async function fetchOnce(url: string, expect: { size?: bigint; checksum?: string }, p: DownloadParams): Promise<Uint8Array> {
  const timeout = p.timeoutMs ?? Math.min(600_000, 30_000 + Number(expect.size ?? 0n) / 20_000_000)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeout)
  const onAbort = () => controller.abort()
  p.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' })
    if (!res.ok || res.body === null) throw new DownloadFailedError(`GET ${url} answered ${res.status}.`)
    const total = expect.size === undefined ? undefined : Number(expect.size)
    const chunks: Uint8Array[] = []
    let received = 0
    const reader = res.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received += value.length
      if (total !== undefined && received > total) {
        await reader.cancel()
        throw new DownloadFailedError(`GET ${url} sent more than the ${total} bytes the manifest declares.`)
      }
      chunks.push(value)
      p.onProgress?.({ transferred: received, total })
    }
    const out = new Uint8Array(received)
    let at = 0
    for (const c of chunks) {
      out.set(c, at)
      at += c.length
    }
    if (total !== undefined && received !== total) throw new DownloadFailedError(`GET ${url} sent ${received} bytes, the manifest declares ${total}.`)
    if (expect.checksum !== undefined) {
      const actual = toBase58(blake2b256(out))
      if (actual !== expect.checksum) throw new ChecksumMismatchError(`The bytes from ${url} do not match the manifest's checksum.`, { expected: expect.checksum, actual })
    }
    return out
  } catch (err) {
    if (p.signal?.aborted) throw new AbortedError({ cause: err })
    if (controller.signal.aborted) throw new DownloadFailedError(`GET ${url} did not finish within ${timeout} ms.`, { cause: err })
    throw err
  } finally {
    clearTimeout(timer)
    p.signal?.removeEventListener('abort', onAbort)
  }
}

/** Tries each URL in order; the last failure is the error when all fail. */
export async function downloadFirst(urls: readonly string[], expect: { size?: bigint; checksum?: string }, p: DownloadParams): Promise<Uint8Array> {
  if (urls.length === 0) throw new InvalidArgumentError('There is no URL to download from.')
  const errors: string[] = []
  for (const url of urls) {
    try {
      return await fetchOnce(url, expect, p)
    } catch (err) {
      if (err instanceof AbortedError || err instanceof ChecksumMismatchError) throw err
      errors.push(err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err))
    }
  }
  throw new DownloadFailedError(`Could not download from any of ${urls.length} source(s).`, { details: errors.join('; ').slice(0, 400) })
}
