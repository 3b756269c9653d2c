//! soma-engine: the pure-Rust core of soma-ts.
//!
//! Everything numeric or cryptographic lives here so it can be tested with `cargo test`
//! without Node. The napi glue in `crates/node` only converts types and schedules work.

pub mod crypto;
pub mod error;

pub use error::{EngineError, Result};
