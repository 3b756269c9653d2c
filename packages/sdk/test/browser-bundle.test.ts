// The root entry is for browsers too: bundled with esbuild for `platform: 'browser'`, it must reach
// no Node builtin, not the native core (`@soma-ts/core`'s root, which loads the binding) and not the
// binding itself. Only the core's native-free modules (`@soma-ts/core/errors`, `/bytes`) may come in.
import { fileURLToPath } from 'node:url'

import { build, type Metafile } from 'esbuild'
import { describe, expect, it } from 'vitest'

const src = fileURLToPath(new URL('../src/', import.meta.url))

interface BundleResult {
  inputs: string[]
  errors: string[]
}

async function bundleForBrowser(entry: string): Promise<BundleResult> {
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    return { inputs: Object.keys((result.metafile as Metafile).inputs), errors: [] }
  } catch (err) {
    const errors = (err as { errors?: { text: string }[] }).errors?.map((e) => e.text) ?? [String(err)]
    return { inputs: [], errors }
  }
}

/** What must never be in a browser bundle. */
function forbidden(inputs: string[]): string[] {
  return inputs.filter(
    (path) =>
      path.startsWith('node:') ||
      /(^|\/)packages\/core\/(binding\.cjs|.*\.node$|dist\/(index|native|from-native|model)\.js$)/.test(path) ||
      /(^|\/)node_modules\/@soma-ts\/core\/(binding\.cjs|dist\/(index|native|from-native|model)\.js$)/.test(path) ||
      /@grpc\/grpc-js|@connectrpc\/connect-node/.test(path),
  )
}

describe('the browser bundle of @soma-ts/sdk', () => {
  it('builds for platform browser and reaches no node: builtin, native core or binding', async () => {
    const { inputs, errors } = await bundleForBrowser(`${src}index.ts`)
    expect(errors).toEqual([])
    expect(inputs.some((p) => p.endsWith('src/keys/keypair.ts'))).toBe(true)
    expect(inputs.some((p) => /core\/dist\/errors\.js$/.test(p))).toBe(true)
    expect(forbidden(inputs)).toEqual([])
  }, 60_000)

  it('the check catches the Node and native entries (it can fail)', async () => {
    const node = await bundleForBrowser(`${src}node.ts`)
    expect(node.errors.length + forbidden(node.inputs).length).toBeGreaterThan(0)
    const native = await bundleForBrowser(`${src}native.ts`)
    expect(native.errors.length + forbidden(native.inputs).length).toBeGreaterThan(0)
  }, 60_000)
})
