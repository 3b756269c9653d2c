//! The reference tests' weights recipe (`build_weights`), which the module goldens and
//! the local network's small-model goldens are computed from.

use std::collections::HashMap;

use candle_core::{Device, Tensor};

use crate::error::Result;

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
