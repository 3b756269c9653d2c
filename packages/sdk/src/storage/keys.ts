/**
 * Object keys and printable URLs, shared by the S3 store, the local blob store (client and
 * server) and the downloader.
 */
import { truncate } from '../errors/base.js'
import { InvalidObjectKeyError } from './errors.js'

/**
 * Keys are deliberately narrow: they end up in URL paths (where `.`/`..` segments are folded away
 * by every URL parser) and, in the blob store, in file paths. This charset needs no escaping in
 * either place, so the key a caller gives is the key every party sees.
 */
const SEGMENT = /^[A-Za-z0-9._-]+$/
export const MAX_OBJECT_KEY_LENGTH = 1024
const MAX_SEGMENT_LENGTH = 255

/** Returns the key unchanged, or throws `InvalidObjectKeyError` saying what is wrong with it. */
export function validateObjectKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidObjectKeyError({ details: 'the key must be a non-empty string' })
  }
  if (key.length > MAX_OBJECT_KEY_LENGTH) {
    throw new InvalidObjectKeyError({ details: `the key has ${key.length} characters (at most ${MAX_OBJECT_KEY_LENGTH})` })
  }
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidObjectKeyError({ details: `"${truncate(key, 80)}" has an empty segment (leading, trailing or double '/')` })
    if (segment === '.' || segment === '..') throw new InvalidObjectKeyError({ details: `"${truncate(key, 80)}" has a '${segment}' segment` })
    if (segment.length > MAX_SEGMENT_LENGTH) throw new InvalidObjectKeyError({ details: `a segment is longer than ${MAX_SEGMENT_LENGTH} characters` })
    if (!SEGMENT.test(segment)) {
      throw new InvalidObjectKeyError({ details: `"${truncate(JSON.stringify(key), 80)}" has characters outside [A-Za-z0-9._-/]` })
    }
  }
  return key
}

/** Whether `key` passes `validateObjectKey`. */
export function isValidObjectKey(key: unknown): key is string {
  try {
    validateObjectKey(key)
    return true
  } catch {
    return false
  }
}

/**
 * A URL fit for messages: user info, query and fragment removed (signed URLs carry their
 * credentials in the query). Text that is not a URL is not echoed at all.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : new URL(url.href)
  } catch {
    return '<invalid URL>'
  }
  const hadQuery = parsed.search !== ''
  parsed.username = ''
  parsed.password = ''
  parsed.search = ''
  parsed.hash = ''
  const text = truncate(parsed.href, 200)
  return hadQuery ? `${text}?…` : text
}
