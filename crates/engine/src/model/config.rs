//! The model's hyper-parameters, their validation and the memory they need.

use crate::error::{EngineError, Result};

/// Longest chunk a config may ask for (V1 uses 1024).
pub const MAX_SEQ_LEN: usize = 8192;

/// Most memory one model may need, weights and one batch's activations together: 32 GiB.
/// V1 needs about 7.2 GiB. The budget is checked before anything is allocated, because a
/// failed allocation inside the tensor library aborts the process instead of failing.
pub const MAX_MODEL_BYTES: u64 = 32 << 30;

/// The hyper-parameters that vary between the real V1, the local network's small model
/// and test models. Everything else (vocabulary layout, RoPE base, SIGReg) is V1's.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
  pub embedding_dim: usize,
  pub num_layers: usize,
  pub num_heads: usize,
  pub pwff_hidden_dim: usize,
  pub vocab_size: usize,
  /// Bytes per chunk (sequence length) when scoring.
  pub max_seq_len: usize,
  /// Chunks per batch when scoring.
  pub batch_size: usize,
  pub max_wavelength: f32,
  pub scale_factor: f32,
}

/// What a config needs in memory, in bytes of f32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryEstimate {
  /// The weights.
  pub parameters: u64,
  /// The largest set of buffers alive at once while one batch is scored.
  pub activations: u64,
}

impl MemoryEstimate {
  pub fn total(&self) -> u64 {
    self.parameters.saturating_add(self.activations)
  }
}

impl ModelConfig {
  /// The network's model: d=2048, 24 layers, 8 heads, FFN 8192, 1.21 B parameters.
  pub fn v1() -> Self {
    Self {
      embedding_dim: 2048,
      num_layers: 24,
      num_heads: 8,
      pwff_hidden_dim: 8192,
      vocab_size: 264,
      max_seq_len: 1024,
      batch_size: 16,
      max_wavelength: 10_000.0,
      scale_factor: 1.0,
    }
  }

  /// The local network's `--small-model`: d=16, 2 layers, 4 heads, FFN 32.
  pub fn small() -> Self {
    Self { embedding_dim: 16, num_layers: 2, num_heads: 4, pwff_hidden_dim: 32, ..Self::v1() }
  }

  pub fn head_dim(&self) -> usize {
    self.embedding_dim / self.num_heads.max(1)
  }

  /// Checks the shape rules and then the memory budget ([`MAX_MODEL_BYTES`]).
  pub fn validate(&self) -> Result<()> {
    self.validate_shape()?;
    let need = self.memory_estimate();
    if need.total() > MAX_MODEL_BYTES {
      return Err(EngineError::ModelTooLarge {
        parameters: need.parameters,
        activations: need.activations,
        max: MAX_MODEL_BYTES,
      });
    }
    Ok(())
  }

  fn validate_shape(&self) -> Result<()> {
    let bad = |why: String| Err(EngineError::InvalidArgument(format!("invalid model config: {why}")));
    if self.embedding_dim == 0 || self.num_heads == 0 || self.pwff_hidden_dim == 0 {
      return bad("dimensions must be positive".into());
    }
    if !self.embedding_dim.is_multiple_of(self.num_heads) {
      return bad(format!("embedding_dim {} is not a multiple of num_heads {}", self.embedding_dim, self.num_heads));
    }
    if !self.head_dim().is_multiple_of(2) {
      return bad(format!("head_dim {} must be even for RoPE", self.head_dim()));
    }
    if self.vocab_size == 0 {
      return bad("vocab_size must be positive".into());
    }
    if self.max_seq_len == 0 || self.batch_size == 0 {
      return bad("max_seq_len and batch_size must be positive".into());
    }
    // Bounds far above V1 (seq 1024, batch 16, d 2048, FFN 8192, 24 layers) that keep
    // every size product inside u64 for the memory estimate.
    for (name, value, max) in [
      ("max_seq_len", self.max_seq_len, MAX_SEQ_LEN),
      ("batch_size", self.batch_size, 1024),
      ("embedding_dim", self.embedding_dim, 1 << 16),
      ("pwff_hidden_dim", self.pwff_hidden_dim, 1 << 18),
      ("num_layers", self.num_layers, 1024),
      ("vocab_size", self.vocab_size, 1 << 16),
    ] {
      if value > max {
        return bad(format!("{name} {value} is above the supported maximum {max}"));
      }
    }
    if self.scale_factor.is_nan() || self.scale_factor < 1.0 {
      return bad(format!("RoPE scale_factor must be >= 1.0, got {}", self.scale_factor));
    }
    Ok(())
  }

  /// Bytes of weights and of one batch's activations. Within the shape bounds of
  /// `validate` every product fits in a u64 (at most about 2^60).
  pub fn memory_estimate(&self) -> MemoryEstimate {
    let f32_bytes = 4u64;
    let (d, h, v) = (self.embedding_dim as u64, self.pwff_hidden_dim as u64, self.vocab_size as u64);
    let (s, b, l) = (self.max_seq_len as u64, self.batch_size as u64, self.num_layers as u64);
    let per_layer = 4 * d * d + 4 * d + 2 * d * h + h + d + 4 * d;
    let parameters = (v * d + l * per_layer + 2 * d + d * v + v) * f32_bytes;
    let rows = b * s;
    // Alive together at the peak of a layer: the residual stream and its normed copy,
    // q/k/v and their host copies, the context, the hidden FFN buffer twice (host and
    // tensor), the logits twice, the [S, S] mask tables, RoPE tables and SIGReg's
    // projection of every position on 256 slices.
    let activations = (rows * (12 * d + 2 * h + 2 * v + 2 * 256) + 2 * s * s + rows * d + 2 * d * 256) * f32_bytes;
    MemoryEstimate { parameters, activations }
  }

  /// Every tensor name of the reference safetensors layout with its shape.
  pub fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
    let (d, h, v) = (self.embedding_dim, self.pwff_hidden_dim, self.vocab_size);
    let mut out = vec![("embedding.weight".to_string(), vec![v, d])];
    for l in 0..self.num_layers {
      let p = format!("encoder.layers.{l}");
      for (name, shape) in [
        ("norm_1.gamma", vec![d]),
        ("norm_1.beta", vec![d]),
        ("attention.query.weight", vec![d, d]),
        ("attention.query.bias", vec![d]),
        ("attention.key.weight", vec![d, d]),
        ("attention.key.bias", vec![d]),
        ("attention.value.weight", vec![d, d]),
        ("attention.value.bias", vec![d]),
        ("attention.output.weight", vec![d, d]),
        ("attention.output.bias", vec![d]),
        ("norm_2.gamma", vec![d]),
        ("norm_2.beta", vec![d]),
        ("pwff.linear_inner.weight", vec![d, h]),
        ("pwff.linear_inner.bias", vec![h]),
        ("pwff.linear_outer.weight", vec![h, d]),
        ("pwff.linear_outer.bias", vec![d]),
      ] {
        out.push((format!("{p}.{name}"), shape));
      }
    }
    out.push(("final_norm.gamma".into(), vec![d]));
    out.push(("final_norm.beta".into(), vec![d]));
    out.push(("predictor.weight".into(), vec![d, v]));
    out.push(("predictor.bias".into(), vec![v]));
    out
  }

  /// Parameters in the model (1,209,684,232 for V1).
  pub fn parameter_count(&self) -> usize {
    self.tensor_shapes().iter().map(|(_, s)| s.iter().product::<usize>()).sum()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn v1_parameter_count_matches_the_spec() {
    assert_eq!(ModelConfig::v1().parameter_count(), 1_209_684_232);
    assert_eq!(ModelConfig::v1().tensor_shapes().len(), 389);
    let v1 = ModelConfig::v1();
    assert_eq!(v1.memory_estimate().parameters, v1.parameter_count() as u64 * 4);
  }

  #[test]
  fn rejects_bad_configs() {
    let odd = ModelConfig { embedding_dim: 12, num_heads: 4, ..ModelConfig::small() };
    assert!(odd.validate().is_err());
    let no_heads = ModelConfig { num_heads: 0, ..ModelConfig::small() };
    assert!(no_heads.validate().is_err());
    let long = ModelConfig { max_seq_len: 200_000, ..ModelConfig::small() };
    assert!(matches!(long.validate(), Err(EngineError::InvalidArgument(m)) if m.contains("max_seq_len")));
    let wide = ModelConfig { embedding_dim: 1 << 20, num_heads: 1, ..ModelConfig::small() };
    assert!(wide.validate().is_err());
    assert!(ModelConfig::v1().validate().is_ok() && ModelConfig::small().validate().is_ok());
  }

  /// Issue 8 finding 6: d = 65536 passed the shape rules and aborted in the allocator.
  #[test]
  fn configs_over_the_memory_budget_are_refused_with_their_size() {
    let huge = ModelConfig { embedding_dim: 65536, ..ModelConfig::v1() };
    match huge.validate() {
      Err(EngineError::ModelTooLarge { parameters, max, .. }) => {
        assert!(parameters > max);
        let text = huge.validate().unwrap_err().to_string();
        assert!(text.contains("GiB"), "{text}");
      }
      other => panic!("expected ModelTooLarge, got {other:?}"),
    }
    // Activations alone can be too much: a long sequence in large batches.
    let wide_batches = ModelConfig { max_seq_len: 8192, batch_size: 1024, ..ModelConfig::small() };
    assert!(matches!(wide_batches.validate(), Err(EngineError::ModelTooLarge { .. })));
    assert!(ModelConfig::v1().memory_estimate().total() < 8 << 30);
  }
}
