/**
 * Read masks as the node applies them: paths are snake_case proto names, a named message field
 * keeps all of it unless sub-paths are named, and (where the reference validates) an unknown path
 * is INVALID_ARGUMENT on `read_mask`.
 */
import type { DescMessage } from '@bufbuild/protobuf'

import { fieldViolationError } from './server.js'

export interface MaskTree {
  [field: string]: MaskTree
}

/** The tree of `paths` keyed by the generated (camelCase) field names; undefined = everything. */
export function maskTree(paths: readonly string[]): MaskTree | undefined {
  if (paths.length === 0 || paths.includes('*')) return undefined
  const root: MaskTree = {}
  for (const path of paths) {
    let node = root
    for (const part of path.split('.')) {
      const key = part.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
      node = node[key] ??= {}
    }
  }
  return root
}

/** Keeps the fields the mask names (a named message field keeps all of it unless sub-paths are named). */
export function applyMask<T extends object>(message: T, tree: MaskTree | undefined): T {
  if (tree === undefined || Object.keys(tree).length === 0) return message
  const out: Record<string, unknown> = { ...(message as Record<string, unknown>) }
  for (const key of Object.keys(out)) {
    if (key === '$typeName') continue
    const sub = tree[key]
    const value = out[key]
    if (sub === undefined) out[key] = Array.isArray(value) ? [] : isOneof(value) ? { case: undefined } : isMap(value) ? {} : undefined
    else if (Array.isArray(value)) out[key] = value.map((v) => (isMessage(v) ? applyMask(v, sub) : v))
    else if (isMessage(value)) out[key] = applyMask(value, sub)
  }
  return out as T
}

function isMessage(value: unknown): value is object {
  return typeof value === 'object' && value !== null && '$typeName' in value
}

function isOneof(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'case' in value && !('$typeName' in value)
}

function isMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !('$typeName' in value)
}

/** The request's mask, or `defaults` (comma-separated) when it names no paths. */
export function maskOf(readMask: { paths: string[] } | undefined, defaults: string): MaskTree | undefined {
  return maskTree(maskPaths(readMask, defaults))
}

export function maskPaths(readMask: { paths: string[] } | undefined, defaults: string): string[] {
  return readMask && readMask.paths.length > 0 ? readMask.paths : defaults.split(',')
}

/** `maskOf`, after checking every path names a field of `schema` (the reference's `validate::<T>()`). */
export function validatedMaskOf(readMask: { paths: string[] } | undefined, defaults: string, schema: DescMessage): MaskTree | undefined {
  const paths = maskPaths(readMask, defaults)
  for (const path of paths) {
    if (path !== '*' && !pathExists(schema, path.split('.'))) {
      throw fieldViolationError('read_mask', 'FIELD_INVALID', `invalid read_mask path: ${path}`)
    }
  }
  return maskTree(paths)
}

function pathExists(schema: DescMessage, parts: readonly string[]): boolean {
  const [head, ...rest] = parts
  const field = schema.fields.find((f) => f.name === head)
  if (field === undefined) return false
  if (rest.length === 0) return true
  if (field.fieldKind === 'message') return pathExists(field.message, rest)
  if (field.fieldKind === 'list' && field.listKind === 'message') return pathExists(field.message, rest)
  return false
}
