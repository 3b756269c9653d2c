//! napi glue for the V1 model: loading (plain or encrypted), scoring, the reference RNG
//! and the size of the engine's thread pool. Loading and scoring run on the engine's
//! pool; a loaded model is an immutable `Arc<V1Model>`, so concurrent scoring calls share
//! it without copying.

use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::{AbortSignal, AsyncTask, BigInt, Float32Array, Uint8Array};
use napi_derive::napi;
use soma_engine::device::DeviceKind;
use soma_engine::model::{ModelConfig, V1Model};
use soma_engine::{pool, rng, score};

use crate::bytes::Bytes;
use crate::control::{Control, ProgressFn};
use crate::error::{guarded, invalid, Result};
use crate::task::{schedule_on_pool, Work};

/// Where a model runs.
#[napi(string_enum = "lowercase")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
  Cpu,
  Cuda,
  Metal,
}

impl From<Device> for DeviceKind {
  fn from(d: Device) -> Self {
    match d {
      Device::Cpu => DeviceKind::Cpu,
      Device::Cuda => DeviceKind::Cuda,
      Device::Metal => DeviceKind::Metal,
    }
  }
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

/// How to load weights.
#[napi(object, object_to_js = false)]
pub struct LoadModelOptions {
  pub config: NativeModelConfig,
  /// `cpu` when absent.
  pub device: Option<Device>,
  /// AES-256-CTR key (32 bytes) when the weights are encrypted.
  pub key: Option<Uint8Array>,
  /// Blake2b-256 (32 bytes) of the weights as stored (the ciphertext, when encrypted).
  pub checksum: Option<Uint8Array>,
}

/// A model with random weights.
#[napi(object, object_to_js = false)]
pub struct RandomModelOptions {
  pub config: NativeModelConfig,
  pub device: Option<Device>,
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
  pub fn device(&self) -> Device {
    let d = self.inner.device();
    if d.is_cuda() {
      Device::Cuda
    } else if d.is_metal() {
      Device::Metal
    } else {
      Device::Cpu
    }
  }
}

/// The options as engine values: config, device, key and checksum.
type Loading = (ModelConfig, DeviceKind, Option<Vec<u8>>, Option<[u8; 32]>);

fn loading(options: &LoadModelOptions) -> Result<Loading> {
  let checksum = match &options.checksum {
    None => None,
    Some(bytes) => Some(
      <[u8; 32]>::try_from(bytes.as_ref())
        .map_err(|_| invalid(format!("checksum must be 32 bytes, got {}", bytes.len())))?,
    ),
  };
  let device = DeviceKind::from(options.device.unwrap_or(Device::Cpu));
  Ok((ModelConfig::from(&options.config), device, options.key.as_ref().map(|k| k.to_vec()), checksum))
}

/// Loads weights from a safetensors file (memory-mapped). With `key`, the file is
/// AES-256-CTR encrypted: its Blake2b-256 is checked against `checksum` (when given) and
/// it is decrypted in memory.
#[napi(catch_unwind, ts_return_type = "Promise<NativeModel>")]
pub fn load_model_file(
  path: String,
  options: LoadModelOptions,
  signal: Option<AbortSignal>,
) -> Result<AsyncTask<Work<NativeModel>>> {
  let (config, device, key, checksum) = loading(&options)?;
  Ok(schedule_on_pool(signal, move || {
    let model = V1Model::load_file(config, &PathBuf::from(path), key.as_deref(), checksum.as_ref(), &device.open()?)?;
    Ok(NativeModel { inner: Arc::new(model) })
  }))
}

/// Loads weights from bytes in memory (see `loadModelFile`). The buffer is held by
/// reference until the task ends, never copied on the JS thread.
#[napi(catch_unwind, ts_return_type = "Promise<NativeModel>")]
pub fn load_model_bytes(
  #[napi(ts_arg_type = "Uint8Array")] bytes: Bytes,
  options: LoadModelOptions,
  signal: Option<AbortSignal>,
) -> Result<AsyncTask<Work<NativeModel>>> {
  let bytes = bytes.hold("bytes")?;
  let (config, device, key, checksum) = loading(&options)?;
  Ok(schedule_on_pool(signal, move || {
    let model = V1Model::load_bytes(config, bytes.bytes(), key.as_deref(), checksum.as_ref(), &device.open()?)?;
    Ok(NativeModel { inner: Arc::new(model) })
  }))
}

/// A model with random weights, for benchmarks.
#[napi(catch_unwind, ts_return_type = "Promise<NativeModel>")]
pub fn random_model(options: RandomModelOptions, signal: Option<AbortSignal>) -> AsyncTask<Work<NativeModel>> {
  let config = ModelConfig::from(&options.config);
  let device = DeviceKind::from(options.device.unwrap_or(Device::Cpu));
  schedule_on_pool(signal, move || Ok(NativeModel { inner: Arc::new(V1Model::random(config, &device.open()?)?) }))
}

/// What to score.
#[napi(object, object_to_js = false)]
pub struct ScoreRequest {
  /// The data, held by reference until the task ends.
  #[napi(ts_type = "Uint8Array")]
  pub data: Bytes,
  pub target: Float32Array,
  /// The SIGReg noise seed, in [0, 2^64).
  pub seed: BigInt,
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

fn seed_of(seed: &BigInt) -> Result<u64> {
  let (negative, value, lossless) = seed.get_u64();
  if negative || !lossless {
    return Err(invalid("seed must be an integer in [0, 2^64)"));
  }
  Ok(value)
}

/// Scores `request.data` against `models` (in order) and `request.target`; `onProgress`
/// gets the number of batches done so far (over all models) after each batch.
#[napi(catch_unwind, ts_return_type = "Promise<NativeScoreResult>")]
pub fn score_models(
  models: Vec<&NativeModel>,
  request: ScoreRequest,
  #[napi(ts_arg_type = "(processed: number) => void")] on_progress: Option<ProgressFn>,
  signal: Option<AbortSignal>,
) -> Result<AsyncTask<Work<NativeScoreResult>>> {
  let seed = seed_of(&request.seed)?;
  let data = request.data.hold("data")?;
  let target = request.target;
  let models: Vec<Arc<V1Model>> = models.iter().map(|m| m.inner.clone()).collect();
  let control = Control::new(signal.as_ref(), on_progress);
  Ok(schedule_on_pool(signal, move || {
    let refs: Vec<&V1Model> = models.iter().map(|m| m.as_ref()).collect();
    let mut done = 0u64;
    let out = score::score(&refs, data.bytes(), &target, seed, &mut |_| {
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

/// Sets the number of threads of the engine's pool (1 to 1024) that every later loading
/// and scoring call shares; calls already running finish on the old pool.
#[napi(catch_unwind)]
pub fn set_threads(threads: u32) -> Result<()> {
  guarded(|| pool::set_threads(threads as usize))
}

/// The number of threads of the engine's pool (the machine's cores unless set).
#[napi(catch_unwind)]
pub fn threads() -> Result<u32> {
  guarded(|| pool::threads().map(|n| n as u32))
}

fn shape_of(shape: Vec<u32>) -> Vec<usize> {
  shape.into_iter().map(|d| d as usize).collect()
}

/// `arrgen.normal_array(seed, shape, mean, std)`, row-major.
#[napi(catch_unwind)]
pub fn normal_array(seed: BigInt, shape: Vec<u32>, mean: f64, std_dev: f64) -> Result<Float32Array> {
  let seed = seed_of(&seed)?;
  guarded(|| rng::normal_array(seed, &shape_of(shape), mean as f32, std_dev as f32)).map(Float32Array::from)
}

/// `arrgen.uniform_array(seed, shape, min, max)`, row-major.
#[napi(catch_unwind)]
pub fn uniform_array(seed: BigInt, shape: Vec<u32>, min: f64, max: f64) -> Result<Float32Array> {
  let seed = seed_of(&seed)?;
  guarded(|| rng::uniform_array(seed, &shape_of(shape), min as f32, max as f32)).map(Float32Array::from)
}

fn id32(bytes: &[u8], what: &str) -> Result<[u8; 32]> {
  bytes.try_into().map_err(|_| invalid(format!("{what} must be 32 bytes, got {}", bytes.len())))
}

/// The seed of the `creationNum`-th target created by the transaction `txDigest`.
#[napi(catch_unwind)]
pub fn target_seed(#[napi(ts_arg_type = "Uint8Array")] tx_digest: Bytes, creation_num: BigInt) -> Result<BigInt> {
  let digest = id32(tx_digest.get("txDigest")?, "txDigest")?;
  Ok(BigInt::from(rng::target_seed(&digest, seed_of(&creation_num)?)))
}

/// A target's embedding: `dim` standard normal values from `seed`.
#[napi(catch_unwind)]
pub fn target_embedding(seed: BigInt, dim: u32) -> Result<Float32Array> {
  let seed = seed_of(&seed)?;
  guarded(|| rng::target_embedding(seed, dim as usize)).map(Float32Array::from)
}

/// The embedding of a model created at genesis.
#[napi(catch_unwind)]
pub fn genesis_model_embedding(#[napi(ts_arg_type = "Uint8Array")] model_id: Bytes, dim: u32) -> Result<Float32Array> {
  let id = id32(model_id.get("modelId")?, "modelId")?;
  guarded(|| rng::genesis_model_embedding(&id, dim as usize)).map(Float32Array::from)
}
