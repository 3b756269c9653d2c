/** Resolves on the first SIGINT or SIGTERM (Ctrl+C, `kill`), then stops listening for both. */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = () => {
      process.off('SIGINT', shutdown)
      process.off('SIGTERM', shutdown)
      resolve()
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
  })
}
