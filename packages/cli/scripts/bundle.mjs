// Bundles the CLI (dist/main.js, as tsc emitted it, with the SDK and the local network it imports)
// into dist/bundle/, which bin/soma.js runs. Loading hundreds of ES modules one by one is most of a
// command's start-up on a slow machine (`soma --version` took 1.3 s of CPU, 0.25 s of it Node
// itself); a bundle takes well under half. What the CLI imports on first use (the native entry,
// the local network's servers) becomes a chunk of its own, loaded only then, so a missing native
// binding still fails only the commands that need it. Native code stays outside: @soma-ts/core
// (the addon and its generated loader) and better-sqlite3 load from node_modules as usual.
import { build } from 'esbuild'

await build({
  entryPoints: ['dist/main.js'],
  outdir: 'dist/bundle',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@soma-ts/core', '@soma-ts/core/*', 'better-sqlite3'],
  // Bundled CommonJS dependencies (grpc-js, the AWS SDK) call require() for Node built-ins.
  banner: { js: "import { createRequire as __somaCreateRequire } from 'node:module'; const require = __somaCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
