//! AES-256-CTR as the SOMA protocol uses it (reference `Ctr128BE<Aes256>`): the IV is
//! 16 zero bytes and the whole 16-byte block is a 128-bit big-endian counter, so the
//! keystream block for byte offset `o` is `AES(key, o / 16)`. Encryption and
//! decryption are the same operation; the output has the input's length.

use aes::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};

use crate::error::{EngineError, Result};

pub const KEY_LEN: usize = 32;

type Ctr = ctr::Ctr128BE<aes::Aes256>;

/// A keystream positioned at a byte offset. `apply` XORs the keystream into a buffer in
/// place and advances; `seek` moves to any offset, so a large file can be processed in
/// independent pieces.
pub struct Aes256Ctr {
  cipher: Ctr,
  offset: u64,
}

impl Aes256Ctr {
  pub fn new(key: &[u8]) -> Result<Self> {
    Self::at_offset(key, 0)
  }

  pub fn at_offset(key: &[u8], offset: u64) -> Result<Self> {
    let key: &[u8; KEY_LEN] = key
      .try_into()
      .map_err(|_| EngineError::InvalidKeyLength { expected: KEY_LEN, actual: key.len() })?;
    let iv = [0u8; 16];
    let mut cipher = Ctr::new(key.into(), &iv.into());
    cipher
      .try_seek(offset)
      .map_err(|_| EngineError::CounterOverflow { offset: u128::from(offset) })?;
    Ok(Self { cipher, offset })
  }

  /// XOR the keystream into `buf` in place.
  pub fn apply(&mut self, buf: &mut [u8]) -> Result<()> {
    self
      .cipher
      .try_apply_keystream(buf)
      .map_err(|_| EngineError::CounterOverflow { offset: u128::from(self.offset) + buf.len() as u128 })?;
    self.offset += buf.len() as u64;
    Ok(())
  }

  /// Current byte offset in the keystream.
  pub fn offset(&self) -> u64 {
    self.offset
  }

  pub fn seek(&mut self, offset: u64) -> Result<()> {
    self
      .cipher
      .try_seek(offset)
      .map_err(|_| EngineError::CounterOverflow { offset: u128::from(offset) })?;
    self.offset = offset;
    Ok(())
  }
}

/// One-shot AES-256-CTR (zero IV) of `data`; encryption and decryption alike.
pub fn aes256_ctr(data: &[u8], key: &[u8]) -> Result<Vec<u8>> {
  let mut out = data.to_vec();
  Aes256Ctr::new(key)?.apply(&mut out)?;
  Ok(out)
}
