use std::path::PathBuf;

/// Every failure the engine reports. Messages are short and carry no secret material
/// (keys are never formatted into an error).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
  #[error("invalid key: expected {expected} bytes, got {actual}")]
  InvalidKeyLength { expected: usize, actual: usize },

  #[error("{op} failed for {path}: {source}")]
  Io {
    op: &'static str,
    path: PathBuf,
    #[source]
    source: std::io::Error,
  },

  #[error("counter overflow: the AES-256-CTR keystream offset {offset} is out of range")]
  CounterOverflow { offset: u128 },

  #[error("invalid argument: {0}")]
  InvalidArgument(String),

  #[error("cancelled")]
  Cancelled,
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
  pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
    EngineError::Io { op, path: path.into(), source }
  }
}
