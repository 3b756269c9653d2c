/**
 * A progress bar on stderr for long work. It draws only on an interactive terminal and
 * never with `--json`, so piped and machine-read output stays clean.
 */
export interface ProgressBar {
  update(done: number): void
  finish(): void
}

const WIDTH = 30

function human(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}

export function progressBar(label: string, total: number, options: { json?: boolean; unit?: 'bytes' | 'items' } = {}): ProgressBar {
  const enabled = !options.json && process.stderr.isTTY === true && total > 0
  const fmt = options.unit === 'items' ? (n: number) => String(n) : human
  const started = Date.now()
  let last = 0
  const draw = (done: number) => {
    const ratio = Math.min(1, done / total)
    const filled = Math.round(ratio * WIDTH)
    const secs = (Date.now() - started) / 1000
    const rate = secs > 0 && options.unit !== 'items' ? ` ${human(done / secs)}/s` : ''
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${fmt(done)}/${fmt(total)}${rate}  `,
    )
  }
  return {
    update(done) {
      if (!enabled) return
      const now = Date.now()
      if (now - last < 100 && done < total) return
      last = now
      draw(done)
    },
    finish() {
      if (!enabled) return
      draw(total)
      process.stderr.write('\n')
    },
  }
}
