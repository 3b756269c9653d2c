import type { CallOptions, SomaClientCore } from '../client/types.js'
import { AbortedError, WaitTimeoutError } from '../errors/index.js'
import { systemState } from './shared.js'

export interface WaitForNextEpochParams extends CallOptions {
  /** How often to look, in milliseconds (default 1000, as the reference). */
  pollIntervalMs?: number
  /** Called after each look with the epoch seen and the milliseconds waited. */
  onProgress?: (progress: { epoch: bigint; waitedMs: number }) => void
}

/**
 * Waits until the epoch moves past the current one (default timeout 120 s).
 *
 * @param client - the client
 * @param params - `timeoutMs`, `pollIntervalMs`, `onProgress` and `signal`
 * @returns the new epoch number
 * @throws {WaitTimeoutError} when the epoch did not advance in time
 * @throws {AbortedError} when `signal` fires
 * @example
 * const epoch = await client.waitForNextEpoch({ timeoutMs: 60_000 })
 */
export async function waitForNextEpoch(client: SomaClientCore, params: WaitForNextEpochParams = {}): Promise<bigint> {
  const timeoutMs = params.timeoutMs ?? 120_000
  const interval = params.pollIntervalMs ?? 1000
  const started = Date.now()
  const opts = params.signal ? { signal: params.signal } : {}
  const start = (await systemState(client, opts)).epoch
  for (;;) {
    const waited = Date.now() - started
    if (waited >= timeoutMs) throw new WaitTimeoutError(`The epoch did not advance within ${Math.round(timeoutMs / 1000)} s.`, { details: `still epoch ${start}` })
    await new Promise<void>((resolve, reject) => {
      if (params.signal?.aborted) return reject(new AbortedError())
      const t = setTimeout(() => {
        params.signal?.removeEventListener('abort', onAbort)
        resolve()
      }, Math.min(interval, Math.max(1, timeoutMs - waited)))
      const onAbort = () => {
        clearTimeout(t)
        reject(new AbortedError())
      }
      params.signal?.addEventListener('abort', onAbort, { once: true })
    })
    const epoch = (await systemState(client, opts)).epoch
    params.onProgress?.({ epoch, waitedMs: Date.now() - started })
    if (epoch > start) return epoch
  }
}
