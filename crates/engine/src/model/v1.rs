//! The assembled V1 model: embedding, encoder, final norm and predictor.

use candle_core::{Device, Tensor};

use super::config::ModelConfig;
use super::layers::{CausalMask, Encoder, LayerNorm, Linear, Rotary};
use crate::error::{EngineError, Result};

/// A loaded V1 model: immutable, `Send + Sync`, shareable behind an `Arc`. Built by the
/// constructors of [`super::loading`].
#[derive(Clone, Debug)]
pub struct V1Model {
  pub(super) config: ModelConfig,
  pub(super) device: Device,
  pub embedding: Tensor,
  pub encoder: Encoder,
  pub final_norm: LayerNorm,
  pub predictor: Linear,
}

impl V1Model {
  pub fn config(&self) -> &ModelConfig {
    &self.config
  }

  pub fn device(&self) -> &Device {
    &self.device
  }

  /// Representations after the final norm, `[B, S, D]`, for `tokens` and `positions`
  /// given row-major as `[batch, seq]`.
  pub fn encode(&self, tokens: &[u32], positions: &[u32], batch: usize, seq: usize) -> Result<Tensor> {
    let c = &self.config;
    if tokens.len() != batch * seq {
      return Err(EngineError::Compute(format!("{} tokens for a {batch}x{seq} batch", tokens.len())));
    }
    if let Some(&bad) = tokens.iter().find(|&&t| t as usize >= c.vocab_size) {
      return Err(EngineError::InvalidArgument(format!("token id {bad} is outside the vocabulary")));
    }
    let ids = Tensor::from_slice(tokens, batch * seq, &self.device)?;
    let x = self.embedding.index_select(&ids, 0)?.reshape((batch, seq, c.embedding_dim))?;
    let rotary = Rotary::new(positions, batch, seq, c.head_dim(), c.max_wavelength, c.scale_factor, &self.device)?;
    let mask = CausalMask::new(seq, c.head_dim(), &self.device)?;
    let x = self.encoder.forward(&x, &rotary, &mask)?;
    self.final_norm.forward(&x)
  }

  /// Logits `[B, S, vocab]` from representations; the predictor is not tied to the embedding.
  pub fn predict(&self, representations: &Tensor) -> Result<Tensor> {
    self.predictor.forward(representations)
  }
}
