//! Cancellation and progress for long native work. An `AbortSignal` sets a flag that
//! the work checks between chunks; progress is forwarded to an optional JS callback
//! through a thread-safe function, never blocking the worker thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::{AbortSignal, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use soma_engine::EngineError;

/// `(processed: number) => void`, called from the worker thread.
pub type ProgressFn = ThreadsafeFunction<f64, Unknown<'static>, f64, Status, false>;

pub struct Control {
  cancelled: Arc<AtomicBool>,
  progress: Option<ProgressFn>,
}

impl Control {
  pub fn new(signal: Option<&AbortSignal>, progress: Option<ProgressFn>) -> Self {
    let cancelled = Arc::new(AtomicBool::new(false));
    if let Some(signal) = signal {
      let flag = cancelled.clone();
      signal.on_abort(move || flag.store(true, Ordering::SeqCst));
    }
    Self { cancelled, progress }
  }

  /// Checks for cancellation and reports progress; the engine calls it between chunks.
  pub fn tick(&self, processed: u64) -> soma_engine::Result<()> {
    if self.cancelled.load(Ordering::SeqCst) {
      return Err(EngineError::Cancelled);
    }
    if let Some(progress) = &self.progress {
      progress.call(processed as f64, ThreadsafeFunctionCallMode::NonBlocking);
    }
    Ok(())
  }
}
