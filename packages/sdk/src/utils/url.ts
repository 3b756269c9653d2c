/**
 * URL handling, once: the text form the node stores for manifest URLs, and the endpoint form every
 * client (fullnode, side services) connects to.
 */
import { InvalidArgumentError, truncate } from '../errors/index.js'

/**
 * The URL text the node stores: WHATWG `href` (lower-case scheme and host, `/` for an empty path…),
 * which rust-url agrees with for the URLs manifests carry. `fail` lets a caller raise its own typed
 * error (the protobuf rebuild reports a field violation).
 */
export function normalizeUrl(url: string, fail?: (reason: string) => Error): string {
  try {
    return new URL(url).href
  } catch {
    const reason = `"${truncate(String(url), 80)}" is not an absolute URL`
    throw fail
      ? fail(reason)
      : new InvalidArgumentError(`${reason}.`, {
          hint: 'Manifest URLs must parse as absolute URLs (e.g. https://host/path); the node re-parses them.',
        })
  }
}

/**
 * An http(s) endpoint as clients dial it: `0.0.0.0` (how servers print "every interface") means this
 * machine, and the trailing slash goes. `example` shows up in the hint.
 */
export function normalizeEndpointUrl(url: string, example = 'http://127.0.0.1:9000'): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InvalidArgumentError(`"${truncate(String(url), 80)}" is not a URL.`, { hint: `Use e.g. ${example}.` })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`"${truncate(url, 80)}" is not an http(s) URL.`, {
      hint: 'gRPC endpoints are http:// (plaintext HTTP/2) or https:// (TLS).',
    })
  }
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1'
  return parsed
}

/** `normalizeEndpointUrl` as text, without the trailing slash. */
export function endpointHref(url: string, example?: string): string {
  return normalizeEndpointUrl(url, example).href.replace(/\/$/, '')
}
