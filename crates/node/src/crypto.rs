use std::path::PathBuf;

use napi::bindgen_prelude::{AbortSignal, AsyncTask, Uint8Array, Unknown};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;
use soma_engine::crypto;

use crate::control::Control;
use crate::error::guarded;
use crate::task::{schedule, Work};

fn to_offset(offset: Option<f64>) -> napi::Result<u64> {
  match offset {
    None => Ok(0),
    Some(o) if o.is_finite() && o >= 0.0 && o.fract() == 0.0 && o <= 9_007_199_254_740_991.0 => Ok(o as u64),
    Some(_) => Err(napi::Error::new(
      napi::Status::InvalidArg,
      "SOMA_INVALID_ARGUMENT: offset must be a non-negative safe integer",
    )),
  }
}

// ---------------------------------------------------------------- Blake2b-256

/// Blake2b-256 of `data`.
#[napi(catch_unwind, js_name = "blake2b256")]
pub fn blake2b256(data: &[u8]) -> Uint8Array {
  Uint8Array::from(crypto::blake2b256(data).to_vec())
}

/// Blake2b-256 of `data`, computed off the event loop.
#[napi(catch_unwind, js_name = "blake2b256Async", ts_return_type = "Promise<Uint8Array>")]
pub fn blake2b256_async(data: &[u8], signal: Option<AbortSignal>) -> AsyncTask<Work<Uint8Array>> {
  let data = data.to_vec();
  schedule(signal, move || Ok(Uint8Array::from(crypto::blake2b256(&data).to_vec())))
}

/// Streaming Blake2b-256.
#[napi(js_name = "Blake2b256Hasher")]
pub struct Blake2b256Hasher {
  inner: crypto::Blake2b256,
}

#[napi]
impl Blake2b256Hasher {
  #[napi(constructor, catch_unwind)]
  #[allow(clippy::new_without_default)]
  pub fn new() -> Self {
    Self { inner: crypto::Blake2b256::new() }
  }

  #[napi(catch_unwind)]
  pub fn update(&mut self, data: &[u8]) {
    self.inner.update(data);
  }

  /// Digest of everything fed so far; the hasher stays usable.
  #[napi(catch_unwind)]
  pub fn digest(&self) -> Uint8Array {
    Uint8Array::from(self.inner.finalize().to_vec())
  }

  /// Bytes fed so far.
  #[napi(getter, catch_unwind)]
  pub fn length(&self) -> f64 {
    self.inner.len() as f64
  }
}

/// Blake2b-256 of a file, read in chunks off the event loop.
#[napi(catch_unwind, js_name = "blake2b256File", ts_return_type = "Promise<Uint8Array>")]
pub fn blake2b256_file(
  path: String,
  on_progress: Option<ThreadsafeFunction<f64, Unknown<'static>, f64, Status, false>>,
  signal: Option<AbortSignal>,
) -> AsyncTask<Work<Uint8Array>> {
  let control = Control::new(signal.as_ref(), on_progress);
  schedule(signal, move || {
    let digest = crypto::blake2b256_file(&PathBuf::from(path), &mut |n| control.tick(n))?;
    Ok(Uint8Array::from(digest.to_vec()))
  })
}

/// Blake2b-256 of a file, blocking the calling thread.
#[napi(catch_unwind, js_name = "blake2b256FileSync")]
pub fn blake2b256_file_sync(path: String) -> napi::Result<Uint8Array> {
  guarded(|| {
    let digest = crypto::blake2b256_file(&PathBuf::from(path), &mut |_| Ok(()))?;
    Ok(Uint8Array::from(digest.to_vec()))
  })
}

// ---------------------------------------------------------------- AES-256-CTR

/// AES-256-CTR with the protocol's zero IV, XORed into `data` in place; encrypts and
/// decrypts alike. Working in place on a JS-owned buffer keeps large outputs under the
/// garbage collector's accounting (an external buffer per call would not be).
#[napi(catch_unwind)]
pub fn aes256_ctr_in_place(mut data: Uint8Array, key: &[u8]) -> napi::Result<()> {
  // SAFETY: this call is synchronous on the JS thread, so no JS code can touch the
  // buffer while we write to it.
  let target = unsafe { data.as_mut() };
  guarded(|| crypto::Aes256Ctr::new(key)?.apply(target))
}

/// AES-256-CTR off the event loop.
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn aes256_ctr_async(data: &[u8], key: &[u8], signal: Option<AbortSignal>) -> AsyncTask<Work<Uint8Array>> {
  let data = data.to_vec();
  let key = key.to_vec();
  schedule(signal, move || crypto::aes256_ctr(&data, &key).map(Uint8Array::from))
}

/// A keystream positioned at a byte offset, for streaming encryption.
#[napi]
pub struct Aes256CtrStream {
  inner: crypto::Aes256Ctr,
}

#[napi]
impl Aes256CtrStream {
  #[napi(constructor, catch_unwind)]
  pub fn new(key: &[u8], offset: Option<f64>) -> napi::Result<Self> {
    let offset = to_offset(offset)?;
    guarded(|| crypto::Aes256Ctr::at_offset(key, offset)).map(|inner| Self { inner })
  }

  /// XORs the keystream at the current offset into `data` in place, and advances.
  #[napi(catch_unwind)]
  pub fn update_in_place(&mut self, mut data: Uint8Array) -> napi::Result<()> {
    // SAFETY: synchronous on the JS thread; nothing else can write the buffer meanwhile.
    let target = unsafe { data.as_mut() };
    guarded(|| self.inner.apply(target))
  }

  #[napi(catch_unwind)]
  pub fn seek(&mut self, offset: f64) -> napi::Result<()> {
    let offset = to_offset(Some(offset))?;
    guarded(|| self.inner.seek(offset))
  }

  #[napi(getter, catch_unwind)]
  pub fn offset(&self) -> f64 {
    self.inner.offset() as f64
  }
}

/// AES-256-CTR of file `src` into `dst`; resolves to the byte count.
#[napi(catch_unwind, ts_return_type = "Promise<number>")]
pub fn aes256_ctr_file(
  src: String,
  dst: String,
  key: &[u8],
  on_progress: Option<ThreadsafeFunction<f64, Unknown<'static>, f64, Status, false>>,
  signal: Option<AbortSignal>,
) -> AsyncTask<Work<f64>> {
  let key = key.to_vec();
  let control = Control::new(signal.as_ref(), on_progress);
  schedule(signal, move || {
    let n = crypto::aes256_ctr_file(&PathBuf::from(src), &PathBuf::from(dst), &key, &mut |n| control.tick(n))?;
    Ok(n as f64)
  })
}

#[napi(object)]
pub struct EncryptedFile {
  /// Blake2b-256 of the ciphertext.
  pub checksum: Uint8Array,
  /// Ciphertext size in bytes.
  pub size: f64,
}

/// Encrypts `src` into `dst` in one pass and returns the ciphertext's Blake2b-256 and size.
#[napi(catch_unwind, ts_return_type = "Promise<EncryptedFile>")]
pub fn encrypt_file_with_checksum(
  src: String,
  dst: String,
  key: &[u8],
  on_progress: Option<ThreadsafeFunction<f64, Unknown<'static>, f64, Status, false>>,
  signal: Option<AbortSignal>,
) -> AsyncTask<Work<EncryptedFile>> {
  let key = key.to_vec();
  let control = Control::new(signal.as_ref(), on_progress);
  schedule(signal, move || {
    let out = crypto::encrypt_file_with_checksum(&PathBuf::from(src), &PathBuf::from(dst), &key, &mut |n| {
      control.tick(n)
    })?;
    Ok(EncryptedFile { checksum: Uint8Array::from(out.checksum.to_vec()), size: out.size as f64 })
  })
}
