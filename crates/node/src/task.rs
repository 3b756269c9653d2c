//! The one way slow engine work reaches the libuv pool: a closure run once off the event
//! loop, with engine errors and panics turned into rejected promises whose `.code` is the
//! error's code. Model work runs inside the engine's thread pool.

use napi::bindgen_prelude::{AbortSignal, AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Status, Task};

use crate::error::{error, guarded, into_js, Error, ErrorCode};

type Job<T> = Box<dyn FnOnce() -> soma_engine::Result<T> + Send>;

pub struct Work<T: Send + 'static> {
  job: Option<Job<T>>,
  /// Why `compute` failed, kept for `reject` (which runs on the JS thread and can build
  /// the JS error with our code).
  failure: Option<Error>,
}

impl<T: Send + ToNapiValue + TypeName + 'static> Task for Work<T> {
  type Output = T;
  type JsValue = T;

  fn compute(&mut self) -> napi::Result<T> {
    let result = match self.job.take() {
      Some(job) => guarded(job),
      None => Err(error(ErrorCode::SomaInternal, "task ran twice")),
    };
    result.map_err(|err| {
      let message = err.reason.clone();
      self.failure = Some(err);
      napi::Error::new(Status::GenericFailure, message)
    })
  }

  fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T> {
    Ok(output)
  }

  fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<T> {
    let failure = self.failure.take().unwrap_or_else(|| error(ErrorCode::SomaInternal, err.reason.clone()));
    Err(into_js(env, failure))
  }
}

/// Queues `job` on the libuv pool; an AbortSignal cancels it while it is still queued.
pub fn schedule<T: Send + ToNapiValue + TypeName + 'static>(
  signal: Option<AbortSignal>,
  job: impl FnOnce() -> soma_engine::Result<T> + Send + 'static,
) -> AsyncTask<Work<T>> {
  AsyncTask::with_optional_signal(Work { job: Some(Box::new(job)), failure: None }, signal)
}

/// `schedule` for work that fans out over the CPU: it runs inside the engine's one
/// thread pool, which concurrent calls share.
pub fn schedule_on_pool<T: Send + ToNapiValue + TypeName + 'static>(
  signal: Option<AbortSignal>,
  job: impl FnOnce() -> soma_engine::Result<T> + Send + 'static,
) -> AsyncTask<Work<T>> {
  schedule(signal, move || soma_engine::pool::install(job))
}
