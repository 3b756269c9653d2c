//! Weights to a model. Tensors are read one at a time through candle-nn's `VarBuilder`,
//! straight from the safetensors bytes (a memory map, or a buffer in memory) onto the
//! target device: nothing is parsed into a CPU copy of the whole file first.
//!
//! The reference's loading rules (model-scoring.md §2): tensors are found by name with
//! the shape the config implies; extra tensors are ignored; other float dtypes (F16,
//! BF16, F64) are converted to f32; a tensor of any other dtype is refused by name.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use candle_core::safetensors::SliceSafetensors;
use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::VarBuilder;

use super::config::ModelConfig;
use super::layers::{Attention, Encoder, Layer, LayerNorm, Linear, PositionWiseFeedForward};
use super::v1::V1Model;
use crate::crypto;
use crate::error::{EngineError, Result};

/// Where the named tensors of a model come from.
pub enum Weights<'a> {
  /// A plaintext safetensors file's bytes; each tensor is read from them when asked for.
  Safetensors(&'a [u8]),
  /// Tensors already built, by name (the test-weights recipe, random weights).
  Tensors(HashMap<String, Tensor>),
}

enum Source<'a> {
  Safetensors(SliceSafetensors<'a>),
  Tensors(HashMap<String, Tensor>),
}

/// A `VarBuilder` back end that applies the loading rules. A refusal is recorded beside
/// the candle error, so the caller can tell bad weights from a failure of the device.
struct RuleCheckedBackend<'a> {
  source: Source<'a>,
  refusal: Arc<Mutex<Option<String>>>,
}

impl RuleCheckedBackend<'_> {
  fn refuse(&self, reason: String) -> candle_core::Error {
    if let Ok(mut slot) = self.refusal.lock() {
      slot.get_or_insert_with(|| reason.clone());
    }
    candle_core::Error::Msg(reason)
  }

  /// The stored dtype and shape of `name`, without reading its data.
  fn describe(&self, name: &str) -> Option<(Option<DType>, Vec<usize>)> {
    match &self.source {
      Source::Safetensors(st) => {
        st.get(name).ok().map(|view| (DType::try_from(view.dtype()).ok(), view.shape().to_vec()))
      }
      Source::Tensors(map) => map.get(name).map(|t| (Some(t.dtype()), t.dims().to_vec())),
    }
  }

  fn load(&self, name: &str, dev: &Device) -> candle_core::Result<Tensor> {
    match &self.source {
      Source::Safetensors(st) => st.load(name, dev),
      Source::Tensors(map) => match map.get(name) {
        Some(t) => t.to_device(dev),
        None => Err(self.refuse(format!("missing tensor {name}"))),
      },
    }
  }
}

impl SimpleBackend for RuleCheckedBackend<'_> {
  fn get(&self, s: Shape, name: &str, _: candle_nn::Init, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
    let Some((stored, dims)) = self.describe(name) else {
      return Err(self.refuse(format!("missing tensor {name}")));
    };
    if dims != s.dims() {
      return Err(self.refuse(format!("tensor {name} has shape {dims:?}, expected {:?}", s.dims())));
    }
    match stored {
      Some(DType::F32 | DType::F16 | DType::BF16 | DType::F64) => {}
      Some(other) => return Err(self.refuse(format!("tensor {name} has dtype {other:?}, expected a float type"))),
      None => {
        return Err(self.refuse(format!("tensor {name} has a dtype this loader does not know, expected a float type")))
      }
    }
    let t = self.load(name, dev)?;
    if t.dtype() == dtype {
      Ok(t)
    } else {
      t.to_dtype(dtype)
    }
  }

  fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
    self.load(name, dev)?.to_dtype(dtype)
  }

  fn contains_tensor(&self, name: &str) -> bool {
    self.describe(name).is_some()
  }
}

fn linear(vb: &VarBuilder<'_>, d_in: usize, d_out: usize) -> candle_core::Result<Linear> {
  Ok(Linear::new(vb.get((d_in, d_out), "weight")?, vb.get(d_out, "bias")?))
}

fn layer_norm(vb: &VarBuilder<'_>, d: usize) -> candle_core::Result<LayerNorm> {
  Ok(LayerNorm::new(vb.get(d, "gamma")?, vb.get(d, "beta")?))
}

/// The layers under `vb` (`layers.{l}.…`).
fn encoder(vb: &VarBuilder<'_>, config: &ModelConfig) -> candle_core::Result<Encoder> {
  let (d, h) = (config.embedding_dim, config.pwff_hidden_dim);
  let layers = (0..config.num_layers)
    .map(|l| {
      let vb = vb.pp("layers").pp(l);
      let attention = vb.pp("attention");
      let pwff = vb.pp("pwff");
      Ok(Layer {
        norm_1: layer_norm(&vb.pp("norm_1"), d)?,
        attention: Attention {
          query: linear(&attention.pp("query"), d, d)?,
          key: linear(&attention.pp("key"), d, d)?,
          value: linear(&attention.pp("value"), d, d)?,
          output: linear(&attention.pp("output"), d, d)?,
          num_heads: config.num_heads,
        },
        norm_2: layer_norm(&vb.pp("norm_2"), d)?,
        pwff: PositionWiseFeedForward {
          linear_inner: linear(&pwff.pp("linear_inner"), d, h)?,
          linear_outer: linear(&pwff.pp("linear_outer"), h, d)?,
        },
      })
    })
    .collect::<candle_core::Result<Vec<_>>>()?;
  Ok(Encoder { layers })
}

/// Runs `build` on a `VarBuilder` over `weights`; a refused tensor becomes
/// `InvalidWeights`, anything else a computation error.
fn with_var_builder<T>(
  weights: Weights<'_>,
  device: &Device,
  build: impl FnOnce(&VarBuilder<'_>) -> candle_core::Result<T>,
) -> Result<T> {
  let source = match weights {
    Weights::Safetensors(bytes) => {
      Source::Safetensors(SliceSafetensors::new(bytes).map_err(|e| EngineError::InvalidWeights {
        reason: format!("not a safetensors file ({e}); if the weights are encrypted, check the decryption key"),
      })?)
    }
    Weights::Tensors(map) => Source::Tensors(map),
  };
  let refusal = Arc::new(Mutex::new(None));
  let backend = RuleCheckedBackend { source, refusal: refusal.clone() };
  let vb = VarBuilder::from_backend(Box::new(backend), DType::F32, device.clone());
  build(&vb).map_err(|err| match refusal.lock().ok().and_then(|mut r| r.take()) {
    Some(reason) => EngineError::InvalidWeights { reason },
    None => EngineError::from(err),
  })
}

/// The encoder alone from weights whose layer names lack the `encoder.` prefix, as the
/// reference's encoder-only tests store them.
pub fn encoder_from_weights(config: &ModelConfig, weights: Weights<'_>, device: &Device) -> Result<Encoder> {
  config.validate()?;
  with_var_builder(weights, device, |vb| encoder(vb, config))
}

/// Opens `path` as a read-only memory map, refusing a directory.
fn map_file(path: &Path) -> Result<memmap2::Mmap> {
  let file = std::fs::File::open(path).map_err(|e| EngineError::io("open", path, e))?;
  if file.metadata().is_ok_and(|m| m.is_dir()) {
    let not_a_file = std::io::Error::new(std::io::ErrorKind::InvalidInput, "is a directory, not a weights file");
    return Err(EngineError::io("open", path, not_a_file));
  }
  // SAFETY: the map is read-only and lives only while the model is built; every tensor
  // is copied out of it onto the device. A file truncated underneath us would fault, as
  // any mmap reader would.
  unsafe { memmap2::Mmap::map(&file) }.map_err(|e| EngineError::io("map", path, e))
}

impl V1Model {
  /// Builds the model from named weights with the reference names and `[in, out]`
  /// Linear weights. The config (and its memory budget) is checked first.
  pub fn from_weights(config: ModelConfig, weights: Weights<'_>, device: &Device) -> Result<Self> {
    config.validate()?;
    let (d, v) = (config.embedding_dim, config.vocab_size);
    let (embedding, encoder, final_norm, predictor) = with_var_builder(weights, device, |vb| {
      Ok((
        vb.get((v, d), "embedding.weight")?,
        encoder(&vb.pp("encoder"), &config)?,
        layer_norm(&vb.pp("final_norm"), d)?,
        linear(&vb.pp("predictor"), d, v)?,
      ))
    })?;
    Ok(Self { config, device: device.clone(), embedding, encoder, final_norm, predictor })
  }

  pub fn from_tensors(config: ModelConfig, tensors: HashMap<String, Tensor>, device: &Device) -> Result<Self> {
    Self::from_weights(config, Weights::Tensors(tensors), device)
  }

  /// A plaintext safetensors buffer, read in place.
  pub fn from_safetensors(config: ModelConfig, bytes: &[u8], device: &Device) -> Result<Self> {
    Self::from_weights(config, Weights::Safetensors(bytes), device)
  }

  /// A plaintext safetensors file through a read-only memory map.
  pub fn from_file(config: ModelConfig, path: &Path, device: &Device) -> Result<Self> {
    Self::load_file(config, path, None, None, device)
  }

  /// Decrypts AES-256-CTR weights in memory and parses them. When `checksum` is given,
  /// the Blake2b-256 of the *encrypted* bytes must match it before anything is decrypted.
  pub fn from_encrypted(
    config: ModelConfig,
    mut encrypted: Vec<u8>,
    key: &[u8],
    checksum: Option<&[u8; 32]>,
    device: &Device,
  ) -> Result<Self> {
    config.validate()?;
    let mut cipher = crypto::Aes256Ctr::new(key)?;
    crypto::verify_checksum(&encrypted, checksum)?;
    cipher.apply(&mut encrypted)?;
    Self::from_safetensors(config, &encrypted, device)
  }

  /// Reads an encrypted weights file, verifies it and decrypts it in memory (the
  /// plaintext never touches the disk).
  pub fn from_encrypted_file(
    config: ModelConfig,
    path: &Path,
    key: &[u8],
    checksum: Option<&[u8; 32]>,
    device: &Device,
  ) -> Result<Self> {
    Self::load_file(config, path, Some(key), checksum, device)
  }

  /// A weights file, encrypted when `key` is given. `checksum` is the Blake2b-256 of the
  /// file's bytes as stored (the ciphertext, when encrypted), checked before decryption
  /// or parsing. The config and the key are checked before the file is read.
  pub fn load_file(
    config: ModelConfig,
    path: &Path,
    key: Option<&[u8]>,
    checksum: Option<&[u8; 32]>,
    device: &Device,
  ) -> Result<Self> {
    config.validate()?;
    match key {
      Some(key) => {
        crypto::Aes256Ctr::new(key)?;
        let encrypted = std::fs::read(path).map_err(|e| EngineError::io("read", path, e))?;
        Self::from_encrypted(config, encrypted, key, checksum, device)
      }
      None => {
        let map = map_file(path)?;
        crypto::verify_checksum(&map, checksum)?;
        Self::from_safetensors(config, &map, device)
      }
    }
  }

  /// Weights in memory, with the same rules as [`V1Model::load_file`]. Plaintext is read
  /// in place; ciphertext is copied once to be decrypted (the caller's bytes are never
  /// written).
  pub fn load_bytes(
    config: ModelConfig,
    bytes: &[u8],
    key: Option<&[u8]>,
    checksum: Option<&[u8; 32]>,
    device: &Device,
  ) -> Result<Self> {
    config.validate()?;
    match key {
      Some(key) => {
        crypto::Aes256Ctr::new(key)?;
        crypto::verify_checksum(bytes, checksum)?;
        Self::from_encrypted(config, bytes.to_vec(), key, None, device)
      }
      None => {
        crypto::verify_checksum(bytes, checksum)?;
        Self::from_safetensors(config, bytes, device)
      }
    }
  }

  /// A model with random weights (normal, std 0.02; norms at gamma 1, beta 0), for
  /// benchmarks only: it does not use the reference RNG.
  pub fn random(config: ModelConfig, device: &Device) -> Result<Self> {
    config.validate()?;
    let mut tensors = HashMap::new();
    for (name, shape) in config.tensor_shapes() {
      let t = if name.ends_with(".gamma") {
        Tensor::ones(shape, DType::F32, device)?
      } else if name.ends_with(".beta") || name.ends_with(".bias") {
        Tensor::zeros(shape, DType::F32, device)?
      } else {
        Tensor::randn(0f32, 0.02, shape, device)?
      };
      tensors.insert(name, t);
    }
    Self::from_tensors(config, tensors, device)
  }
}
