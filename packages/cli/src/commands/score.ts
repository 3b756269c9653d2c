import { readFile, stat } from 'node:fs/promises'

import { FileError, InvalidArgumentError, InvalidDataError } from '@soma-ts/sdk'
import type { Model, ModelDevice } from '@soma-ts/sdk/native'
import type { Command } from 'commander'

import { native } from '../native.js'
import { print } from '../output.js'
import { progressBar } from '../progress.js'

interface ScoreFlags {
  data: string
  weights: string
  decryptionKey?: string
  targetEmbedding: string
  seed: string
  smallModel?: boolean
  device: string
  json?: boolean
}

function usage(message: string, hint: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { hint })
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

function parseTarget(text: string): number[] {
  const values = list(text).map(Number)
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw usage('--target-embedding must be comma-separated numbers.', 'Example: --target-embedding "0.1,-0.4,1.2"')
  }
  return values
}

function parseSeed(text: string): bigint {
  if (!/^\d+$/.test(text) || BigInt(text) >= 1n << 64n) {
    throw usage(`--seed must be an integer in [0, 2^64), got ${JSON.stringify(text)}.`, 'The audit uses --seed 0.')
  }
  return BigInt(text)
}

/** One key for every weights file, or one per file in the same order. */
function keysFor(weights: string[], keys: string | undefined): (string | undefined)[] {
  if (keys === undefined) return weights.map(() => undefined)
  const parsed = list(keys)
  if (parsed.length === 1) return weights.map(() => parsed[0])
  if (parsed.length !== weights.length) {
    throw usage(
      `Got ${parsed.length} decryption keys for ${weights.length} weights files.`,
      'Give one key for all files, or one per file in the same order as --weights.',
    )
  }
  return parsed
}

/** `soma score`: score a local data file against local (optionally encrypted) weights. */
export function registerScore(program: Command): void {
  program
    .command('score')
    .description('Score a local data file against local model weights, as the scoring service does')
    .requiredOption('--data <file>', 'the data to score (1 byte to 1 MiB)')
    .requiredOption('--weights <files>', 'safetensors weights, comma-separated for several models')
    .option('--decryption-key <base58>', 'AES-256 key of encrypted weights: one for all, or one per file (comma-separated)')
    .requiredOption('--target-embedding <floats>', 'the target embedding, comma-separated')
    .option('--seed <n>', 'SIGReg noise seed', '0')
    .option('--small-model', 'the local network small model (embedding dim 16) instead of V1')
    .option('--device <device>', 'cpu, cuda or metal', 'cpu')
    .option('--json', 'print JSON')
    .action(async (opts: ScoreFlags) => {
      const weights = list(opts.weights)
      if (weights.length === 0) throw usage('--weights needs at least one file.', 'soma score --weights model.safetensors ...')
      const keys = keysFor(weights, opts.decryptionKey)
      const target = parseTarget(opts.targetEmbedding)
      const seed = parseSeed(opts.seed)
      const device = opts.device as ModelDevice
      const config = opts.smallModel ? 'small' : 'v1'
      const { loadModel, MAX_DATA_SIZE, score } = await native()
      let data: Uint8Array
      try {
        // Refuse an oversized file before reading it (it may be gigabytes).
        const { size } = await stat(opts.data)
        if (size > MAX_DATA_SIZE) {
          throw new InvalidDataError('SOMA_DATA_TOO_LARGE', `data too large: ${size} bytes, the limit is ${MAX_DATA_SIZE} bytes`)
        }
        data = new Uint8Array(await readFile(opts.data))
      } catch (err) {
        if (err instanceof InvalidDataError) throw err
        throw new FileError(`Cannot read the data file ${opts.data}.`, { cause: err })
      }
      const models: Model[] = []
      for (const [i, path] of weights.entries()) {
        const key = keys[i]
        models.push(await loadModel(path, { config, device, ...(key === undefined ? {} : { decryptionKey: key }) }))
      }
      let bar: ReturnType<typeof progressBar> | undefined
      const result = await score({
        data,
        models,
        targetEmbedding: target,
        seed,
        onProgress: (p) => {
          bar ??= progressBar('scoring', p.batchesTotal, { ...opts, unit: 'items' })
          bar.update(p.batchesDone)
        },
      })
      bar?.finish()
      // The reference's ScoreResult: loss_score and distance are one-element lists.
      const out = {
        winner: result.winner,
        loss_score: [result.loss],
        embedding: Array.from(result.embedding),
        distance: [result.distance],
      }
      print(opts, out, () =>
        [
          `winner     : ${out.winner} (${weights[out.winner]})`,
          `loss_score : ${result.loss}`,
          `distance   : ${result.distance}`,
          `embedding  : [${out.embedding.join(', ')}]`,
          ...(models.length > 1 ? result.models.map((m, i) => `  model ${i} loss ${m.loss}  (${weights[i]})`) : []),
        ].join('\n'),
      )
    })
}
