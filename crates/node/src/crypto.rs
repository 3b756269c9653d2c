use std::path::PathBuf;

use napi::bindgen_prelude::{AbortSignal, AsyncTask, Uint8Array};
use napi_derive::napi;
use soma_engine::crypto;

use crate::bytes::Bytes;
use crate::control::{Control, ProgressFn};
use crate::error::{guarded, invalid, Result};
use crate::task::{schedule, Work};

fn to_offset(offset: Option<f64>) -> Result<u64> {
  match offset {
    None => Ok(0),
    Some(o) if o.is_finite() && o >= 0.0 && o.fract() == 0.0 && o <= 9_007_199_254_740_991.0 => Ok(o as u64),
    Some(_) => Err(invalid("offset must be a non-negative safe integer")),
  }
}

fn digest(bytes: [u8; crypto::DIGEST_LEN]) -> Uint8Array {
  Uint8Array::from(bytes.to_vec())
}

// ---------------------------------------------------------------- Blake2b-256

/// Blake2b-256 of `data`.
#[napi(catch_unwind, js_name = "blake2b256")]
pub fn blake2b256(#[napi(ts_arg_type = "Uint8Array")] data: Bytes) -> Result<Uint8Array> {
  Ok(digest(crypto::blake2b256(data.get("data")?)))
}

/// Blake2b-256 of `data`, computed off the event loop. The buffer is held, not copied,
/// until the task ends.
#[napi(catch_unwind, js_name = "blake2b256Async", ts_return_type = "Promise<Uint8Array>")]
pub fn blake2b256_async(
  #[napi(ts_arg_type = "Uint8Array")] data: Bytes,
  signal: Option<AbortSignal>,
) -> Result<AsyncTask<Work<Uint8Array>>> {
  let data = data.hold("data")?;
  Ok(schedule(signal, move || Ok(digest(crypto::blake2b256(data.bytes())))))
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
  pub fn update(&mut self, #[napi(ts_arg_type = "Uint8Array")] data: Bytes) -> Result<()> {
    self.inner.update(data.get("data")?);
    Ok(())
  }

  /// Digest of everything fed so far; the hasher stays usable.
  #[napi(catch_unwind)]
  pub fn digest(&self) -> Uint8Array {
    digest(self.inner.finalize())
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
  #[napi(ts_arg_type = "(processed: number) => void")] on_progress: Option<ProgressFn>,
  signal: Option<AbortSignal>,
) -> AsyncTask<Work<Uint8Array>> {
  let control = Control::new(signal.as_ref(), on_progress);
  schedule(signal, move || Ok(digest(crypto::blake2b256_file(&PathBuf::from(path), &mut |n| control.tick(n))?)))
}

/// Blake2b-256 of a file, blocking the calling thread.
#[napi(catch_unwind, js_name = "blake2b256FileSync")]
pub fn blake2b256_file_sync(path: String) -> Result<Uint8Array> {
  guarded(|| Ok(digest(crypto::blake2b256_file(&PathBuf::from(path), &mut |_| Ok(()))?)))
}

// ---------------------------------------------------------------- BLS12-381

/// The committee's aggregate BLS12-381 min-sig signature over `message` (48 bytes,
/// compressed G1): every 32-byte big-endian secret key signs, and the signatures are
/// summed. Synchronous: one hash to G1 and one scalar multiplication, well under a
/// millisecond, cheaper than a round trip through the thread pool.
#[napi(catch_unwind)]
pub fn bls_min_sig_sign_aggregate(
  #[napi(ts_arg_type = "Uint8Array")] message: Bytes,
  #[napi(ts_arg_type = "Uint8Array")] dst: Bytes,
  #[napi(ts_arg_type = "Uint8Array[]")] secret_keys: Vec<Bytes>,
) -> Result<Uint8Array> {
  let message = message.get("message")?;
  let dst = dst.get("dst")?;
  let keys = secret_keys.iter().map(|key| key.get("secretKeys[]")).collect::<Result<Vec<_>>>()?;
  guarded(|| crypto::bls_min_sig_sign_aggregate(message, dst, &keys)).map(|sig| Uint8Array::from(sig.to_vec()))
}

// ---------------------------------------------------------------- Ed25519

/// Whether `signature` is an RFC 8032 Ed25519 signature of `message` by `publicKey`
/// (AWS-LC). Synchronous: one check takes tens of microseconds. A `false` is not the final
/// word for the chain's ZIP-215 rules, which accept more (see the engine's `ed25519`).
#[napi(catch_unwind)]
pub fn ed25519_verify_strict(
  #[napi(ts_arg_type = "Uint8Array")] public_key: Bytes,
  #[napi(ts_arg_type = "Uint8Array")] message: Bytes,
  #[napi(ts_arg_type = "Uint8Array")] signature: Bytes,
) -> Result<bool> {
  Ok(crypto::ed25519_verify_strict(public_key.get("publicKey")?, message.get("message")?, signature.get("signature")?))
}

// ---------------------------------------------------------------- AES-256-CTR

/// AES-256-CTR with the protocol's zero IV, XORed into `data` in place; encrypts and
/// decrypts alike. Working in place on a JS-owned buffer keeps large outputs under the
/// garbage collector's accounting (an external buffer per call would not be).
#[napi(catch_unwind)]
pub fn aes256_ctr_in_place(
  #[napi(ts_arg_type = "Uint8Array")] mut data: Bytes,
  #[napi(ts_arg_type = "Uint8Array")] key: Bytes,
) -> Result<()> {
  let key = key.get("key")?;
  // SAFETY: this call is synchronous on the JS thread, so no JS code can touch the
  // buffer while we write to it.
  let target = unsafe { data.get_mut("data")? };
  guarded(|| crypto::Aes256Ctr::new(key)?.apply(target))
}

/// AES-256-CTR off the event loop; the input is held (not copied) until the task ends
/// and the output is a new buffer.
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn aes256_ctr_async(
  #[napi(ts_arg_type = "Uint8Array")] data: Bytes,
  #[napi(ts_arg_type = "Uint8Array")] key: Bytes,
  signal: Option<AbortSignal>,
) -> Result<AsyncTask<Work<Uint8Array>>> {
  let data = data.hold("data")?;
  let key = key.get("key")?.to_vec();
  Ok(schedule(signal, move || crypto::aes256_ctr(data.bytes(), &key).map(Uint8Array::from)))
}

/// A keystream positioned at a byte offset, for streaming encryption.
#[napi]
pub struct Aes256CtrStream {
  inner: crypto::Aes256Ctr,
}

#[napi]
impl Aes256CtrStream {
  #[napi(constructor, catch_unwind)]
  pub fn new(#[napi(ts_arg_type = "Uint8Array")] key: Bytes, offset: Option<f64>) -> Result<Self> {
    let offset = to_offset(offset)?;
    let key = key.get("key")?;
    guarded(|| crypto::Aes256Ctr::at_offset(key, offset)).map(|inner| Self { inner })
  }

  /// XORs the keystream at the current offset into `data` in place, and advances.
  #[napi(catch_unwind)]
  pub fn update_in_place(&mut self, #[napi(ts_arg_type = "Uint8Array")] mut data: Bytes) -> Result<()> {
    // SAFETY: synchronous on the JS thread; nothing else can write the buffer meanwhile.
    let target = unsafe { data.get_mut("data")? };
    guarded(|| self.inner.apply(target))
  }

  #[napi(catch_unwind)]
  pub fn seek(&mut self, offset: f64) -> Result<()> {
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
  #[napi(ts_arg_type = "Uint8Array")] key: Bytes,
  #[napi(ts_arg_type = "(processed: number) => void")] on_progress: Option<ProgressFn>,
  signal: Option<AbortSignal>,
) -> Result<AsyncTask<Work<f64>>> {
  let key = key.get("key")?.to_vec();
  let control = Control::new(signal.as_ref(), on_progress);
  Ok(schedule(signal, move || {
    let n = crypto::aes256_ctr_file(&PathBuf::from(src), &PathBuf::from(dst), &key, &mut |n| control.tick(n))?;
    Ok(n as f64)
  }))
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
  #[napi(ts_arg_type = "Uint8Array")] key: Bytes,
  #[napi(ts_arg_type = "(processed: number) => void")] on_progress: Option<ProgressFn>,
  signal: Option<AbortSignal>,
) -> Result<AsyncTask<Work<EncryptedFile>>> {
  let key = key.get("key")?.to_vec();
  let control = Control::new(signal.as_ref(), on_progress);
  Ok(schedule(signal, move || {
    let out =
      crypto::encrypt_file_with_checksum(&PathBuf::from(src), &PathBuf::from(dst), &key, &mut |n| control.tick(n))?;
    Ok(EncryptedFile { checksum: digest(out.checksum), size: out.size as f64 })
  }))
}
