/**
 * GET for URLs that someone else chose (a scoring request's data and weights URLs). It refuses
 * targets inside the host's own networks before opening any connection:
 *
 * - schemes: `http:` and `https:`; `file:` only with `allowFile` and never as a redirect target;
 * - addresses: every address a name resolves to must pass `classifyAddress`, and the socket then
 *   connects to exactly those checked addresses (a pinned `lookup`), so a second DNS answer
 *   (rebinding) is never used;
 * - redirects: followed by hand, at most 5, each hop checked like the first;
 * - `allowPrivate` turns the address check off (a local network, whose blob store is on loopback);
 *   `trustedOrigins` lifts it for named origins only (the local blob store), everything else
 *   stays checked.
 *
 * Connect and total timeouts bound every request; the total one keeps running while the caller
 * reads the body. Error messages carry URLs through `redactUrl` only.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

import { BaseError } from '../errors/base.js'
import { InvalidArgumentError } from '../errors/index.js'
import { classifyAddress, isIpLiteral } from './address-policy.js'
import {
  HttpStatusError,
  NetworkError,
  TooManyRedirectsError,
  AbortedError,
  TransferTimeoutError,
  UrlRefusedError,
} from './errors.js'
import { redactUrl } from './keys.js'

export interface HostAddress {
  address: string
  family: 4 | 6
}

/** Resolves a host name to every address it has (the default is `dns.lookup` with `all: true`). */
export type HostResolver = (hostname: string) => Promise<readonly HostAddress[]>

export const MAX_REDIRECTS = 5
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000

export interface UrlPolicy {
  /** Skip the address check (loopback and private targets allowed). Schemes are still checked. */
  allowPrivate?: boolean
  /** Allow `file:` URLs given directly (never through a redirect). */
  allowFile?: boolean
  /** Origins (`http://127.0.0.1:9130`) exempt from the address check, e.g. the local blob store. */
  trustedOrigins?: readonly string[]
  /** Redirect hops to follow, 0 to 5 (default 5). */
  maxRedirects?: number
  /** Name resolution; tests inject one so that no real name is ever looked up. */
  resolve?: HostResolver
}

export interface SafeFetchOptions extends UrlPolicy {
  connectTimeoutMs?: number
  /** Covers every hop and the reading of the body. */
  totalTimeoutMs?: number
  signal?: AbortSignal
  /** Extra request headers (e.g. `range`); they are not sent across origins on redirect. */
  headers?: Record<string, string>
}

export interface SafeResponse {
  /** The URL that answered (after redirects). */
  url: string
  status: number
  headers: IncomingHttpHeaders
  /** From `content-length` (or the file's size), when known. */
  contentLength: number | undefined
  /** The body; a timeout or abort destroys it with the matching typed error. */
  body: Readable
}

/** A URL that passed the policy, with the addresses the connection may use. */
export interface CheckedUrl {
  url: URL
  /** Empty for `file:` URLs. */
  addresses: readonly HostAddress[]
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

const defaultResolver: HostResolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true })
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
}

function refused(url: URL | string, details: string): UrlRefusedError {
  return new UrlRefusedError({ url: redactUrl(url), details })
}

function parseUrl(text: string): URL {
  if (typeof text !== 'string') throw new UrlRefusedError({ url: '<not a string>', details: 'the URL must be a string' })
  try {
    return new URL(text)
  } catch {
    throw new UrlRefusedError({ url: '<invalid URL>', details: 'not a valid absolute URL' })
  }
}

function normalizedOrigins(origins: readonly string[] | undefined): Set<string> {
  const set = new Set<string>()
  for (const origin of origins ?? []) {
    let parsed: URL
    try {
      parsed = new URL(origin)
    } catch {
      throw new InvalidArgumentError('A trusted origin is not a valid URL.', { details: redactUrl(origin) })
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidArgumentError('A trusted origin must be an http or https URL.', { details: redactUrl(origin) })
    }
    set.add(parsed.origin)
  }
  return set
}

function maxRedirectsOf(policy: UrlPolicy): number {
  const n = policy.maxRedirects ?? MAX_REDIRECTS
  if (!Number.isInteger(n) || n < 0 || n > MAX_REDIRECTS) {
    throw new InvalidArgumentError(`maxRedirects must be an integer from 0 to ${MAX_REDIRECTS}.`, { details: `got ${String(n)}` })
  }
  return n
}

async function checkParsed(url: URL, policy: UrlPolicy, trusted: Set<string>, viaRedirect: boolean): Promise<CheckedUrl> {
  if (url.protocol === 'file:') {
    if (viaRedirect) throw refused(url, 'a redirect may not lead to a file: URL')
    if (!policy.allowFile) throw refused(url, 'file: URLs are not allowed here (allowFile is off)')
    if (url.hostname !== '' && url.hostname !== 'localhost') throw refused(url, 'file: URLs must not name a host')
    return { url, addresses: [] }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(url, `the scheme "${url.protocol.slice(0, -1).slice(0, 20)}" is not allowed (only http and https)`)
  }
  if (url.username !== '' || url.password !== '') throw refused(url, 'URLs with user info are not allowed')
  const host = url.hostname
  const checkAddresses = !policy.allowPrivate && !trusted.has(url.origin)
  let addresses: HostAddress[]
  if (isIpLiteral(host)) {
    const bare = host.startsWith('[') ? host.slice(1, -1) : host
    addresses = [{ address: bare, family: bare.includes(':') ? 6 : 4 }]
  } else {
    let answers: readonly HostAddress[]
    try {
      answers = await (policy.resolve ?? defaultResolver)(host)
    } catch (err) {
      throw new NetworkError({ url: redactUrl(url), details: `the name "${host.slice(0, 100)}" did not resolve (${errorCode(err)})` })
    }
    addresses = answers.map((a) => ({ address: a.address, family: a.family }))
    if (addresses.length === 0) {
      throw new NetworkError({ url: redactUrl(url), details: `the name "${host.slice(0, 100)}" has no addresses` })
    }
  }
  if (checkAddresses) {
    for (const { address } of addresses) {
      const verdict = classifyAddress(address)
      if (!verdict.allowed) {
        const what = isIpLiteral(host) ? `the address ${address}` : `"${host.slice(0, 100)}" resolves to ${address}, which`
        throw refused(url, `${what} is ${verdict.reason}`)
      }
    }
  }
  return { url, addresses }
}

/**
 * Applies the policy to one URL without connecting: scheme, user info, and (unless private
 * targets are allowed) every address the host resolves to. Throws `UrlRefusedError` or
 * `NetworkError` (name did not resolve).
 */
export async function checkUrl(url: string, policy: UrlPolicy = {}): Promise<CheckedUrl> {
  return checkParsed(parseUrl(url), policy, normalizedOrigins(policy.trustedOrigins), false)
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' ? code.slice(0, 40) : err instanceof Error ? err.name : 'error'
}

/** Hands the connection exactly the addresses that were checked, never a fresh DNS answer. */
function pinnedLookup(addresses: readonly HostAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options === 'object' && options !== null ? options.family : undefined
    const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses
    const all = typeof options === 'object' && options !== null && options.all === true
    if (wanted.length === 0) {
      const err = Object.assign(new Error(`no checked address for ${hostname}`), { code: 'ENOTFOUND' })
      callback(err, all ? [] : '', 4)
      return
    }
    const first = wanted[0] as HostAddress
    if (all) (callback as unknown as (e: null, a: HostAddress[]) => void)(null, wanted.slice())
    else callback(null, first.address, first.family)
  }
}

/** Shared state of one fetch: timers, the abort signal and whatever is in flight. */
class FetchControl {
  #active: { destroy(err?: Error): void } | undefined
  #failure: Error | undefined
  #totalTimer: NodeJS.Timeout | undefined
  readonly #onAbort = () => this.fail(new AbortedError({ details: 'the download was aborted' }))
  #rejectFailed: (err: Error) => void = () => undefined
  /** Rejects with the failure (timeout, abort), for racing steps that hold no socket, like name resolution. */
  readonly failed = new Promise<never>((_, reject) => {
    this.#rejectFailed = reject
  })

  constructor(
    private readonly displayUrl: string,
    readonly totalTimeoutMs: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.failed.catch(() => undefined)
    if (signal?.aborted) throw new AbortedError({ details: 'the download was aborted' })
    signal?.addEventListener('abort', this.#onAbort, { once: true })
    this.#totalTimer = setTimeout(
      () => this.fail(new TransferTimeoutError({ url: this.displayUrl, phase: 'total', timeoutMs: totalTimeoutMs })),
      totalTimeoutMs,
    )
  }

  get failure(): Error | undefined {
    return this.#failure
  }

  track(active: { destroy(err?: Error): void }): void {
    this.#active = active
    if (this.#failure) active.destroy(this.#failure)
  }

  fail(err: Error): void {
    if (this.#failure) return
    this.#failure = err
    this.#rejectFailed(err)
    this.#active?.destroy(err)
  }

  finish(): void {
    clearTimeout(this.#totalTimer)
    this.signal?.removeEventListener('abort', this.#onAbort)
  }
}

function requestOnce(checked: CheckedUrl, control: FetchControl, connectTimeoutMs: number, headers: Record<string, string>): Promise<IncomingMessage> {
  const { url } = checked
  const display = redactUrl(url)
  const secure = url.protocol === 'https:'
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = (secure ? https : http).request({
      protocol: url.protocol,
      host,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { 'user-agent': 'soma-ts (storage)', accept: '*/*', ...headers },
      agent: false,
      lookup: pinnedLookup(checked.addresses),
      ...(secure && !isIpLiteral(host) ? { servername: host } : {}),
    })
    const connectTimer = setTimeout(
      () => req.destroy(new TransferTimeoutError({ url: display, phase: 'connect', timeoutMs: connectTimeoutMs })),
      connectTimeoutMs,
    )
    req.once('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer))
    })
    req.once('response', (res) => {
      clearTimeout(connectTimer)
      resolve(res)
    })
    req.once('error', (err) => {
      clearTimeout(connectTimer)
      reject(err instanceof BaseError ? err : new NetworkError({ url: display, details: `${errorCode(err)}: ${err.message.slice(0, 160)}` }))
    })
    control.track(req)
    req.end()
  })
}

async function openFile(url: URL, control: FetchControl): Promise<SafeResponse> {
  const display = redactUrl(url)
  let path: string
  try {
    path = fileURLToPath(url)
  } catch {
    throw refused(url, 'not a local file URL')
  }
  let size: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new NetworkError({ url: display, details: 'not a regular file' })
    size = info.size
  } catch (err) {
    if (err instanceof BaseError) throw err
    throw new NetworkError({ url: display, details: `cannot read the file (${errorCode(err)})` })
  }
  const body = createReadStream(path)
  control.track(body)
  return { url: url.href, status: 200, headers: {}, contentLength: size, body }
}

function contentLengthOf(headers: IncomingHttpHeaders): number | undefined {
  const text = headers['content-length']
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

function positiveMs(value: number | undefined, fallback: number, name: string): number {
  const ms = value ?? fallback
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError(`${name} must be a positive number of milliseconds.`, { details: `got ${String(ms)}` })
  return ms
}

/**
 * GETs `url` under the policy and returns the final response with its body unread. Non-2xx
 * answers are returned too (the caller decides); redirects are followed. Throws
 * `UrlRefusedError`, `TooManyRedirectsError`, `NetworkError`, `TransferTimeoutError` or
 * `AbortedError`.
 */
export async function safeFetch(url: string, options: SafeFetchOptions = {}): Promise<SafeResponse> {
  const maxRedirects = maxRedirectsOf(options)
  const trusted = normalizedOrigins(options.trustedOrigins)
  const connectTimeoutMs = positiveMs(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs')
  const totalTimeoutMs = positiveMs(options.totalTimeoutMs, DEFAULT_TOTAL_TIMEOUT_MS, 'totalTimeoutMs')
  let current = parseUrl(url)
  const control = new FetchControl(redactUrl(current), totalTimeoutMs, options.signal)
  const firstOrigin = current.origin
  try {
    for (let hop = 0; ; hop++) {
      const checked = await Promise.race([checkParsed(current, options, trusted, hop > 0), control.failed])
      if (checked.url.protocol === 'file:') {
        const response = await openFile(checked.url, control)
        response.body.once('close', () => control.finish())
        return response
      }
      const headers = current.origin === firstOrigin ? (options.headers ?? {}) : {}
      const res = await requestOnce(checked, control, connectTimeoutMs, headers)
      const status = res.statusCode ?? 0
      const location = res.headers.location
      if (REDIRECT_STATUSES.has(status) && typeof location === 'string') {
        res.destroy()
        if (hop >= maxRedirects) throw new TooManyRedirectsError({ url: redactUrl(url), limit: maxRedirects })
        try {
          current = new URL(location, current)
        } catch {
          throw refused(current, 'the redirect target is not a valid URL')
        }
        continue
      }
      control.track(res)
      res.once('close', () => control.finish())
      return { url: current.href, status, headers: res.headers, contentLength: contentLengthOf(res.headers), body: res }
    }
  } catch (err) {
    control.finish()
    throw err
  }
}

/** A `HttpStatusError` for a non-success answer, with the body discarded. */
export function statusError(response: SafeResponse): HttpStatusError {
  response.body.destroy()
  return new HttpStatusError({ url: redactUrl(response.url), status: response.status })
}
