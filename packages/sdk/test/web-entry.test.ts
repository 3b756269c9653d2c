// The browser entry must not reach Node-only modules, or bundlers fail on it.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

const src = fileURLToPath(new URL('../src/', import.meta.url))
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g

/** Every bare (package or node:) specifier reachable from `entry` through relative imports. */
function reachablePackages(entry: string): Set<string> {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const stack = [entry]
  while (stack.length > 0) {
    const file = stack.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!
      if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      else packages.add(spec)
    }
  }
  return packages
}

describe('the gRPC-Web client (src/rpc/web.ts)', () => {
  it('imports only browser-safe packages', () => {
    const packages = [...reachablePackages(join(src, 'rpc', 'web.ts'))].sort()
    expect(packages).toContain('@connectrpc/connect-web')
    expect(packages).toContain('@bufbuild/protobuf')
    expect(packages).toContain('@connectrpc/connect')
    for (const p of packages) {
      expect(p.startsWith('node:'), p).toBe(false)
      expect(['@connectrpc/connect-node', '@grpc/grpc-js', '@soma-ts/core'], p).not.toContain(p)
    }
  })
})
