//! The reference's deterministic arrays ("arrgen") and the embeddings derived from them.
//!
//! The chain draws SIGReg noise and target embeddings from `rand` 0.9 `StdRng`
//! (ChaCha12 seeded through PCG32) with `rand_distr` 0.5 `Normal<f32>`, filling the array
//! in row-major order. We depend on exactly those crate versions, so the streams are the
//! same bit for bit; candle's own RNG is never used for anything that must match.

use rand::distr::{Distribution, Uniform};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::Normal;

use crate::crypto::blake2b256;
use crate::error::{EngineError, Result};

/// Most values one call may draw: 2^28 (1 GiB of f32), far above any shape the chain
/// uses (V1's largest weight is 2^24 values). Without a cap, a shape typo such as a -1
/// that became 2^32 - 1 on its way in runs for a minute and exhausts memory.
pub const MAX_ARRAY_ELEMENTS: usize = 1 << 28;

fn element_count(shape: &[usize]) -> Result<usize> {
  let too_many =
    || EngineError::InvalidArgument(format!("array shape {shape:?} has more than {MAX_ARRAY_ELEMENTS} elements"));
  let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(too_many)?;
  if count > MAX_ARRAY_ELEMENTS {
    return Err(too_many());
  }
  Ok(count)
}

/// `arrgen.normal_array(seed, shape, mean, std)`: row-major values of `shape`.
pub fn normal_array(seed: u64, shape: &[usize], mean: f32, std_dev: f32) -> Result<Vec<f32>> {
  let count = element_count(shape)?;
  let normal = Normal::new(mean, std_dev)
    .map_err(|e| EngineError::InvalidArgument(format!("normal distribution ({mean}, {std_dev}): {e}")))?;
  let mut rng = StdRng::seed_from_u64(seed);
  Ok((0..count).map(|_| normal.sample(&mut rng)).collect())
}

/// `arrgen.uniform_array(seed, shape, min, max)`: row-major values in `[min, max)`.
pub fn uniform_array(seed: u64, shape: &[usize], min: f32, max: f32) -> Result<Vec<f32>> {
  let count = element_count(shape)?;
  let uniform = Uniform::new(min, max)
    .map_err(|e| EngineError::InvalidArgument(format!("uniform distribution [{min}, {max}): {e}")))?;
  let mut rng = StdRng::seed_from_u64(seed);
  Ok((0..count).map(|_| uniform.sample(&mut rng)).collect())
}

/// The seed of the `creation_num`-th target created by a transaction: the first 8 bytes,
/// little-endian, of Blake2b-256(tx_digest || creation_num as u64 LE).
pub fn target_seed(tx_digest: &[u8; 32], creation_num: u64) -> u64 {
  let mut input = Vec::with_capacity(40);
  input.extend_from_slice(tx_digest);
  input.extend_from_slice(&creation_num.to_le_bytes());
  first_u64_le(&blake2b256(&input))
}

/// A target's embedding: standard normal values of length `dim`, not normalised.
pub fn target_embedding(seed: u64, dim: usize) -> Result<Vec<f32>> {
  normal_array(seed, &[dim], 0.0, 1.0)
}

/// The embedding a model created at genesis starts with. It is not random: value `i` is
/// `((seed + i) * 2654435761 mod 2^64) mod 1000 / 1000 - 0.5`, with the seed hashed from
/// the model id, exactly as the reference's genesis builder computes it.
pub fn genesis_model_embedding(model_id: &[u8; 32], dim: usize) -> Result<Vec<f32>> {
  element_count(&[dim])?;
  let mut input = Vec::with_capacity(28 + 32);
  input.extend_from_slice(b"soma-genesis-model-embedding");
  input.extend_from_slice(model_id);
  let seed = first_u64_le(&blake2b256(&input));
  Ok(
    (0..dim)
      .map(|i| {
        let x = (seed.wrapping_add(i as u64).wrapping_mul(2_654_435_761) % 1000) as f32;
        x / 1000.0 - 0.5
      })
      .collect(),
  )
}

fn first_u64_le(digest: &[u8; 32]) -> u64 {
  let mut first = [0u8; 8];
  first.copy_from_slice(&digest[..8]);
  u64::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn reference_values_of_arrgen_tests() {
    assert_eq!(normal_array(42, &[2, 2], 0.0, 1.0).unwrap(), vec![0.069427915, 0.13293812, 0.26257637, -0.22530088]);
    assert_eq!(uniform_array(42, &[2, 2], 0.0, 1.0).unwrap(), vec![0.13340974, 0.5265573, 0.24873829, 0.5427252]);
  }

  #[test]
  fn oversized_shapes_are_refused_before_drawing() {
    assert!(normal_array(1, &[u32::MAX as usize], 0.0, 1.0).is_err());
    assert!(uniform_array(1, &[1 << 20, 1 << 20], 0.0, 1.0).is_err());
    assert!(normal_array(1, &[usize::MAX, 2], 0.0, 1.0).is_err());
    assert_eq!(normal_array(1, &[0], 0.0, 1.0).unwrap(), Vec::<f32>::new());
  }

  #[test]
  fn genesis_embedding_is_in_range_and_deterministic() {
    let a = genesis_model_embedding(&[7u8; 32], 16).unwrap();
    assert_eq!(a, genesis_model_embedding(&[7u8; 32], 16).unwrap());
    assert_ne!(a, genesis_model_embedding(&[8u8; 32], 16).unwrap());
    assert!(genesis_model_embedding(&[7u8; 32], MAX_ARRAY_ELEMENTS + 1).is_err());
    assert!(a.iter().all(|v| (-0.5..0.5).contains(v)));
  }
}
