//! The V1 byte transformer on candle, f32 end to end.
//!
//! Every op follows the reference (burn 0.19, NdArray back end) in the order it applies
//! them, because the chain compares scores to about 1e-5: pre-norm blocks, a two-pass
//! LayerNorm with the epsilon inside the square root, half-rotation RoPE at global byte
//! positions with the angle divided (not multiplied by a reciprocal), scores divided by
//! sqrt(head_dim) and *then* replaced by -1e4 above the diagonal, erf GELU, and Linear
//! weights stored `[in, out]`. The model is immutable once built, so one `Arc<V1Model>`
//! can serve any number of concurrent scoring calls.
//!
//! - [`config`]: hyper-parameters, their validation and memory budget;
//! - [`layers`]: the building blocks; [`kernels`]: their CPU implementations;
//! - [`loading`]: weights (plain or encrypted, file or bytes) to a model, lazily and
//!   straight onto the target device;
//! - [`test_weights`]: the reference tests' weights recipe.

pub mod config;
pub(crate) mod kernels;
pub mod layers;
pub mod loading;
pub mod test_weights;
mod v1;

pub use config::{MemoryEstimate, ModelConfig, MAX_MODEL_BYTES, MAX_SEQ_LEN};
pub use layers::{
  Attention, CausalMask, Encoder, Layer, LayerNorm, Linear, PositionWiseFeedForward, Rotary, LAYER_NORM_EPS, MASK_FILL,
};
pub use loading::Weights;
pub use test_weights::reference_test_weights;
pub use v1::V1Model;

/// Token id of the padding after the end of the data.
pub const PAD_TOKEN_ID: u32 = 256;
/// Token id that marks the end of the data in the final chunk.
pub const EOS_TOKEN_ID: u32 = 257;
