//! BLS12-381 min-sig signing (signatures in G1, public keys in G2), as the chain's
//! validators sign checkpoints: a committee's aggregate signature over one message.
//!
//! Secret keys are 32-byte big-endian scalars, the encoding `@noble/curves`'
//! `bls12_381.shortSignatures` takes and fastcrypto stores. Unlike noble, which reduces
//! a key modulo the group order, a key of zero or of at least the order is refused: such
//! bytes are not a key any validator would hold, and reducing them would hide the bug.

use blst::{blst_hash_to_g1, blst_p1, blst_p1_compress, blst_scalar, blst_scalar_from_bendian, blst_sign_pk_in_g2};
use blst::{blst_sk_add_n_check, blst_sk_check};

use crate::error::{EngineError, Result};

/// Length of a secret key in bytes.
pub const BLS_SECRET_KEY_LEN: usize = 32;
/// Length of a compressed G1 point (a min-sig signature) in bytes.
pub const BLS_SIGNATURE_LEN: usize = 48;
/// RFC 9380 §3.1: a DST is 1 to 255 bytes (longer ones must be hashed first, which no
/// caller here needs).
const MAX_DST_LEN: usize = 255;

fn invalid_key(index: usize, reason: impl Into<String>) -> EngineError {
  EngineError::InvalidBlsSecretKey { index, reason: reason.into() }
}

/// The key at `index` as a scalar in 1..r. The scalar type wipes itself on drop.
fn secret_scalar(index: usize, key: &[u8]) -> Result<blst_scalar> {
  let bytes: &[u8; BLS_SECRET_KEY_LEN] = key
    .try_into()
    .map_err(|_| invalid_key(index, format!("expected {BLS_SECRET_KEY_LEN} bytes, got {}", key.len())))?;
  if bytes.iter().all(|&b| b == 0) {
    return Err(invalid_key(index, "the key is zero"));
  }
  let mut scalar = blst_scalar::default();
  // SAFETY: `bytes` is exactly 32 readable bytes and `scalar` is a valid 32-byte output.
  unsafe { blst_scalar_from_bendian(&mut scalar, bytes.as_ptr()) };
  // SAFETY: `scalar` is initialised above.
  if !unsafe { blst_sk_check(&scalar) } {
    return Err(invalid_key(index, "the key is not below the BLS12-381 group order"));
  }
  Ok(scalar)
}

/// The aggregate min-sig signature of every key over `message`: the sum over the keys of
/// hash_to_G1(message, dst) · key, compressed (48 bytes).
///
/// The keys are summed modulo the group order first and the hashed point is multiplied
/// once: by linearity that is the same point as the sum of the members' signatures, for
/// one hash and one scalar multiplication whatever the committee size. Keys that sum to
/// zero give the point at infinity, as the sum of their signatures does.
pub fn bls_min_sig_sign_aggregate(
  message: &[u8],
  dst: &[u8],
  secret_keys: &[&[u8]],
) -> Result<[u8; BLS_SIGNATURE_LEN]> {
  if dst.is_empty() || dst.len() > MAX_DST_LEN {
    return Err(EngineError::InvalidArgument(format!("the DST must be 1 to {MAX_DST_LEN} bytes, got {}", dst.len())));
  }
  let (first, rest) =
    secret_keys.split_first().ok_or_else(|| EngineError::InvalidArgument("no secret keys to sign with".into()))?;
  let mut sum = secret_scalar(0, first)?;
  for (i, key) in rest.iter().enumerate() {
    let scalar = secret_scalar(i + 1, key)?;
    let previous = sum.clone();
    // SAFETY: all three are initialised 32-byte scalars, and the output aliases neither
    // input. The returned flag only says whether the sum is non-zero; a zero sum signs
    // to infinity below, which is the right answer.
    unsafe { blst_sk_add_n_check(&mut sum, &previous, &scalar) };
  }
  let mut hashed = blst_p1::default();
  let mut signature = blst_p1::default();
  let mut out = [0u8; BLS_SIGNATURE_LEN];
  // SAFETY: pointers and lengths come from live slices (an empty message is a valid
  // zero-length read); no augmentation string (null, 0). Outputs are initialised structs
  // and a 48-byte buffer, as blst_p1_compress writes.
  unsafe {
    blst_hash_to_g1(&mut hashed, message.as_ptr(), message.len(), dst.as_ptr(), dst.len(), std::ptr::null(), 0);
    blst_sign_pk_in_g2(&mut signature, &hashed, &sum);
    blst_p1_compress(out.as_mut_ptr(), &signature);
  }
  Ok(out)
}
