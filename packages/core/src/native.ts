import { createRequire } from 'node:module'

import { NativeBindingError } from './errors.js'

// The generated loader (binding.cjs, committed) tries the local build first and then
// the platform package `@soma-ts/core-<platform>`; it throws with every failed attempt
// chained through `cause`. We flatten that chain into one readable error.
type Binding = typeof import('../binding.cjs')

function attempts(err: unknown): string[] {
  const out: string[] = []
  let current: unknown = err
  for (let depth = 0; current && depth < 16; depth++) {
    if (current instanceof Error) {
      out.push(current.message.split('\n')[0] ?? current.message)
      current = current.cause
    } else {
      out.push(String(current))
      break
    }
  }
  return out
}

function load(): Binding {
  const require = createRequire(import.meta.url)
  try {
    return require('../binding.cjs') as Binding
  } catch (err) {
    const tried = attempts(err)
    // The loader knows the exact package for this platform (libc and ABI included);
    // name it rather than guess.
    const wanted = tried
      .map((line) => /Cannot find module '(@soma-ts\/core-(?!wasm32)[^']+)'/.exec(line)?.[1])
      .find((name) => name !== undefined)
    const install = wanted ?? `@soma-ts/core-${process.platform}-${process.arch}-<abi>`
    throw new NativeBindingError(`Could not load the soma-ts native binding for ${process.platform}-${process.arch}.`, {
      details: tried.map((line, i) => `\n  ${i + 1}. ${line}`).join(''),
      hint: `Install the platform package (npm i ${install}), or build it from source with \`pnpm --filter @soma-ts/core build\` (needs a Rust toolchain).`,
      cause: err,
    })
  }
}

export const native: Binding = load()
