//! Checksums as the protocol commits them: the Blake2b-256 of a file's bytes, shown in
//! Base58 (the form users copy from the chain and pass back).

use super::blake2b::{blake2b256, DIGEST_LEN};
use crate::error::{EngineError, Result};

/// Base58 (Bitcoin alphabet) text of a digest.
pub fn to_base58(bytes: &[u8]) -> String {
  bs58::encode(bytes).into_string()
}

/// Checks the Blake2b-256 of `bytes` against `expected`, when given.
pub fn verify_checksum(bytes: &[u8], expected: Option<&[u8; DIGEST_LEN]>) -> Result<()> {
  if let Some(expected) = expected {
    let actual = blake2b256(bytes);
    if &actual != expected {
      return Err(EngineError::ChecksumMismatch { expected: to_base58(expected), actual: to_base58(&actual) });
    }
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn mismatches_name_both_digests_in_base58() {
    let err = verify_checksum(b"weights", Some(&[0u8; 32])).unwrap_err();
    let actual = to_base58(&blake2b256(b"weights"));
    match &err {
      EngineError::ChecksumMismatch { expected, actual: got } => {
        assert_eq!(expected, "11111111111111111111111111111111");
        assert_eq!(got, &actual);
      }
      other => panic!("expected a checksum mismatch, got {other:?}"),
    }
    assert!(verify_checksum(b"weights", Some(&blake2b256(b"weights"))).is_ok());
    assert!(verify_checksum(b"weights", None).is_ok());
  }
}
