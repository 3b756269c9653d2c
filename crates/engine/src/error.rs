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

  /// A BLS12-381 secret key that is not a 32-byte scalar from 1 to the group order minus
  /// one. `index` is its position in the list the caller passed.
  #[error("invalid BLS secret key at index {index}: {reason}")]
  InvalidBlsSecretKey { index: usize, reason: String },

  #[error("invalid argument: {0}")]
  InvalidArgument(String),

  #[error("crypto failure: {0}")]
  Crypto(&'static str),

  #[error("cancelled")]
  Cancelled,

  /// The weights are not a V1 safetensors file of the expected shape. After decryption
  /// this is what a wrong key looks like: the plaintext is noise.
  #[error("invalid weights: {reason}")]
  InvalidWeights { reason: String },

  #[error("checksum mismatch: expected {expected}, got {actual}")]
  ChecksumMismatch { expected: String, actual: String },

  #[error("empty data: there is nothing to score")]
  EmptyData,

  #[error("data too large: {size} bytes, the limit is {max} bytes")]
  DataTooLarge { size: usize, max: usize },

  #[error("target embedding has {actual} values, the model's embedding dimension is {expected}")]
  TargetDimension { expected: usize, actual: usize },

  /// A target no distance can be computed against (a NaN, an infinity, all zeros).
  #[error("invalid target embedding: {0}")]
  InvalidTarget(String),

  /// The config needs more memory than the engine allows; refused before allocating.
  #[error(
    "model too large: it needs {} of weights and {} of activations per batch, the limit is {}",
    gib(*parameters),
    gib(*activations),
    gib(*max)
  )]
  ModelTooLarge { parameters: u64, activations: u64, max: u64 },

  #[error("device {device} is not available: {reason}")]
  DeviceUnavailable { device: String, reason: String },

  /// A failure inside the tensor library that no input should be able to cause.
  #[error("model computation failed: {0}")]
  Compute(String),
}

fn gib(bytes: u64) -> String {
  format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
  pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
    EngineError::Io { op, path: path.into(), source }
  }
}

impl From<candle_core::Error> for EngineError {
  fn from(err: candle_core::Error) -> Self {
    EngineError::Compute(err.to_string())
  }
}
