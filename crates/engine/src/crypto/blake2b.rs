//! Blake2b with a 32-byte output (unkeyed, no salt or personalisation), which is what
//! the reference calls `Blake2b256`. The SIMD backend is chosen at run time, so the
//! binary needs no `target-cpu` flag.

pub const DIGEST_LEN: usize = 32;

fn params() -> blake2b_simd::Params {
  let mut params = blake2b_simd::Params::new();
  params.hash_length(DIGEST_LEN);
  params
}

/// One-shot Blake2b-256.
pub fn blake2b256(data: &[u8]) -> [u8; DIGEST_LEN] {
  let hash = params().hash(data);
  to_array(hash.as_bytes())
}

fn to_array(bytes: &[u8]) -> [u8; DIGEST_LEN] {
  let mut out = [0u8; DIGEST_LEN];
  out.copy_from_slice(&bytes[..DIGEST_LEN]);
  out
}

/// Streaming Blake2b-256: feed any number of `update`s, then `finalize`.
#[derive(Clone)]
pub struct Blake2b256 {
  state: blake2b_simd::State,
  len: u64,
}

impl Default for Blake2b256 {
  fn default() -> Self {
    Self::new()
  }
}

impl Blake2b256 {
  pub fn new() -> Self {
    Self { state: params().to_state(), len: 0 }
  }

  pub fn update(&mut self, data: &[u8]) -> &mut Self {
    self.state.update(data);
    self.len += data.len() as u64;
    self
  }

  /// Bytes fed so far.
  pub fn len(&self) -> u64 {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// The digest of everything fed so far. The state stays usable, so a caller may
  /// take intermediate digests.
  pub fn finalize(&self) -> [u8; DIGEST_LEN] {
    to_array(self.state.finalize().as_bytes())
  }
}
