//! The V1 byte transformer on candle, f32 end to end.
//!
//! Every op follows the reference (burn 0.19, NdArray back end) in the order it applies
//! them, because the chain compares scores to about 1e-5: pre-norm blocks, a two-pass
//! LayerNorm with the epsilon inside the square root, half-rotation RoPE at global byte
//! positions with the angle divided (not multiplied by a reciprocal), scores divided by
//! sqrt(head_dim) and *then* replaced by -1e4 above the diagonal, erf GELU, and Linear
//! weights stored `[in, out]`. The model is immutable once built, so one `Arc<V1Model>`
//! can serve any number of concurrent scoring calls.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, D};

use crate::crypto;
use crate::error::{EngineError, Result};

/// Token id of the padding after the end of the data.
pub const PAD_TOKEN_ID: u32 = 256;
/// Token id that marks the end of the data in the final chunk.
pub const EOS_TOKEN_ID: u32 = 257;
/// Value that replaces attention scores above the diagonal (not -inf, as in the reference).
pub const MASK_FILL: f32 = -1.0e4;
/// LayerNorm epsilon (burn's default), added to the variance inside the square root.
pub const LAYER_NORM_EPS: f64 = 1e-5;
/// Longest chunk a config may ask for (V1 uses 1024).
pub const MAX_SEQ_LEN: usize = 8192;

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

  pub fn validate(&self) -> Result<()> {
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
    // every size product inside usize and the per-batch [S, S] mask tables allocatable: a
    // test config with, say, a 200,000-byte sequence would otherwise abort the process on
    // a failed allocation instead of returning an error.
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

// ---------------------------------------------------------------- modules

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
      let y = self.forward_host(x, rows, d_in, d_out)?;
      return Ok(Tensor::from_vec(y, out_dims, x.device())?);
    }
    let y = x.reshape((rows, d_in))?.matmul(&self.weight)?.broadcast_add(&self.bias)?;
    Ok(y.reshape(out_dims)?)
  }

  /// On the CPU: one `gemm` call that starts from the bias rows and adds `x · W`, instead
  /// of a matmul and then a separate pass over the output for the bias.
  fn forward_host(&self, x: &Tensor, rows: usize, d_in: usize, d_out: usize) -> Result<Vec<f32>> {
    let x = x.contiguous()?;
    let weight = self.weight.contiguous()?;
    let bias = self.bias.to_vec1::<f32>()?;
    let mut out = Vec::with_capacity(rows * d_out);
    for _ in 0..rows {
      out.extend_from_slice(&bias);
    }
    with_cpu_slice(&x, |lhs| {
      with_cpu_slice(&weight, |rhs| {
        if lhs.len() != rows * d_in || rhs.len() != d_in * d_out || bias.len() != d_out {
          return Err(EngineError::Compute(format!("linear shapes: {rows}x{d_in} by {d_in}x{d_out}")));
        }
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let parallelism = if threads > 1 { gemm::Parallelism::Rayon(threads) } else { gemm::Parallelism::None };
        // SAFETY: `out` is rows x d_out, `lhs` rows x d_in and `rhs` d_in x d_out, all
        // row-major and contiguous (checked above); the strides below describe exactly
        // those buffers, and `out` does not alias the inputs.
        unsafe {
          gemm::gemm(
            rows,
            d_out,
            d_in,
            out.as_mut_ptr(),
            1,
            d_out as isize,
            true,
            lhs.as_ptr(),
            1,
            d_in as isize,
            rhs.as_ptr(),
            1,
            d_out as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            parallelism,
          );
        }
        Ok(())
      })?
    })??;
    Ok(out)
  }
}

/// Runs `f` on the f32 data of a contiguous CPU tensor without copying it.
fn with_cpu_slice<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
  let (storage, layout) = t.storage_and_layout();
  match (&*storage, layout.contiguous_offsets()) {
    (candle_core::Storage::Cpu(cpu), Some((start, end))) => Ok(f(&cpu.as_slice::<f32>()?[start..end])),
    _ => Err(EngineError::Compute("expected a contiguous f32 tensor in CPU memory".into())),
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

  /// The same two passes per row on the host, rows spread over the cores: on a CPU the
  /// six tensor ops above are six trips through memory.
  fn forward_host(&self, x: &Tensor) -> Result<Tensor> {
    let d = x.dim(D::Minus1)?;
    let gamma = self.gamma.to_vec1::<f32>()?;
    let beta = self.beta.to_vec1::<f32>()?;
    let mut values = x.flatten_all()?.to_vec1::<f32>()?;
    let eps = LAYER_NORM_EPS as f32;
    par_chunks(&mut values, d, |row| {
      let n = row.len() as f32;
      let mean = row.iter().sum::<f32>() / n;
      let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
      let denom = (var + eps).sqrt();
      for ((v, g), b) in row.iter_mut().zip(&gamma).zip(&beta) {
        *v = (*v - mean) / denom * g + b;
      }
    });
    Ok(Tensor::from_vec(values, x.shape(), x.device())?)
  }
}

/// Runs `f` over `values` in pieces of whole `unit`-sized rows, one piece per core.
pub(crate) fn par_chunks(values: &mut [f32], unit: usize, f: impl Fn(&mut [f32]) + Sync) {
  let unit = unit.max(1);
  let rows = values.len() / unit;
  let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, rows.max(1));
  let per_thread = rows.div_ceil(threads).max(1) * unit;
  std::thread::scope(|scope| {
    for piece in values.chunks_mut(per_thread) {
      let f = &f;
      scope.spawn(move || piece.chunks_mut(unit).for_each(f));
    }
  });
}

/// erf GELU as the reference computes it, `x * (erf(x / sqrt 2) + 1) / 2` with erf
/// evaluated in f64 (libm, as burn's NdArray does) and rounded to f32, in place across
/// the cores.
fn gelu_erf_in_place(values: &mut [f32]) {
  par_chunks(values, 4096, |piece| {
    for v in piece.iter_mut() {
      let e = candle_core::cpu::erf::erf_f64((*v / std::f32::consts::SQRT_2) as f64) as f32;
      *v = *v * (e + 1.0) / 2.0;
    }
  });
}

#[cfg(test)]
fn gelu_erf_host(x: &Tensor) -> Result<Tensor> {
  let mut values = x.flatten_all()?.to_vec1::<f32>()?;
  gelu_erf_in_place(&mut values);
  Ok(Tensor::from_vec(values, x.shape(), x.device())?)
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
    let timescale: Vec<f32> =
      (0..half).map(|i| max_wavelength.powf((i as f32 * 2.0) / head_dim as f32)).collect();
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
      causal_attention_cpu(&q, &k, &v)?
    } else {
      let scores = mask.apply(&q.matmul(&k.t()?)?)?;
      candle_nn::ops::softmax_last_dim(&scores)?.matmul(&v)?
    };
    let context = context.transpose(1, 2)?.reshape((b, s, d))?;
    self.output.forward(&context)
  }
}

/// Causal softmax attention on the host for `[B, H, S, hd]` inputs, without building the
/// `[S, S]` score matrix: on a CPU that matrix is memory traffic, not arithmetic. Same math
/// as the tensor path: `s_ij = (q_i · k_j) / sqrt(hd)`, scores above the diagonal are
/// -1e4, softmax as `exp(s - max) / sum`. Masked scores contribute `exp(-1e4 - max)`, which
/// is exactly 0 in f32 unless every visible score is below about -9900; that case is
/// still computed in full.
fn causal_attention_cpu(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
  let (b, h, s, hd) = q.dims4()?;
  let q = q.flatten_all()?.to_vec1::<f32>()?;
  // Keys transposed to [B, H, hd, S], so a query's scores are contiguous multiply-adds
  // over j (which the compiler vectorises), not a horizontal sum per pair.
  let kt = k.transpose(2, 3)?.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
  let v = v.flatten_all()?.to_vec1::<f32>()?;
  let mut out = vec![0f32; q.len()];
  let block = s * hd;
  let heads = b * h;
  let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, heads.max(1));
  let per_thread = heads.div_ceil(threads);
  std::thread::scope(|scope| {
    for (t, out) in out.chunks_mut(per_thread * block).enumerate() {
      let (q, kt, v) = (&q, &kt, &v);
      scope.spawn(move || {
        let mut scores = vec![0f32; QUERY_TILE * s];
        for (local, out) in out.chunks_mut(block).enumerate() {
          let base = (t * per_thread + local) * block;
          let head = HeadInputs { q: &q[base..base + block], kt: &kt[base..base + block], v: &v[base..base + block], s, hd };
          attend_head(&head, out, &mut scores);
        }
      });
    }
  });
  Ok(Tensor::from_vec(out, (b, h, s, hd), &Device::Cpu)?)
}

struct HeadInputs<'a> {
  q: &'a [f32],
  kt: &'a [f32],
  v: &'a [f32],
  s: usize,
  hd: usize,
}

/// One head, dispatched at run time to an AVX2 build of the same code where the CPU has
/// it. No FMA contraction happens (Rust never fuses `a * b + c`), so both builds round
/// identically.
fn attend_head(head: &HeadInputs<'_>, out: &mut [f32], scores: &mut [f32]) {
  #[cfg(target_arch = "x86_64")]
  {
    if std::arch::is_x86_feature_detected!("avx2") {
      // SAFETY: the CPU supports AVX2, checked just above.
      unsafe { attend_head_avx2(head, out, scores) };
      return;
    }
  }
  attend_head_generic(head, out, scores)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn attend_head_avx2(head: &HeadInputs<'_>, out: &mut [f32], scores: &mut [f32]) {
  attend_head_generic(head, out, scores)
}

/// Queries handled together, so each key row and value row read from memory serves
/// several queries (register blocking); the arithmetic per query is unchanged.
const QUERY_TILE: usize = 4;

#[inline(always)]
fn attend_head_generic(head: &HeadInputs<'_>, out: &mut [f32], scores: &mut [f32]) {
  let HeadInputs { q, kt, v, s, hd } = *head;
  let scale = (hd as f32).sqrt();
  let mut i0 = 0;
  while i0 < s {
    let rows = QUERY_TILE.min(s - i0);
    let width = i0 + rows; // keys 0..width cover every row of the tile
    let tile = &mut scores[..rows * s];
    let mut lanes: [&mut [f32]; QUERY_TILE] = Default::default();
    for (r, lane) in tile.chunks_mut(s).enumerate() {
      lane[..width].iter_mut().for_each(|x| *x = 0.0);
      lanes[r] = &mut lane[..width];
    }
    // Scores in register blocks of QUERY_TILE rows x 8 keys (full tiles only), then the
    // remaining keys row by row. Either way each score sums over d in order from 0.
    let blocked = if rows == QUERY_TILE { width / 8 * 8 } else { 0 };
    for jb in (0..blocked).step_by(8) {
      let mut acc = [[0f32; 8]; QUERY_TILE];
      for d in 0..hd {
        let kd = &kt[d * s + jb..d * s + jb + 8];
        for (r, acc) in acc.iter_mut().enumerate() {
          let qd = q[(i0 + r) * hd + d];
          for (a, &k) in acc.iter_mut().zip(kd) {
            *a += qd * k;
          }
        }
      }
      for (lane, acc) in lanes.iter_mut().zip(&acc) {
        lane[jb..jb + 8].copy_from_slice(acc);
      }
    }
    for d in 0..hd {
      let row = &kt[d * s + blocked..d * s + width];
      for (r, lane) in lanes.iter_mut().enumerate().take(rows) {
        let qd = q[(i0 + r) * hd + d];
        lane[blocked..].iter_mut().zip(row).for_each(|(x, &kd)| *x += qd * kd);
      }
    }
    for (r, lane) in lanes.iter_mut().enumerate().take(rows) {
      let i = i0 + r;
      let visible = &mut lane[..=i];
      visible.iter_mut().for_each(|x| *x /= scale);
      let mut max = lanewise(visible, f32::NEG_INFINITY, f32::max);
      let masked = s - 1 - i;
      if masked > 0 {
        max = max.max(MASK_FILL);
      }
      let masked_weight = if masked > 0 { (MASK_FILL - max).exp() } else { 0.0 };
      visible.iter_mut().for_each(|x| *x = exp_f32(*x - max));
      let sum = lanewise(visible, 0.0, |a, b| a + b) + masked_weight * masked as f32;
      visible.iter_mut().for_each(|x| *x /= sum);
      let oi = &mut out[i * hd..(i + 1) * hd];
      oi.iter_mut().for_each(|o| *o = 0.0);
      if masked_weight > 0.0 {
        let w = masked_weight / sum;
        for j in i + 1..s {
          oi.iter_mut().zip(&v[j * hd..(j + 1) * hd]).for_each(|(o, &x)| *o += w * x);
        }
      }
    }
    // out_i += w_ij * v_j, each value row loaded once for the whole tile. Rows with j > i
    // skip it; the masked tail (if any) was added above, before the visible part, which
    // only matters in the all-scores-below--9900 case.
    if rows == QUERY_TILE && hd.is_multiple_of(16) {
      // Register blocks of QUERY_TILE rows x 16 output features; same order over j.
      for hc in (0..hd).step_by(16) {
        let mut acc = [[0f32; 16]; QUERY_TILE];
        for (r, acc) in acc.iter_mut().enumerate() {
          let at = (i0 + r) * hd + hc;
          acc.copy_from_slice(&out[at..at + 16]);
        }
        for j in 0..width {
          let vj = &v[j * hd + hc..j * hd + hc + 16];
          for (r, (acc, lane)) in acc.iter_mut().zip(lanes.iter()).enumerate() {
            if j > i0 + r {
              continue;
            }
            let w = lane[j];
            for (a, &x) in acc.iter_mut().zip(vj) {
              *a += w * x;
            }
          }
        }
        for (r, acc) in acc.iter().enumerate() {
          let at = (i0 + r) * hd + hc;
          out[at..at + 16].copy_from_slice(acc);
        }
      }
    } else {
      for j in 0..width {
        let vj = &v[j * hd..(j + 1) * hd];
        for (r, lane) in lanes.iter().enumerate().take(rows) {
          let i = i0 + r;
          if j > i {
            continue;
          }
          let w = lane[j];
          let oi = &mut out[i * hd..(i + 1) * hd];
          oi.iter_mut().zip(vj).for_each(|(o, &x)| *o += w * x);
        }
      }
    }
    i0 += rows;
  }
}

/// A reduction over 8 interleaved lanes, combined at the end: unlike one serial chain it
/// vectorises. The grouping differs from a left-to-right fold only in rounding order.
#[inline(always)]
fn lanewise(values: &[f32], init: f32, op: impl Fn(f32, f32) -> f32) -> f32 {
  let mut lanes = [init; 8];
  let mut chunks = values.chunks_exact(8);
  for chunk in &mut chunks {
    for (l, &v) in lanes.iter_mut().zip(chunk) {
      *l = op(*l, v);
    }
  }
  let mut acc = chunks.remainder().iter().fold(init, |a, &v| op(a, v));
  for l in lanes {
    acc = op(acc, l);
  }
  acc
}

/// `exp(x)` for the softmax, written so the compiler vectorises it: Cody–Waite range
/// reduction `x = n ln2 + r` and the Cephes degree-6 polynomial, within about 1 ulp of the
/// libm `expf` the reference uses. Inputs are `score - max <= 0`; below -87 (where the
/// true value is under 2^-125 and cannot move a sum that contains 1.0) it returns e^-87.
#[inline(always)]
fn exp_f32(x: f32) -> f32 {
  const LOG2E: f32 = std::f32::consts::LOG2_E;
  const LN2_HI: f32 = 0.693_359_4;
  const LN2_LO: f32 = -2.121_944_4e-4;
  const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding and subtracting rounds to an integer
  let x = x.clamp(-87.0, 88.0);
  let n = (x * LOG2E + ROUND) - ROUND;
  let r = x - n * LN2_HI - n * LN2_LO;
  let mut p = 1.987_569_1e-4_f32;
  p = p * r + 1.398_199_9e-3;
  p = p * r + 8.333_452e-3;
  p = p * r + 4.166_579_6e-2;
  p = p * r + 1.666_666_5e-1;
  p = p * r + 0.5;
  let y = p * r * r + r + 1.0;
  y * f32::from_bits((((n as i32) + 127) as u32) << 23)
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
      let mut hidden = self.linear_inner.forward_host(x, rows, d_in, d_hidden)?;
      gelu_erf_in_place(&mut hidden);
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

// ---------------------------------------------------------------- the model

/// A loaded V1 model: immutable, `Send + Sync`, shareable behind an `Arc`.
#[derive(Clone, Debug)]
pub struct V1Model {
  config: ModelConfig,
  device: Device,
  pub embedding: Tensor,
  pub encoder: Encoder,
  pub final_norm: LayerNorm,
  pub predictor: Linear,
}

/// Takes named tensors out of a weights map, checking each name and shape.
pub struct TensorSource {
  tensors: HashMap<String, Tensor>,
  device: Device,
  prefix: String,
}

impl TensorSource {
  pub fn new(tensors: HashMap<String, Tensor>, device: &Device) -> Self {
    Self { tensors, device: device.clone(), prefix: String::new() }
  }

  /// Names under `prefix` (e.g. `"encoder."`), for the encoder-only test weights that lack it.
  pub fn with_prefix(mut self, prefix: &str) -> Self {
    self.prefix = prefix.to_string();
    self
  }

  /// The tensor `name` as f32 on the target device. Other float dtypes are converted, as
  /// the reference's loader does; integer tensors are rejected.
  pub fn take(&self, name: &str, shape: &[usize]) -> Result<Tensor> {
    let full = format!("{}{name}", self.prefix);
    let invalid = |reason: String| EngineError::InvalidWeights { reason };
    let t = self.tensors.get(&full).ok_or_else(|| invalid(format!("missing tensor {full}")))?;
    if t.dims() != shape {
      return Err(invalid(format!("tensor {full} has shape {:?}, expected {shape:?}", t.dims())));
    }
    let t = match t.dtype() {
      DType::F32 => t.clone(),
      DType::F16 | DType::BF16 | DType::F64 => t.to_dtype(DType::F32)?,
      other => return Err(invalid(format!("tensor {full} has dtype {other:?}, expected a float type"))),
    };
    Ok(t.to_device(&self.device)?)
  }

  pub fn linear(&self, name: &str, d_in: usize, d_out: usize) -> Result<Linear> {
    Ok(Linear::new(self.take(&format!("{name}.weight"), &[d_in, d_out])?, self.take(&format!("{name}.bias"), &[d_out])?))
  }

  pub fn layer_norm(&self, name: &str, d: usize) -> Result<LayerNorm> {
    Ok(LayerNorm::new(self.take(&format!("{name}.gamma"), &[d])?, self.take(&format!("{name}.beta"), &[d])?))
  }

  pub fn attention(&self, name: &str, d: usize, num_heads: usize) -> Result<Attention> {
    Ok(Attention {
      query: self.linear(&format!("{name}.query"), d, d)?,
      key: self.linear(&format!("{name}.key"), d, d)?,
      value: self.linear(&format!("{name}.value"), d, d)?,
      output: self.linear(&format!("{name}.output"), d, d)?,
      num_heads,
    })
  }

  pub fn pwff(&self, name: &str, d: usize, hidden: usize) -> Result<PositionWiseFeedForward> {
    Ok(PositionWiseFeedForward {
      linear_inner: self.linear(&format!("{name}.linear_inner"), d, hidden)?,
      linear_outer: self.linear(&format!("{name}.linear_outer"), hidden, d)?,
    })
  }

  pub fn encoder(&self, config: &ModelConfig) -> Result<Encoder> {
    let (d, h) = (config.embedding_dim, config.pwff_hidden_dim);
    let layers = (0..config.num_layers)
      .map(|l| {
        Ok(Layer {
          norm_1: self.layer_norm(&format!("layers.{l}.norm_1"), d)?,
          attention: self.attention(&format!("layers.{l}.attention"), d, config.num_heads)?,
          norm_2: self.layer_norm(&format!("layers.{l}.norm_2"), d)?,
          pwff: self.pwff(&format!("layers.{l}.pwff"), d, h)?,
        })
      })
      .collect::<Result<Vec<_>>>()?;
    Ok(Encoder { layers })
  }
}

fn parse_safetensors(bytes: &[u8]) -> Result<HashMap<String, Tensor>> {
  candle_core::safetensors::load_buffer(bytes, &Device::Cpu).map_err(|e| EngineError::InvalidWeights {
    reason: format!("not a safetensors file ({e}); if the weights are encrypted, check the decryption key"),
  })
}

impl V1Model {
  /// Builds the model from named tensors with the reference names and `[in, out]` Linear
  /// weights. Extra tensors are ignored, as the reference's loader does.
  pub fn from_tensors(config: ModelConfig, tensors: HashMap<String, Tensor>, device: &Device) -> Result<Self> {
    config.validate()?;
    let root = TensorSource::new(tensors, device);
    let (d, v) = (config.embedding_dim, config.vocab_size);
    let embedding = root.take("embedding.weight", &[v, d])?;
    let final_norm = root.layer_norm("final_norm", d)?;
    let predictor = root.linear("predictor", d, v)?;
    let encoder = root.with_prefix("encoder.").encoder(&config)?;
    Ok(Self { config, device: device.clone(), embedding, encoder, final_norm, predictor })
  }

  /// Parses a plaintext safetensors buffer.
  pub fn from_safetensors(config: ModelConfig, bytes: &[u8], device: &Device) -> Result<Self> {
    Self::from_tensors(config, parse_safetensors(bytes)?, device)
  }

  /// Loads a plaintext safetensors file through a read-only memory map.
  pub fn from_file(config: ModelConfig, path: &Path, device: &Device) -> Result<Self> {
    let file = std::fs::File::open(path).map_err(|e| EngineError::io("open", path, e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
      let not_a_file = std::io::Error::new(std::io::ErrorKind::InvalidInput, "is a directory, not a weights file");
      return Err(EngineError::io("open", path, not_a_file));
    }
    // SAFETY: the map is read-only and dropped before we return; the tensors are copied
    // out of it. A file truncated underneath us would fault, as any mmap reader would.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| EngineError::io("map", path, e))?;
    Self::from_safetensors(config, &map, device)
  }

  /// Decrypts AES-256-CTR weights in memory and parses them. When `checksum` is given,
  /// the Blake2b-256 of the *encrypted* bytes must match it before anything is decrypted.
  pub fn from_encrypted(
    config: ModelConfig,
    mut encrypted: Vec<u8>,
    key: &[u8],
    checksum: Option<&[u8; 32]>,
    device: &Device,
  ) -> Result<Self> {
    verify_checksum(&encrypted, checksum)?;
    crypto::Aes256Ctr::new(key)?.apply(&mut encrypted)?;
    Self::from_safetensors(config, &encrypted, device)
  }

  /// Reads an encrypted weights file, verifies it and decrypts it in memory (the
  /// plaintext never touches the disk).
  pub fn from_encrypted_file(
    config: ModelConfig,
    path: &Path,
    key: &[u8],
    checksum: Option<&[u8; 32]>,
    device: &Device,
  ) -> Result<Self> {
    let encrypted = std::fs::read(path).map_err(|e| EngineError::io("read", path, e))?;
    Self::from_encrypted(config, encrypted, key, checksum, device)
  }

  /// A model with random weights (normal, std 0.02; norms at gamma 1, beta 0), for
  /// benchmarks only: it does not use the reference RNG.
  pub fn random(config: ModelConfig, device: &Device) -> Result<Self> {
    config.validate()?;
    let mut tensors = HashMap::new();
    for (name, shape) in config.tensor_shapes() {
      let t = if name.ends_with(".gamma") {
        Tensor::ones(shape, DType::F32, device)?
      } else if name.ends_with(".beta") || name.ends_with(".bias") {
        Tensor::zeros(shape, DType::F32, device)?
      } else {
        Tensor::randn(0f32, 0.02, shape, device)?
      };
      tensors.insert(name, t);
    }
    Self::from_tensors(config, tensors, device)
  }

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

/// The reference tests' `build_weights(seed, L, D, Hd, V)`: every tensor drawn from
/// `normal_array(seed + offset, shape)` with the offsets of the reference's model tests
/// (layer `l` uses `seed + l + 1 ..= seed + l + 16`). The local network's small-model
/// goldens use the same recipe. With `encoder_prefix` false the layer names lack
/// `encoder.`, as in the encoder-only tests.
pub fn reference_test_weights(
  seed: u64,
  layers: usize,
  d: usize,
  hidden: usize,
  vocab: usize,
  encoder_prefix: bool,
) -> Result<HashMap<String, Tensor>> {
  let mut out = HashMap::new();
  let mut put = |name: String, offset: u64, shape: &[usize]| -> Result<()> {
    let values = crate::rng::normal_array(seed.wrapping_add(offset), shape, 0.0, 1.0)?;
    out.insert(name, Tensor::from_vec(values, shape, &Device::Cpu)?);
    Ok(())
  };
  let prefix = if encoder_prefix { "encoder." } else { "" };
  for l in 0..layers {
    let p = format!("{prefix}layers.{l}");
    let s = l as u64;
    for (name, offset, shape) in [
      ("norm_1.gamma", 1, vec![d]),
      ("norm_1.beta", 2, vec![d]),
      ("attention.query.weight", 3, vec![d, d]),
      ("attention.query.bias", 4, vec![d]),
      ("attention.key.weight", 5, vec![d, d]),
      ("attention.key.bias", 6, vec![d]),
      ("attention.value.weight", 7, vec![d, d]),
      ("attention.value.bias", 8, vec![d]),
      ("attention.output.weight", 9, vec![d, d]),
      ("attention.output.bias", 10, vec![d]),
      ("norm_2.gamma", 11, vec![d]),
      ("norm_2.beta", 12, vec![d]),
      ("pwff.linear_inner.weight", 13, vec![d, hidden]),
      ("pwff.linear_inner.bias", 14, vec![hidden]),
      ("pwff.linear_outer.weight", 15, vec![hidden, d]),
      ("pwff.linear_outer.bias", 16, vec![d]),
    ] {
      put(format!("{p}.{name}"), s + offset, &shape)?;
    }
  }
  put("final_norm.gamma".into(), 100, &[d])?;
  put("final_norm.beta".into(), 200, &[d])?;
  put("embedding.weight".into(), 250, &[vocab, d])?;
  put("predictor.weight".into(), 300, &[d, vocab])?;
  put("predictor.bias".into(), 400, &[vocab])?;
  Ok(out)
}

/// Checks the Blake2b-256 of `bytes` against `expected`, when given.
pub fn verify_checksum(bytes: &[u8], expected: Option<&[u8; 32]>) -> Result<()> {
  if let Some(expected) = expected {
    let actual = crypto::blake2b256(bytes);
    if &actual != expected {
      return Err(EngineError::ChecksumMismatch { expected: to_hex(expected), actual: to_hex(&actual) });
    }
  }
  Ok(())
}

fn to_hex(bytes: &[u8]) -> String {
  bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn v1_parameter_count_matches_the_spec() {
    assert_eq!(ModelConfig::v1().parameter_count(), 1_209_684_232);
    assert_eq!(ModelConfig::v1().tensor_shapes().len(), 389);
  }

  fn random(seed: u64, shape: &[usize]) -> Tensor {
    Tensor::from_vec(crate::rng::normal_array(seed, shape, 0.0, 1.0).unwrap(), shape, &Device::Cpu).unwrap()
  }

  fn max_rel_diff(a: &Tensor, b: &Tensor) -> f32 {
    let a = a.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let b = b.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(a.len(), b.len());
    // Normwise: the largest difference relative to the largest magnitude.
    let scale = b.iter().fold(0f32, |m, y| m.max(y.abs()));
    a.iter().zip(&b).map(|(x, y)| (x - y).abs() / scale).fold(0.0, f32::max)
  }

  /// The GPU back ends run the tensor-op versions; on the CPU the host kernels replace
  /// them. Both must compute the same thing.
  #[test]
  fn host_kernels_agree_with_the_tensor_path() {
    for (hd, s) in [(2usize, 5usize), (4, 33), (64, 70), (6, 9)] {
      let (q, k, v) = (random(1, &[2, 3, s, hd]), random(2, &[2, 3, s, hd]), random(3, &[2, 3, s, hd]));
      let mask = CausalMask::new(s, hd, &Device::Cpu).unwrap();
      let scores = mask.apply(&q.matmul(&k.t().unwrap()).unwrap()).unwrap();
      let tensor = candle_nn::ops::softmax_last_dim(&scores).unwrap().matmul(&v).unwrap();
      let host = causal_attention_cpu(&q, &k, &v).unwrap();
      let diff = max_rel_diff(&host, &tensor);
      assert!(diff < 2e-6, "attention hd {hd} s {s}: {diff}");
    }
    let x = random(4, &[3, 7, 32]);
    let ln = LayerNorm::new(random(5, &[32]), random(6, &[32]));
    let mean = x.mean_keepdim(D::Minus1).unwrap();
    let centered = x.broadcast_sub(&mean).unwrap();
    let var = centered.sqr().unwrap().mean_keepdim(D::Minus1).unwrap();
    let denom = (var + LAYER_NORM_EPS).unwrap().sqrt().unwrap();
    let tensor =
      centered.broadcast_div(&denom).unwrap().broadcast_mul(&ln.gamma).unwrap().broadcast_add(&ln.beta).unwrap();
    assert!(max_rel_diff(&ln.forward(&x).unwrap(), &tensor) < 2e-6, "layer norm");
    let g = (random(7, &[1000]) * 3.0).unwrap();
    assert!(max_rel_diff(&gelu_erf_host(&g).unwrap(), &g.gelu_erf().unwrap()) < 2e-6, "gelu");
  }

  #[test]
  fn vectorised_exp_stays_within_two_ulp_of_libm() {
    let mut worst = 0f32;
    let mut x = -87.0f32;
    while x <= 0.0 {
      let (a, b) = (exp_f32(x), x.exp());
      worst = worst.max((a - b).abs() / b);
      x += 0.000_37;
    }
    assert!(worst < 2.5e-7, "worst relative error {worst}");
    assert_eq!(exp_f32(0.0), 1.0);
  }

  #[test]
  fn lanewise_reductions_match_folds() {
    let v: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
    assert_eq!(lanewise(&v, f32::NEG_INFINITY, f32::max), v.iter().copied().fold(f32::NEG_INFINITY, f32::max));
    assert!((lanewise(&v, 0.0, |a, b| a + b) - v.iter().sum::<f32>()).abs() < 1e-5);
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
}
