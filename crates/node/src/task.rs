//! The one way slow engine work reaches the libuv pool: a closure run once off the event
//! loop, with engine errors and panics turned into rejected promises.

use napi::bindgen_prelude::{AbortSignal, AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::guarded;

pub struct Work<T: Send + 'static> {
  job: Option<Box<dyn FnOnce() -> soma_engine::Result<T> + Send>>,
}

impl<T: Send + ToNapiValue + TypeName + 'static> Task for Work<T> {
  type Output = T;
  type JsValue = T;

  fn compute(&mut self) -> napi::Result<T> {
    match self.job.take() {
      Some(job) => guarded(job),
      None => Err(napi::Error::from_reason("SOMA_INTERNAL: task ran twice")),
    }
  }

  fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T> {
    Ok(output)
  }
}

/// Queues `job` on the libuv pool; an AbortSignal cancels it while it is still queued.
pub fn schedule<T: Send + ToNapiValue + TypeName + 'static>(
  signal: Option<AbortSignal>,
  job: impl FnOnce() -> soma_engine::Result<T> + Send + 'static,
) -> AsyncTask<Work<T>> {
  AsyncTask::with_optional_signal(Work { job: Some(Box::new(job)) }, signal)
}
