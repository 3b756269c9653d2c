//! napi glue for the V1 model: loading (plain or encrypted), scoring, and the reference
//! RNG. Loading and scoring run on the libuv pool; a loaded model is an immutable
//! `Arc<V1Model>`, so concurrent scoring calls share it without copying.

use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::{AbortSignal, AsyncTask, BigInt, Float32Array, Unknown};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;
use soma_engine::device::DeviceKind;
use soma_engine::model::{ModelConfig, V1Model};
use soma_engine::{rng, score, EngineError};

use crate::control::Control;
use crate::error::guarded;
use crate::task::{schedule, Work};

fn invalid(message: impl Into<String>) -> napi::Error {
  napi::Error::new(Status::InvalidArg, format!("SOMA_INVALID_ARGUMENT: {}", message.into()))
}

/// The hyper-parameters of a model; the RoPE base and SIGReg settings are always V1's.
#[napi(object)]
#[derive(Clone)]
pub struct NativeModelConfig {
  pub embedding_dim: u32,
  pub num_layers: u32,
  pub num_heads: u32,
  pub pwff_hidden_dim: u32,
  pub vocab_size: u32,
  pub max_seq_len: u32,
  pub batch_size: u32,
}

impl From<&NativeModelConfig> for ModelConfig {
  fn from(c: &NativeModelConfig) -> Self {
    ModelConfig {
      embedding_dim: c.embedding_dim as usize,
      num_layers: c.num_layers as usize,
      num_heads: c.num_heads as usize,
      pwff_hidden_dim: c.pwff_hidden_dim as usize,
      vocab_size: c.vocab_size as usize,
      max_seq_len: c.max_seq_len as usize,
      batch_size: c.batch_size as usize,
      ..ModelConfig::v1()
    }
  }
}

impl From<&ModelConfig> for NativeModelConfig {
  fn from(c: &ModelConfig) -> Self {
    NativeModelConfig {
      embedding_dim: c.embedding_dim as u32,
      num_layers: c.num_layers as u32,
      num_heads: c.num_heads as u32,
      pwff_hidden_dim: c.pwff_hidden_dim as u32,
      vocab_size: c.vocab_size as u32,
      max_seq_len: c.max_seq_len as u32,
      batch_size: c.batch_size as u32,
    }
  }
}

/// A loaded, immutable model.
#[napi]
pub struct NativeModel {
  inner: Arc<V1Model>,
}

#[napi]
impl NativeModel {
  #[napi(getter, catch_unwind)]
  pub fn config(&self) -> NativeModelConfig {
    NativeModelConfig::from(self.inner.config())
  }

  #[napi(getter, catch_unwind)]
  pub fn parameter_count(&self) -> f64 {
    self.inner.config().parameter_count() as f64
  }

  #[napi(getter, catch_unwind)]
  pub fn device(&self) -> String {
    let d = self.inner.device();
    if d.is_cuda() {
      "cuda".into()
    } else if d.is_metal() {
      "metal".into()
    } else {
      "cpu".into()
    }
  }
}

fn device_of(device: Option<String>) -> napi::Result<DeviceKind> {
  match device {
    None => Ok(DeviceKind::Cpu),
    Some(name) => guarded(|| name.parse::<DeviceKind>()),
  }
}

fn checksum_of(checksum: Option<&[u8]>) -> napi::Result<Option<[u8; 32]>> {
  match checksum {
    None => Ok(None),
    Some(bytes) => {
      let arr: [u8; 32] =
        bytes.try_into().map_err(|_| invalid(format!("checksum must be 32 bytes, got {}", bytes.len())))?;
      Ok(Some(arr))
    }
  }
}

/// Loads weights from a safetensors file. With `key`, the file is AES-256-CTR encrypted:
/// its Blake2b-256 is checked against `checksum` (when given) and it is decrypted in memory.
#[napi(catch_unwind, ts_return_type = "Promise<NativeModel>")]
pub fn load_model_file(
  path: String,
  config: NativeModelConfig,
  device: Option<String>,
  key: Option<&[u8]>,
  checksum: Option<&[u8]>,
  signal: Option<AbortSignal>,
) -> napi::Result<AsyncTask<Work<NativeModel>>> {
  let config = ModelConfig::from(&config);
  let device = device_of(device)?;
  let key = key.map(|k| k.to_vec());
  let checksum = checksum_of(checksum)?;
  Ok(schedule(signal, move || {
    let device = device.open()?;
    let path = PathBuf::from(path);
    let model = match key {
      Some(key) => V1Model::from_encrypted_file(config, &path, &key, checksum.as_ref(), &device)?,
      None => {
        if let Some(expected) = checksum {
          let actual = soma_engine::crypto::blake2b256_file(&path, &mut |_| Ok(()))?;
          if actual != expected {
            return Err(EngineError::ChecksumMismatch { expected: hex(&expected), actual: hex(&actual) });
          }
        }
        V1Model::from_file(config, &path, &device)?
      }
    };
    Ok(NativeModel { inner: Arc::new(model) })
  }))
}

/// Loads weights from bytes in memory (encrypted when `key` is given; see `loadModelFile`).
#[napi(catch_unwind, ts_return_type = "Promise<NativeModel>")]
pub fn load_model_bytes(
  bytes: &[u8],
  config: NativeModelConfig,
  device: Option<String>,
  key: Option<&[u8]>,
  checksum: Option<&[u8]>,
  signal: Option<AbortSignal>,
) -> napi::Result<AsyncTask<Work<NativeModel>>> {
  let config = ModelConfig::from(&config);
  let device = device_of(device)?;
  let bytes = bytes.to_vec();
  let key = key.map(|k| k.to_vec());
  let checksum = checksum_of(checksum)?;
  Ok(schedule(signal, move || {
    let device = device.open()?;
    let model = match key {
      Some(key) => V1Model::from_encrypted(config, bytes, &key, checksum.as_ref(), &device)?,
      None => {
        soma_engine::model::verify_checksum(&bytes, checksum.as_ref())?;
        V1Model::from_safetensors(config, &bytes, &device)?
      }
    };
    Ok(NativeModel { inner: Arc::new(model) })
  }))
}

/// A model with random weights, for benchmarks.
#[napi(catch_unwind, ts_return_type = "Promise<NativeModel>")]
pub fn random_model(
  config: NativeModelConfig,
  device: Option<String>,
  signal: Option<AbortSignal>,
) -> napi::Result<AsyncTask<Work<NativeModel>>> {
  let config = ModelConfig::from(&config);
  let device = device_of(device)?;
  Ok(schedule(signal, move || {
    let device = device.open()?;
    Ok(NativeModel { inner: Arc::new(V1Model::random(config, &device)?) })
  }))
}

#[napi(object)]
pub struct NativeModelScore {
  pub loss: f64,
  pub embedding: Float32Array,
}

#[napi(object)]
pub struct NativeScoreResult {
  pub winner: u32,
  pub loss: f64,
  pub embedding: Float32Array,
  pub distance: f64,
  pub models: Vec<NativeModelScore>,
}

fn seed_of(seed: BigInt) -> napi::Result<u64> {
  let (negative, value, lossless) = seed.get_u64();
  if negative || !lossless {
    return Err(invalid("seed must be an integer in [0, 2^64)"));
  }
  Ok(value)
}

/// Scores `data` against `models` (in order) and `target`; `onProgress` gets the number
/// of batches done so far (over all models) after each batch.
#[napi(catch_unwind, ts_return_type = "Promise<NativeScoreResult>")]
pub fn score_models(
  data: &[u8],
  models: Vec<&NativeModel>,
  target: Float32Array,
  seed: BigInt,
  on_progress: Option<ThreadsafeFunction<f64, Unknown<'static>, f64, Status, false>>,
  signal: Option<AbortSignal>,
) -> napi::Result<AsyncTask<Work<NativeScoreResult>>> {
  let seed = seed_of(seed)?;
  let data = data.to_vec();
  let target = target.to_vec();
  let models: Vec<Arc<V1Model>> = models.iter().map(|m| m.inner.clone()).collect();
  let control = Control::new(signal.as_ref(), on_progress);
  Ok(schedule(signal, move || {
    let refs: Vec<&V1Model> = models.iter().map(|m| m.as_ref()).collect();
    let mut done = 0u64;
    let out = score::score(&refs, &data, &target, seed, &mut |_| {
      done += 1;
      control.tick(done)
    })?;
    Ok(NativeScoreResult {
      winner: out.winner as u32,
      loss: out.loss as f64,
      embedding: Float32Array::from(out.embedding),
      distance: out.distance as f64,
      models: out
        .models
        .into_iter()
        .map(|m| NativeModelScore { loss: m.loss as f64, embedding: Float32Array::from(m.embedding) })
        .collect(),
    })
  }))
}

fn shape_of(shape: Vec<u32>) -> Vec<usize> {
  shape.into_iter().map(|d| d as usize).collect()
}

/// `arrgen.normal_array(seed, shape, mean, std)`, row-major.
#[napi(catch_unwind)]
pub fn normal_array(seed: BigInt, shape: Vec<u32>, mean: f64, std_dev: f64) -> napi::Result<Float32Array> {
  let seed = seed_of(seed)?;
  guarded(|| rng::normal_array(seed, &shape_of(shape), mean as f32, std_dev as f32)).map(Float32Array::from)
}

/// `arrgen.uniform_array(seed, shape, min, max)`, row-major.
#[napi(catch_unwind)]
pub fn uniform_array(seed: BigInt, shape: Vec<u32>, min: f64, max: f64) -> napi::Result<Float32Array> {
  let seed = seed_of(seed)?;
  guarded(|| rng::uniform_array(seed, &shape_of(shape), min as f32, max as f32)).map(Float32Array::from)
}

/// The seed of the `creationNum`-th target created by the transaction `txDigest`.
#[napi(catch_unwind)]
pub fn target_seed(tx_digest: &[u8], creation_num: BigInt) -> napi::Result<BigInt> {
  let digest: [u8; 32] =
    tx_digest.try_into().map_err(|_| invalid(format!("txDigest must be 32 bytes, got {}", tx_digest.len())))?;
  Ok(BigInt::from(rng::target_seed(&digest, seed_of(creation_num)?)))
}

/// A target's embedding: `dim` standard normal values from `seed`.
#[napi(catch_unwind)]
pub fn target_embedding(seed: BigInt, dim: u32) -> napi::Result<Float32Array> {
  let seed = seed_of(seed)?;
  guarded(|| rng::target_embedding(seed, dim as usize)).map(Float32Array::from)
}

/// The embedding of a model created at genesis.
#[napi(catch_unwind)]
pub fn genesis_model_embedding(model_id: &[u8], dim: u32) -> napi::Result<Float32Array> {
  let id: [u8; 32] =
    model_id.try_into().map_err(|_| invalid(format!("modelId must be 32 bytes, got {}", model_id.len())))?;
  if dim as usize > rng::MAX_ARRAY_ELEMENTS {
    return Err(invalid(format!("dim {dim} is above the maximum {}", rng::MAX_ARRAY_ELEMENTS)));
  }
  Ok(Float32Array::from(rng::genesis_model_embedding(&id, dim as usize)))
}

fn hex(bytes: &[u8]) -> String {
  bytes.iter().map(|b| format!("{b:02x}")).collect()
}
