/**
 * The one run of `soma model download` and `soma target download`: fetch with a progress bar on
 * stderr, write the file, print the reference's result (JSON `{<kind>_id, output_path,
 * size_bytes}`, or its text block).
 */
import { writeFile } from 'node:fs/promises'

import { FileError } from '@soma-ts/sdk'

import type { CliContext } from './context.js'
import { print } from './output.js'
import { progressBar } from './progress.js'

/** What the SDK's fetch actions report: bytes received so far and the expected total. */
export type DownloadProgress = (progress: { transferred: number; total: number | undefined }) => void

const DOWNLOADS = {
  model: { title: 'Model Downloaded Successfully', idKey: 'model_id', idLabel: 'Model ID' },
  target: { title: 'Data Downloaded Successfully', idKey: 'target_id', idLabel: 'Target ID' },
} as const

/**
 * Runs `fetch` with a progress bar, writes what it returns to `output` and prints the result.
 *
 * @param ctx - the command's context (`--json`)
 * @param download - which command (`model` or `target`), the normalized id, the output path
 * @param fetch - the SDK download, given the progress callback to pass on
 * @throws {FileError} when the file cannot be written; the fetch's own errors pass through
 */
export async function downloadToFile(
  ctx: CliContext,
  download: { kind: keyof typeof DOWNLOADS; id: string; output: string },
  fetch: (onProgress: DownloadProgress) => Promise<Uint8Array>,
): Promise<void> {
  const { title, idKey, idLabel } = DOWNLOADS[download.kind]
  const { id, output } = download
  let bar: ReturnType<typeof progressBar> | undefined
  const data = await fetch((p) => {
    bar ??= progressBar('downloading', p.total ?? 0, { json: ctx.json })
    bar.update(p.transferred)
  })
  bar?.finish()
  try {
    await writeFile(output, data)
  } catch (cause) {
    throw new FileError(`Cannot write ${output}.`, { cause })
  }
  print({ json: ctx.json }, { [idKey]: id, output_path: output, size_bytes: data.length }, () =>
    [title, '', `${idLabel}: ${id}`, `Output: ${output}`, `Size: ${data.length} bytes`].join('\n'),
  )
}
