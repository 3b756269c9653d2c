//! soma-engine: the pure-Rust core of soma-ts.
//!
//! Everything numeric or cryptographic lives here so it can be tested with `cargo test`
//! without Node. The napi glue in `crates/node` only converts types and schedules work.

pub mod crypto;
pub mod device;
pub mod error;
pub mod model;
pub mod pool;
pub mod rng;
pub mod score;

pub use error::{EngineError, Result};

/// The tensor library the model runs on, re-exported so callers build tensors with the same version.
pub use candle_core;
