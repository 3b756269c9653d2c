//! Ed25519 signature checks on AWS-LC, for the local network's hot path (one check per
//! transaction). AWS-LC applies RFC 8032's rules: a canonical `S`, `R` recomputed and compared
//! byte for byte, the cofactorless equation. Every signature it accepts is also valid under the
//! chain's ZIP-215 rules (cofactored equation, non-canonical encodings allowed), so a caller may
//! trust a `true` and must take a `false` to the ZIP-215 verifier for the final word.

use aws_lc_rs::signature::{UnparsedPublicKey, ED25519};

pub const ED25519_PUBLIC_KEY_LEN: usize = 32;
pub const ED25519_SIGNATURE_LEN: usize = 64;

/// Whether `signature` (64 bytes) is an RFC 8032 Ed25519 signature of `message` by
/// `public_key` (32 bytes). Wrong lengths and keys that are not curve points are `false`.
pub fn ed25519_verify_strict(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
  if public_key.len() != ED25519_PUBLIC_KEY_LEN || signature.len() != ED25519_SIGNATURE_LEN {
    return false;
  }
  UnparsedPublicKey::new(&ED25519, public_key).verify(message, signature).is_ok()
}
