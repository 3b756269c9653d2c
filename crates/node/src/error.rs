//! The one list of error codes that cross to JavaScript, and the mapping from engine
//! errors onto it. A JS error gets the code in `.code` and the plain text in `.message`.

use napi::bindgen_prelude::{JsError, Unknown};
use napi::Env;
use napi_derive::napi;
use soma_engine::EngineError;

/// Every code a native call can fail with (`err.code` in JavaScript).
/// The `Soma` prefix is part of each code's text (`SOMA_…`), so it stays on every name.
#[napi(string_enum = "UPPER_SNAKE")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub enum ErrorCode {
  SomaInvalidKey,
  SomaInvalidArgument,
  SomaIo,
  SomaAborted,
  SomaInternal,
  SomaInvalidWeights,
  SomaChecksumMismatch,
  SomaEmptyData,
  SomaDataTooLarge,
  SomaInvalidTarget,
  SomaDeviceUnavailable,
  SomaModelTooLarge,
}

impl ErrorCode {
  /// The code's text, derived from the variant name the way napi's `UPPER_SNAKE` does
  /// (`SomaInvalidKey` is `SOMA_INVALID_KEY`), so the names are written only once.
  pub fn text(self) -> String {
    let name = format!("{self:?}");
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
      if c.is_ascii_uppercase() && i > 0 {
        out.push('_');
      }
      out.push(c.to_ascii_uppercase());
    }
    out
  }

  pub fn of(err: &EngineError) -> Self {
    match err {
      EngineError::InvalidKeyLength { .. } | EngineError::InvalidBlsSecretKey { .. } => ErrorCode::SomaInvalidKey,
      EngineError::Io { .. } => ErrorCode::SomaIo,
      EngineError::CounterOverflow { .. } | EngineError::InvalidArgument(_) => ErrorCode::SomaInvalidArgument,
      EngineError::Cancelled => ErrorCode::SomaAborted,
      EngineError::Crypto(_) | EngineError::Compute(_) => ErrorCode::SomaInternal,
      EngineError::InvalidWeights { .. } => ErrorCode::SomaInvalidWeights,
      EngineError::ChecksumMismatch { .. } => ErrorCode::SomaChecksumMismatch,
      EngineError::EmptyData => ErrorCode::SomaEmptyData,
      EngineError::DataTooLarge { .. } => ErrorCode::SomaDataTooLarge,
      EngineError::TargetDimension { .. } | EngineError::InvalidTarget(_) => ErrorCode::SomaInvalidTarget,
      EngineError::DeviceUnavailable { .. } => ErrorCode::SomaDeviceUnavailable,
      EngineError::ModelTooLarge { .. } => ErrorCode::SomaModelTooLarge,
    }
  }
}

/// A failure on its way to JavaScript: the code (as napi's error status, which napi puts
/// in `.code`) and the message.
pub type Error = napi::Error<String>;
pub type Result<T> = std::result::Result<T, Error>;

pub fn error(code: ErrorCode, message: impl Into<String>) -> Error {
  napi::Error::new(code.text(), message.into())
}

pub fn invalid(message: impl Into<String>) -> Error {
  error(ErrorCode::SomaInvalidArgument, message)
}

pub fn to_napi(err: EngineError) -> Error {
  error(ErrorCode::of(&err), err.to_string())
}

/// A panic in engine code must reach JavaScript as a failed call, never abort the process.
pub fn panic_to_napi(payload: Box<dyn std::any::Any + Send>) -> Error {
  let what = payload
    .downcast_ref::<&str>()
    .map(|s| s.to_string())
    .or_else(|| payload.downcast_ref::<String>().cloned())
    .unwrap_or_else(|| "unknown panic".to_string());
  error(ErrorCode::SomaInternal, format!("internal error: {what}"))
}

pub fn guarded<T>(f: impl FnOnce() -> soma_engine::Result<T>) -> Result<T> {
  match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
    Ok(result) => result.map_err(to_napi),
    Err(payload) => Err(panic_to_napi(payload)),
  }
}

/// The JS error object for `err`, as a napi error that rejects with exactly that object
/// (an async task's rejection otherwise carries only napi's own status codes).
pub fn into_js(env: Env, err: Error) -> napi::Error {
  let value: Unknown<'_> = JsError::from(err).into_unknown(env);
  napi::Error::from(value)
}
