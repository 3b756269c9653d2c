//! The CPU kernels that replace candle's tensor ops on the host: the fused bias + gemm
//! of `Linear`, the two-pass LayerNorm, erf GELU and causal attention. Their fan-outs are
//! rayon tasks on the engine's one pool ([`crate::pool`]); each splits into independent
//! rows or heads, so the thread count never changes a result.

use candle_core::{Device, Tensor};
use rayon::prelude::*;

use super::layers::MASK_FILL;
use crate::error::{EngineError, Result};

/// `out = bias rows + x · W` in one gemm call, for `x` `[rows, d_in]` and `W` `[d_in,
/// d_out]` (row-major, contiguous, on the CPU): no separate pass over the output for the
/// bias.
pub(crate) fn linear_host(
  x: &Tensor,
  weight: &Tensor,
  bias: &Tensor,
  rows: usize,
  d_in: usize,
  d_out: usize,
) -> Result<Vec<f32>> {
  let x = x.contiguous()?;
  let weight = weight.contiguous()?;
  let bias = bias.to_vec1::<f32>()?;
  let mut out = Vec::with_capacity(rows * d_out);
  for _ in 0..rows {
    out.extend_from_slice(&bias);
  }
  with_cpu_slice(&x, |lhs| {
    with_cpu_slice(&weight, |rhs| {
      if lhs.len() != rows * d_in || rhs.len() != d_in * d_out || bias.len() != d_out {
        return Err(EngineError::Compute(format!("linear shapes: {rows}x{d_in} by {d_in}x{d_out}")));
      }
      // `Rayon(0)` runs on the current rayon pool with all its threads: inside
      // `pool::install` that is the engine's pool. gemm never splits the inner (k)
      // dimension between threads, so every output sums in the same order whatever the
      // thread count.
      let parallelism = gemm::Parallelism::Rayon(0);
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

/// Runs `f` on the f32 data of a contiguous CPU tensor without copying it.
fn with_cpu_slice<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
  let (storage, layout) = t.storage_and_layout();
  match (&*storage, layout.contiguous_offsets()) {
    (candle_core::Storage::Cpu(cpu), Some((start, end))) => Ok(f(&cpu.as_slice::<f32>()?[start..end])),
    _ => Err(EngineError::Compute("expected a contiguous f32 tensor in CPU memory".into())),
  }
}

/// Runs `f` on every `unit`-sized row of `values`, rows spread over the pool in pieces
/// of whole rows (one piece per thread).
pub(crate) fn par_rows(values: &mut [f32], unit: usize, f: impl Fn(&mut [f32]) + Sync) {
  let unit = unit.max(1);
  let rows = values.len() / unit;
  let per_task = rows.div_ceil(rayon::current_num_threads().clamp(1, rows.max(1))).max(1) * unit;
  values.par_chunks_mut(per_task).for_each(|piece| piece.chunks_mut(unit).for_each(&f));
}

/// Sum of `f` over the rows of `values` (rows of `width`), computed on the pool; `f` gets
/// a per-task scratch buffer. The per-row results are added in row order afterwards, so
/// the sum does not depend on the split.
pub(crate) fn par_row_sum(values: &[f32], width: usize, f: impl Fn(&[f32], &mut Vec<[f64; 4]>) -> f64 + Sync) -> f64 {
  let width = width.max(1);
  let rows = values.len() / width;
  let per_task = rows.div_ceil(rayon::current_num_threads().clamp(1, rows.max(1))).max(1);
  let mut partials = vec![0f64; rows];
  partials.par_chunks_mut(per_task).enumerate().for_each(|(chunk_index, out)| {
    let mut scratch = Vec::with_capacity(width);
    for (i, slot) in out.iter_mut().enumerate() {
      let row = chunk_index * per_task + i;
      *slot = f(&values[row * width..(row + 1) * width], &mut scratch);
    }
  });
  partials.iter().sum()
}

/// Two-pass LayerNorm of every row of `values` in place: biased variance, divided by
/// `sqrt(var + eps)`, then `* gamma + beta`.
pub(crate) fn layer_norm_rows(values: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
  par_rows(values, gamma.len(), |row| {
    let n = row.len() as f32;
    let mean = row.iter().sum::<f32>() / n;
    let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let denom = (var + eps).sqrt();
    for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
      *v = (*v - mean) / denom * g + b;
    }
  });
}

/// erf GELU as the reference computes it, `x * (erf(x / sqrt 2) + 1) / 2` with erf
/// evaluated in f64 (libm, as burn's NdArray does) and rounded to f32, in place.
pub(crate) fn gelu_erf_in_place(values: &mut [f32]) {
  par_rows(values, 4096, |piece| {
    for v in piece.iter_mut() {
      let e = candle_core::cpu::erf::erf_f64((*v / std::f32::consts::SQRT_2) as f64) as f32;
      *v = *v * (e + 1.0) / 2.0;
    }
  });
}

/// Causal softmax attention on the host for `[B, H, S, hd]` inputs, without building the
/// `[S, S]` score matrix: on a CPU that matrix is memory traffic, not arithmetic. Same math
/// as the tensor path: `s_ij = (q_i · k_j) / sqrt(hd)`, scores above the diagonal are
/// -1e4, softmax as `exp(s - max) / sum`. Masked scores contribute `exp(-1e4 - max)`, which
/// is exactly 0 in f32 unless every visible score is below about -9900; that case is
/// still computed in full.
pub(crate) fn causal_attention_cpu(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
  let (b, h, s, hd) = q.dims4()?;
  let q = q.flatten_all()?.to_vec1::<f32>()?;
  // Keys transposed to [B, H, hd, S], so a query's scores are contiguous multiply-adds
  // over j (which the compiler vectorises), not a horizontal sum per pair.
  let kt = k.transpose(2, 3)?.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
  let v = v.flatten_all()?.to_vec1::<f32>()?;
  let mut out = vec![0f32; q.len()];
  let block = s * hd;
  let heads = b * h;
  // One task per group of whole heads; each head is computed alone, so the split does
  // not change a bit of the result.
  let per_task = heads.div_ceil(rayon::current_num_threads().clamp(1, heads.max(1))).max(1);
  out.par_chunks_mut(per_task * block).enumerate().for_each(|(t, out)| {
    let mut scores = vec![0f32; QUERY_TILE * s];
    for (local, out) in out.chunks_mut(block).enumerate() {
      let base = (t * per_task + local) * block;
      let head =
        HeadInputs { q: &q[base..base + block], kt: &kt[base..base + block], v: &v[base..base + block], s, hd };
      attend_head(&head, out, &mut scores);
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
pub(crate) fn lanewise(values: &[f32], init: f32, op: impl Fn(f32, f32) -> f32) -> f32 {
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
pub(crate) fn exp_f32(x: f32) -> f32 {
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

#[cfg(test)]
mod tests {
  use candle_core::D;

  use super::*;
  use crate::model::layers::{CausalMask, LayerNorm, LAYER_NORM_EPS};

  fn random(seed: u64, shape: &[usize]) -> Tensor {
    Tensor::from_vec(crate::rng::normal_array(seed, shape, 0.0, 1.0).unwrap(), shape, &Device::Cpu).unwrap()
  }

  fn gelu_erf_host(x: &Tensor) -> Result<Tensor> {
    let mut values = x.flatten_all()?.to_vec1::<f32>()?;
    gelu_erf_in_place(&mut values);
    Ok(Tensor::from_vec(values, x.shape(), x.device())?)
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
}
