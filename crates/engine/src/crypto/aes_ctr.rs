//! AES-256-CTR as the SOMA protocol uses it (reference `Ctr128BE<Aes256>`): the IV is
//! 16 zero bytes and the whole 16-byte block is a 128-bit big-endian counter, so the
//! keystream block for byte offset `o` is `AES(key, o / 16)`. Encryption and
//! decryption are the same operation; the output has the input's length.

use aws_lc_rs::cipher::{EncryptingKey, EncryptionContext, UnboundCipherKey, AES_256};
use aws_lc_rs::iv::FixedLength;

use crate::error::{EngineError, Result};

pub const KEY_LEN: usize = 32;
const BLOCK: u64 = 16;

/// A keystream positioned at a byte offset. `apply` XORs the keystream into a buffer in
/// place and advances; `seek` moves to any offset, so a large file can be processed in
/// independent pieces.
///
/// The block cipher is AWS-LC's (hardware AES with the OpenSSL-lineage assembly); its
/// CTR mode carries the counter across all 128 bits, as `Ctr128BE` does.
pub struct Aes256Ctr {
  key: EncryptingKey,
  offset: u64,
}

fn counter_block(block_index: u64) -> EncryptionContext {
  EncryptionContext::Iv128(FixedLength::from(u128::from(block_index).to_be_bytes()))
}

impl Aes256Ctr {
  pub fn new(key: &[u8]) -> Result<Self> {
    Self::at_offset(key, 0)
  }

  pub fn at_offset(key: &[u8], offset: u64) -> Result<Self> {
    if key.len() != KEY_LEN {
      return Err(EngineError::InvalidKeyLength { expected: KEY_LEN, actual: key.len() });
    }
    let unbound = UnboundCipherKey::new(&AES_256, key)
      .map_err(|_| EngineError::InvalidKeyLength { expected: KEY_LEN, actual: key.len() })?;
    let key = EncryptingKey::ctr(unbound).map_err(|_| EngineError::Crypto("AES-256-CTR key setup failed"))?;
    Ok(Self { key, offset })
  }

  fn xor_at(&self, buf: &mut [u8], block_index: u64) -> Result<()> {
    if buf.is_empty() {
      return Ok(());
    }
    self
      .key
      .less_safe_encrypt(buf, counter_block(block_index))
      .map(|_| ())
      .map_err(|_| EngineError::Crypto("AES-256-CTR failed"))
  }

  /// XOR the keystream into `buf` in place.
  pub fn apply(&mut self, buf: &mut [u8]) -> Result<()> {
    let end = self
      .offset
      .checked_add(buf.len() as u64)
      .ok_or(EngineError::CounterOverflow { offset: u128::from(self.offset) + buf.len() as u128 })?;
    let mut rest = buf;
    let skip = (self.offset % BLOCK) as usize;
    if skip != 0 {
      // Finish the partial block: keystream of the whole block, use its tail.
      let mut block = [0u8; BLOCK as usize];
      self.xor_at(&mut block, self.offset / BLOCK)?;
      let take = rest.len().min(BLOCK as usize - skip);
      let (head, tail) = rest.split_at_mut(take);
      for (b, k) in head.iter_mut().zip(&block[skip..]) {
        *b ^= k;
      }
      rest = tail;
    }
    let aligned = self.offset.div_ceil(BLOCK);
    self.xor_at(rest, aligned)?;
    self.offset = end;
    Ok(())
  }

  /// Current byte offset in the keystream.
  pub fn offset(&self) -> u64 {
    self.offset
  }

  pub fn seek(&mut self, offset: u64) -> Result<()> {
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

#[cfg(test)]
mod tests {
  use super::*;

  use aes::cipher::{KeyIvInit, StreamCipher};

  /// The reference's own construction, `Ctr128BE<Aes256>` from RustCrypto: the oracle.
  type Ctr = ctr::Ctr128BE<aes::Aes256>;

  fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
  }

  fn reference(data: &[u8], key: &[u8; 32]) -> Vec<u8> {
    let mut out = data.to_vec();
    Ctr::new(key.into(), &[0u8; 16].into()).apply_keystream(&mut out);
    out
  }

  #[test]
  fn matches_the_reference_construction_at_every_offset_and_length() {
    let key = [0x5au8; 32];
    let data: Vec<u8> = (0..700u32).map(|i| (i * 7 % 256) as u8).collect();
    let expected = reference(&data, &key);
    for offset in 0..40u64 {
      for len in [0usize, 1, 2, 15, 16, 17, 31, 32, 33, 100, 600] {
        let start = offset as usize;
        let end = (start + len).min(data.len());
        let mut piece = data[start..end].to_vec();
        let mut c = Aes256Ctr::at_offset(&key, offset).unwrap();
        c.apply(&mut piece).unwrap();
        assert_eq!(piece, expected[start..end], "offset {offset} len {len}");
        assert_eq!(c.offset(), end as u64);
      }
    }
  }

  #[test]
  fn the_highest_reachable_offsets_match_the_reference() {
    // A u64 byte offset reaches block indices below 2^60; the last 3 blocks of that
    // range, entered mid-block, must agree with the 128-bit reference counter.
    let key = [9u8; 32];
    let offset = u64::MAX - 40;
    assert_eq!(offset % 16, 7);
    let mut ours = vec![0u8; 40];
    Aes256Ctr::at_offset(&key, offset).unwrap().apply(&mut ours).unwrap();
    let first_block = offset / 16;
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&u128::from(first_block).to_be_bytes());
    let mut theirs = vec![0u8; 48 + (offset % 16) as usize];
    Ctr::new(&key.into(), &iv.into()).apply_keystream(&mut theirs);
    assert_eq!(ours, theirs[(offset % 16) as usize..][..40]);
    // One byte more would pass the end of the u64 offset space: an error, not a wrap.
    let mut c = Aes256Ctr::at_offset(&key, u64::MAX).unwrap();
    assert!(matches!(c.apply(&mut [0u8; 2]), Err(EngineError::CounterOverflow { .. })));
  }

  /// NIST SP 800-38A F.5.5's key and four plaintext blocks under the protocol's zero IV
  /// (counter blocks 0..=3 instead of NIST's f0f1…feff..). The expected bytes come from
  /// `openssl enc -aes-256-ctr -iv 00…00` on the same input; the oracle must agree, and
  /// so must ours, whole and entered mid-block.
  #[test]
  fn nist_sp800_38a_f55_inputs_under_the_zero_iv() {
    let key: [u8; 32] = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4").try_into().unwrap();
    let plain = unhex(
      "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
       30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"
        .replace('\n', "")
        .as_str(),
    );
    let expected = "8ea94863ba8fe940fe7032d13083bf7e3f38940a1579b3875e60c37ceb91dfb5\
                    27c63f97d00036c49c1dfb9161c39afcbe9218a879799e723852f46d728e8f3e";
    assert_eq!(hex::encode(reference(&plain, &key)), expected);
    assert_eq!(hex::encode(aes256_ctr(&plain, &key).unwrap()), expected);
    let mut pieces = plain.clone();
    let (head, tail) = pieces.split_at_mut(23);
    let mut stream = Aes256Ctr::new(&key).unwrap();
    stream.apply(head).unwrap();
    stream.apply(tail).unwrap();
    assert_eq!(hex::encode(&pieces), expected);
  }

  /// NIST SP 800-38A F.5.5 (CTR-AES256.Encrypt) uses the initial counter block
  /// f0f1…feff. The protocol's IV is zero, so this drives the same `Ctr128BE` with
  /// NIST's counter to check the cipher and the 128-bit big-endian increment (the
  /// counter carries out of the last byte after the first block).
  #[test]
  fn nist_sp800_38a_f55_ctr_aes256() {
    let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    let counter = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    let plain = unhex(
      "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
       30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"
        .replace('\n', "")
        .as_str(),
    );
    let expected = unhex(
      "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5
       2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6"
        .replace('\n', "")
        .as_str(),
    );
    let key: [u8; 32] = key.try_into().unwrap();
    let counter: [u8; 16] = counter.try_into().unwrap();
    let mut buf = plain.clone();
    Ctr::new(&key.into(), &counter.into()).apply_keystream(&mut buf);
    assert_eq!(hex::encode(&buf), hex::encode(&expected));
  }
}
