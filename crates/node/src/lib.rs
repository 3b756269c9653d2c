#![deny(clippy::all)]
// napi-derive leaves out the registration of exports in test builds, so there every
// export looks unused.
#![cfg_attr(test, allow(dead_code))]
//! napi glue only: argument conversion, task scheduling and error mapping. All logic
//! lives in `soma-engine`.

mod bytes;
mod control;
mod crypto;
mod error;
mod model;
mod task;
