//! The one thread pool all CPU work of the engine runs on.
//!
//! Every scoring call enters it with [`install`]; inside, our kernels split their work as
//! rayon tasks and gemm's `Parallelism::Rayon` runs on the same pool, so two concurrent
//! calls share its threads instead of each starting one thread per core. Results never
//! depend on the number of threads: work is split into independent rows or heads, and
//! every sum is taken in a fixed order after the parallel part.

use std::sync::{Arc, RwLock};

use crate::error::{EngineError, Result};

/// Most threads the pool may be given; far above any machine's cores, low enough that a
/// typo (2^32 - 1) cannot try to start billions of threads.
pub const MAX_THREADS: usize = 1024;

static POOL: RwLock<Option<Arc<rayon::ThreadPool>>> = RwLock::new(None);

/// The machine's logical cores (the default size of the pool).
pub fn default_threads() -> usize {
  std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn build(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
  rayon::ThreadPoolBuilder::new()
    .num_threads(threads)
    .thread_name(|i| format!("soma-engine-{i}"))
    .build()
    .map(Arc::new)
    .map_err(|e| EngineError::Compute(format!("could not start the thread pool: {e}")))
}

/// The current pool, started at the default size on first use.
fn current() -> Result<Arc<rayon::ThreadPool>> {
  if let Some(pool) = POOL.read().map_err(|_| poisoned())?.as_ref() {
    return Ok(pool.clone());
  }
  let mut slot = POOL.write().map_err(|_| poisoned())?;
  match slot.as_ref() {
    Some(pool) => Ok(pool.clone()),
    None => {
      let pool = build(default_threads())?;
      *slot = Some(pool.clone());
      Ok(pool)
    }
  }
}

fn poisoned() -> EngineError {
  EngineError::Compute("the thread pool lock was poisoned by a panic".into())
}

/// Resizes the pool to `threads` (1 to [`MAX_THREADS`]). Calls already running finish
/// on the pool they started on; later calls use the new one.
pub fn set_threads(threads: usize) -> Result<()> {
  if threads == 0 || threads > MAX_THREADS {
    return Err(EngineError::InvalidArgument(format!("threads must be 1 to {MAX_THREADS}, got {threads}")));
  }
  let pool = build(threads)?;
  *POOL.write().map_err(|_| poisoned())? = Some(pool);
  Ok(())
}

/// Threads of the pool new calls run on.
pub fn threads() -> Result<usize> {
  Ok(current()?.current_num_threads())
}

/// Runs `work` on the pool; the calling thread waits for it.
pub fn install<T: Send>(work: impl FnOnce() -> Result<T> + Send) -> Result<T> {
  current()?.install(work)
}

/// Runs `work` on a pool of exactly `threads` threads of its own, for tests that compare
/// thread counts without touching the shared pool.
pub fn install_with<T: Send>(threads: usize, work: impl FnOnce() -> Result<T> + Send) -> Result<T> {
  if threads == 0 || threads > MAX_THREADS {
    return Err(EngineError::InvalidArgument(format!("threads must be 1 to {MAX_THREADS}, got {threads}")));
  }
  build(threads)?.install(work)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn thread_counts_are_bounded() {
    assert!(matches!(set_threads(0), Err(EngineError::InvalidArgument(_))));
    assert!(matches!(set_threads(MAX_THREADS + 1), Err(EngineError::InvalidArgument(_))));
    assert_eq!(install_with(3, || Ok(rayon::current_num_threads())).unwrap(), 3);
  }
}
