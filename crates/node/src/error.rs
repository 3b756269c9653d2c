use napi::{Error, Status};
use soma_engine::EngineError;

/// Stable codes the TypeScript wrapper turns into typed error classes. The message is
/// sent as `CODE: text` so one string crosses the boundary intact.
pub fn code_of(err: &EngineError) -> &'static str {
  match err {
    EngineError::InvalidKeyLength { .. } => "SOMA_INVALID_KEY",
    EngineError::Io { .. } => "SOMA_IO",
    EngineError::CounterOverflow { .. } => "SOMA_INVALID_ARGUMENT",
    EngineError::InvalidArgument(_) => "SOMA_INVALID_ARGUMENT",
    EngineError::Cancelled => "SOMA_ABORTED",
    EngineError::Crypto(_) => "SOMA_INTERNAL",
    EngineError::InvalidWeights { .. } => "SOMA_INVALID_WEIGHTS",
    EngineError::ChecksumMismatch { .. } => "SOMA_CHECKSUM_MISMATCH",
    EngineError::EmptyData => "SOMA_EMPTY_DATA",
    EngineError::DataTooLarge { .. } => "SOMA_DATA_TOO_LARGE",
    EngineError::TargetDimension { .. } => "SOMA_INVALID_TARGET",
    EngineError::DeviceUnavailable { .. } => "SOMA_DEVICE_UNAVAILABLE",
    EngineError::Compute(_) => "SOMA_INTERNAL",
  }
}

pub fn to_napi(err: EngineError) -> Error {
  let status = match err {
    EngineError::InvalidKeyLength { .. }
    | EngineError::InvalidArgument(_)
    | EngineError::CounterOverflow { .. }
    | EngineError::InvalidWeights { .. }
    | EngineError::ChecksumMismatch { .. }
    | EngineError::EmptyData
    | EngineError::DataTooLarge { .. }
    | EngineError::TargetDimension { .. } => Status::InvalidArg,
    EngineError::Cancelled => Status::Cancelled,
    _ => Status::GenericFailure,
  };
  Error::new(status, format!("{}: {}", code_of(&err), err))
}

/// A panic in engine code must reach JavaScript as a rejected call, never abort the
/// process.
pub fn panic_to_napi(payload: Box<dyn std::any::Any + Send>) -> Error {
  let what = payload
    .downcast_ref::<&str>()
    .map(|s| s.to_string())
    .or_else(|| payload.downcast_ref::<String>().cloned())
    .unwrap_or_else(|| "unknown panic".to_string());
  Error::new(Status::GenericFailure, format!("SOMA_INTERNAL: internal error: {what}"))
}

pub fn guarded<T>(f: impl FnOnce() -> soma_engine::Result<T>) -> napi::Result<T> {
  match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
    Ok(result) => result.map_err(to_napi),
    Err(payload) => Err(panic_to_napi(payload)),
  }
}
