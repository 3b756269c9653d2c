import { stat } from 'node:fs/promises'

import { commitment, InvalidArgumentError, parseKey } from '@soma-ts/sdk'
import type { Command } from 'commander'

import { native } from '../native.js'
import { print } from '../output.js'
import { progressBar } from '../progress.js'

interface JsonFlag {
  json?: boolean
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}

/** `soma weights …`: prepare weights for a commit (encrypt, decrypt, commitment). */
export function registerWeights(program: Command): void {
  const weights = program
    .command('weights')
    .description('Prepare model weights: encrypt with AES-256-CTR, decrypt, compute commitments')

  weights
    .command('encrypt')
    .description('Encrypt a weights file in one streaming pass and print its key, checksum and size')
    .requiredOption('--input <path>', 'plaintext weights file (for example weights.safetensors)')
    .requiredOption('--output <path>', 'where to write the encrypted weights')
    .option('--key <base58>', 'use this 32-byte Base58 key instead of a fresh random one')
    .option('--json', 'print JSON')
    .action(async (opts: JsonFlag & { input: string; output: string; key?: string }) => {
      const { encryptWeightsFile } = await native()
      const bar = progressBar('encrypting', await sizeOf(opts.input), opts)
      const result = await encryptWeightsFile(opts.input, opts.output, {
        ...(opts.key === undefined ? {} : { key: opts.key }),
        onProgress: (n) => bar.update(n),
      })
      bar.finish()
      print(opts, { output: opts.output, decryptionKey: result.key, checksum: result.checksum, size: result.size }, () =>
        [
          `Encrypted ${opts.input} -> ${opts.output}`,
          `  decryption key : ${result.key}`,
          `  checksum       : ${result.checksum}   (= weights commitment)`,
          `  size           : ${result.size} bytes`,
          'Keep the decryption key secret until you reveal the model.',
        ].join('\n'),
      )
    })

  weights
    .command('decrypt')
    .description('Decrypt an encrypted weights file')
    .requiredOption('--input <path>', 'encrypted weights file')
    .requiredOption('--output <path>', 'where to write the plaintext')
    .requiredOption('--key <base58>', 'the 32-byte Base58 decryption key')
    .option('--json', 'print JSON')
    .action(async (opts: JsonFlag & { input: string; output: string; key: string }) => {
      const key = parseKey(opts.key)
      const { decryptWeightsFile } = await native()
      const bar = progressBar('decrypting', await sizeOf(opts.input), opts)
      const size = await decryptWeightsFile(opts.input, opts.output, key, { onProgress: (n) => bar.update(n) })
      bar.finish()
      print(opts, { output: opts.output, size }, () => `Decrypted ${opts.input} -> ${opts.output} (${size} bytes)`)
    })

  weights
    .command('commitment')
    .description('Blake2b-256 of a file or a string, in Base58 (checksums and commitments)')
    .argument('[file]', 'file to hash')
    .option('--text <string>', 'hash this UTF-8 string instead of a file')
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, opts: JsonFlag & { text?: string }) => {
      let value: string
      if (opts.text !== undefined) {
        value = commitment(new TextEncoder().encode(opts.text))
      } else if (file !== undefined) {
        const bar = progressBar('hashing', await sizeOf(file), opts)
        value = await (await native()).fileCommitment(file, { onProgress: (n) => bar.update(n) })
        bar.finish()
      } else {
        throw new InvalidArgumentError('Give a file or --text.', { hint: 'soma weights commitment weights.enc' })
      }
      print(opts, { commitment: value }, () => value)
    })

}
