#![deny(clippy::all)]
//! napi glue only: argument conversion, task scheduling and error mapping. All logic
//! lives in `soma-engine`.

mod bytes;
mod control;
mod crypto;
mod error;
mod model;
mod task;
