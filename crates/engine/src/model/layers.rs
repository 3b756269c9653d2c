//! The V1 building blocks on candle tensors, each op in the order the reference (burn
//! 0.19, NdArray back end) applies it. On the CPU the heavy ones hand over to the host
//! kernels of [`super::kernels`]; on a GPU they run as tensor ops.

use candle_core::{Device, Tensor, D};

use super::kernels;
use crate::error::{EngineError, Result};

/// Value that replaces attention scores above the diagonal (not -inf, as in the reference).
pub const MASK_FILL: f32 = -1.0e4;
/// LayerNorm epsilon (burn's default), added to the variance inside the square root.
pub const LAYER_NORM_EPS: f64 = 1e-5;
/// `y = x · W + b` with `W` stored `[in, out]` (burn's row layout), as the weights files hold it.
#[derive(Clone, Debug)]
pub struct Linear {
  pub weight: Tensor,
  pub bias: Tensor,
}

impl Linear {
  pub fn new(weight: Tensor, bias: Tensor) -> Self {
    Self { weight, bias }
  }

  pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
    let dims = x.dims().to_vec();
    let d_in = *dims.last().ok_or_else(|| EngineError::Compute("linear input has no dimensions".into()))?;
    let rows: usize = dims[..dims.len() - 1].iter().product();
    let d_out = self.weight.dim(1)?;
    let mut out_dims = dims;
    if let Some(last) = out_dims.last_mut() {
      *last = d_out;
    }
    if x.device().is_cpu() {
      let y = kernels::linear_host(x, &self.weight, &self.bias, rows, d_in, d_out)?;
      return Ok(Tensor::from_vec(y, out_dims, x.device())?);
    }
    let y = x.reshape((rows, d_in))?.matmul(&self.weight)?.broadcast_add(&self.bias)?;
    Ok(y.reshape(out_dims)?)
  }
}

/// Two-pass LayerNorm over the last dimension with the biased variance, dividing by
/// `sqrt(var + eps)`. Written with plain tensor ops on purpose: candle's fused LayerNorm
/// computes `E[x²] - mean²` and multiplies by `rsqrt`, which drifts from the reference.
#[derive(Clone, Debug)]
pub struct LayerNorm {
  pub gamma: Tensor,
  pub beta: Tensor,
}

impl LayerNorm {
  pub fn new(gamma: Tensor, beta: Tensor) -> Self {
    Self { gamma, beta }
  }

  pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() {
      return self.forward_host(x);
    }
    let mean = x.mean_keepdim(D::Minus1)?;
    let centered = x.broadcast_sub(&mean)?;
    let var = centered.sqr()?.mean_keepdim(D::Minus1)?;
    let denom = (var + LAYER_NORM_EPS)?.sqrt()?;
    Ok(centered.broadcast_div(&denom)?.broadcast_mul(&self.gamma)?.broadcast_add(&self.beta)?)
  }

  /// The same two passes per row on the host: on a CPU the six tensor ops above are six
  /// trips through memory.
  fn forward_host(&self, x: &Tensor) -> Result<Tensor> {
    let gamma = self.gamma.to_vec1::<f32>()?;
    let beta = self.beta.to_vec1::<f32>()?;
    let mut values = x.flatten_all()?.to_vec1::<f32>()?;
    kernels::layer_norm_rows(&mut values, &gamma, &beta, LAYER_NORM_EPS as f32);
    Ok(Tensor::from_vec(values, x.shape(), x.device())?)
  }
}

/// The RoPE rotation for one batch: cos and sin of `[B, S, head_dim/2]` angles.
///
/// Built on the host exactly as the reference's NdArray back end does it: timescale
/// `max_wavelength.powf(2i/hd)` in f32, angle `pos / timescale / scale_factor` as f32
/// divisions, then sin and cos evaluated in f64 and rounded to f32. At byte offsets near
/// 1 MiB the f32 angle is off the exact one by up to 0.07 rad, so only the same formula
/// agrees with the chain.
#[derive(Clone, Debug)]
pub struct Rotary {
  pub cos: Tensor,
  pub sin: Tensor,
}

impl Rotary {
  pub fn new(
    positions: &[u32],
    batch: usize,
    seq: usize,
    head_dim: usize,
    max_wavelength: f32,
    scale_factor: f32,
    device: &Device,
  ) -> Result<Self> {
    if positions.len() != batch * seq {
      return Err(EngineError::Compute(format!("{} positions for a {batch}x{seq} batch", positions.len())));
    }
    let half = head_dim / 2;
    let timescale: Vec<f32> = (0..half).map(|i| max_wavelength.powf((i as f32 * 2.0) / head_dim as f32)).collect();
    let mut cos = Vec::with_capacity(positions.len() * half);
    let mut sin = Vec::with_capacity(positions.len() * half);
    for &pos in positions {
      let p = pos as f32;
      for &ts in &timescale {
        let angle = (p / ts / scale_factor) as f64;
        cos.push(angle.cos() as f32);
        sin.push(angle.sin() as f32);
      }
    }
    Ok(Self {
      cos: Tensor::from_vec(cos, (batch, seq, half), device)?,
      sin: Tensor::from_vec(sin, (batch, seq, half), device)?,
    })
  }

  /// Rotates `x` of shape `[B, H, S, hd]`: the pair `(i, i + hd/2)` turns by angle `i`.
  pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
    Ok(candle_nn::rotary_emb::rope(&x.contiguous()?, &self.cos, &self.sin)?)
  }
}

/// Scaling and causal masking of attention scores, `where(j > i, -1e4, s / sqrt(hd))`,
/// done as one multiply and one add over `[S, S]` tables: `s * keep + fill` with `keep` in
/// {0, 1/sqrt(hd)} and `fill` in {0, -1e4}. Both are exact: `x * 1/2^n` equals `x / 2^n`,
/// `x * 0 + -1e4` is `-1e4` and `y + 0` is `y`. When sqrt(hd) is not a power of two the
/// reciprocal would round, so the scores are divided first and `keep` is {0, 1}.
#[derive(Clone, Debug)]
pub struct CausalMask {
  keep: Tensor,
  fill: Tensor,
  divisor: Option<Tensor>,
}

impl CausalMask {
  pub fn new(seq: usize, head_dim: usize, device: &Device) -> Result<Self> {
    let scale = (head_dim as f32).sqrt();
    let exact_reciprocal = scale.fract() == 0.0 && (scale as u32).is_power_of_two();
    let kept = if exact_reciprocal { 1.0 / scale } else { 1.0 };
    let mut keep = Vec::with_capacity(seq * seq);
    let mut fill = Vec::with_capacity(seq * seq);
    for i in 0..seq {
      for j in 0..seq {
        keep.push(if j > i { 0.0 } else { kept });
        fill.push(if j > i { MASK_FILL } else { 0.0 });
      }
    }
    Ok(Self {
      keep: Tensor::from_vec(keep, (seq, seq), device)?,
      fill: Tensor::from_vec(fill, (seq, seq), device)?,
      divisor: if exact_reciprocal { None } else { Some(Tensor::new(&[scale], device)?) },
    })
  }

  /// `scores`: `[B, H, S, S]` raw `q · kᵀ`.
  pub fn apply(&self, scores: &Tensor) -> Result<Tensor> {
    let scores = match &self.divisor {
      Some(d) => scores.broadcast_div(d)?,
      None => scores.clone(),
    };
    Ok(scores.broadcast_mul(&self.keep)?.broadcast_add(&self.fill)?)
  }
}

/// Causal multi-head self-attention with RoPE on queries and keys.
#[derive(Clone, Debug)]
pub struct Attention {
  pub query: Linear,
  pub key: Linear,
  pub value: Linear,
  pub output: Linear,
  pub num_heads: usize,
}

impl Attention {
  /// `x`: `[B, S, D]`.
  pub fn forward(&self, x: &Tensor, rotary: &Rotary, mask: &CausalMask) -> Result<Tensor> {
    let (b, s, d) = x.dims3()?;
    let h = self.num_heads;
    let hd = d / h;
    let heads = |t: Tensor| -> Result<Tensor> { Ok(t.reshape((b, s, h, hd))?.transpose(1, 2)?.contiguous()?) };
    let q = rotary.apply(&heads(self.query.forward(x)?)?)?;
    let k = rotary.apply(&heads(self.key.forward(x)?)?)?;
    let v = heads(self.value.forward(x)?)?;
    let context = if x.device().is_cpu() {
      kernels::causal_attention_cpu(&q, &k, &v)?
    } else {
      let scores = mask.apply(&q.matmul(&k.t()?)?)?;
      candle_nn::ops::softmax_last_dim(&scores)?.matmul(&v)?
    };
    let context = context.transpose(1, 2)?.reshape((b, s, d))?;
    self.output.forward(&context)
  }
}

/// Position-wise feed-forward: `outer(GELU_erf(inner(x)))`, no gating.
#[derive(Clone, Debug)]
pub struct PositionWiseFeedForward {
  pub linear_inner: Linear,
  pub linear_outer: Linear,
}

impl PositionWiseFeedForward {
  pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() {
      // The hidden activations stay one host buffer from the matmul through GELU.
      let d_in = x.dim(D::Minus1)?;
      let rows = x.elem_count() / d_in.max(1);
      let d_hidden = self.linear_inner.weight.dim(1)?;
      let mut hidden =
        kernels::linear_host(x, &self.linear_inner.weight, &self.linear_inner.bias, rows, d_in, d_hidden)?;
      kernels::gelu_erf_in_place(&mut hidden);
      let mut hidden_dims = x.dims().to_vec();
      if let Some(last) = hidden_dims.last_mut() {
        *last = d_hidden;
      }
      return self.linear_outer.forward(&Tensor::from_vec(hidden, hidden_dims, x.device())?);
    }
    self.linear_outer.forward(&self.linear_inner.forward(x)?.gelu_erf()?)
  }
}

/// One pre-norm block: `x + attn(norm_1(x))`, then `x + pwff(norm_2(x))`.
#[derive(Clone, Debug)]
pub struct Layer {
  pub norm_1: LayerNorm,
  pub attention: Attention,
  pub norm_2: LayerNorm,
  pub pwff: PositionWiseFeedForward,
}

impl Layer {
  pub fn forward(&self, x: &Tensor, rotary: &Rotary, mask: &CausalMask) -> Result<Tensor> {
    let x = (x + self.attention.forward(&self.norm_1.forward(x)?, rotary, mask)?)?;
    let y = self.pwff.forward(&self.norm_2.forward(&x)?)?;
    Ok((x + y)?)
  }
}

/// The stack of layers (no embedding, no final norm).
#[derive(Clone, Debug)]
pub struct Encoder {
  pub layers: Vec<Layer>,
}

impl Encoder {
  pub fn forward(&self, x: &Tensor, rotary: &Rotary, mask: &CausalMask) -> Result<Tensor> {
    let mut x = x.clone();
    for layer in &self.layers {
      x = layer.forward(&x, rotary, mask)?;
    }
    Ok(x)
  }
}
