/**
 * A `.env` reader that returns the variables instead of writing them into `process.env`, so
 * loading storage settings never changes the environment of the rest of the process.
 *
 * The format is the common subset: `KEY=value` lines, an optional `export ` prefix, `#` comment
 * lines and trailing ` #` comments on unquoted values, single quotes (literal) and double quotes
 * (with `\n`, `\t`, `\"` and `\\` escapes). No variable expansion, no multi-line values.
 */
import { readFileSync } from 'node:fs'

import { StorageConfigError } from './errors.js'

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/

function unquote(raw: string, lineNo: number, path: string): string {
  const quote = raw[0]
  if (quote === "'" || quote === '"') {
    const end = raw.indexOf(quote, 1)
    let close = end
    if (quote === '"') {
      close = -1
      for (let i = 1; i < raw.length; i++) {
        if (raw[i] === '\\') i++
        else if (raw[i] === '"') {
          close = i
          break
        }
      }
    }
    const rest = close === -1 ? '' : raw.slice(close + 1).trim()
    if (close === -1 || (rest !== '' && !rest.startsWith('#'))) {
      // The line number only: the value may be a secret.
      throw new StorageConfigError(`Line ${lineNo} of ${path} has an unterminated or malformed quoted value.`)
    }
    const body = raw.slice(1, close)
    if (quote === "'") return body
    return body.replace(/\\(["\\nrt])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c as 'n'] ?? c)
  }
  const comment = raw.search(/\s#/)
  return (comment === -1 ? raw : raw.slice(0, comment)).trim()
}

/** Parses `.env` text; `path` only names the file in errors. */
export function parseDotEnv(text: string, path = '.env'): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((line, index) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const match = LINE.exec(line)
    if (!match) throw new StorageConfigError(`Line ${index + 1} of ${path} is not KEY=value.`)
    out[match[1] as string] = unquote(match[2] as string, index + 1, path)
  })
  return out
}

/** The variables of a `.env` file, or none when the file does not exist. */
export function readDotEnv(path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new StorageConfigError(`Cannot read ${path}.`, { details: (err as NodeJS.ErrnoException).code ?? 'read error' })
  }
  return parseDotEnv(text, path)
}
