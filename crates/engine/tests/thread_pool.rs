//! The one thread pool: results are bit-identical whatever its size, and concurrent
//! calls on it both get the result they would get alone.

use std::path::PathBuf;
use std::sync::Arc;

use soma_engine::candle_core::Device;
use soma_engine::model::{ModelConfig, V1Model};
use soma_engine::pool;
use soma_engine::score::{score, ScoreOutput};

fn goldens_dir() -> PathBuf {
  PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/goldens")
}

/// Large enough that gemm splits its work between threads (its threshold is 48^3
/// multiply-adds) and attention has several heads per thread.
fn mid_model() -> V1Model {
  let config = ModelConfig {
    embedding_dim: 128,
    num_layers: 2,
    num_heads: 4,
    pwff_hidden_dim: 256,
    max_seq_len: 256,
    batch_size: 4,
    ..ModelConfig::v1()
  };
  V1Model::random(config, &Device::Cpu).unwrap()
}

fn data(len: usize) -> Vec<u8> {
  (0..len).map(|i| (i * 131 % 251) as u8).collect()
}

fn run(model: &V1Model, data: &[u8]) -> ScoreOutput {
  let target = vec![1.0f32; model.config().embedding_dim];
  score(&[model], data, &target, 5, &mut |_| Ok(())).unwrap()
}

#[test]
fn one_thread_and_two_threads_give_the_same_bits() {
  let model = mid_model();
  let data = data(2000);
  let one = pool::install_with(1, || Ok(run(&model, &data))).unwrap();
  let two = pool::install_with(2, || Ok(run(&model, &data))).unwrap();
  let three = pool::install_with(3, || Ok(run(&model, &data))).unwrap();
  assert_eq!(one, two);
  assert_eq!(one, three);
  let golden =
    V1Model::from_file(ModelConfig::small(), &goldens_dir().join("model-21.safetensors"), &Device::Cpu).unwrap();
  let small = data[..1500].to_vec();
  let a = pool::install_with(1, || Ok(run(&golden, &small))).unwrap();
  let b = pool::install_with(2, || Ok(run(&golden, &small))).unwrap();
  assert_eq!(a, b);
}

#[test]
fn concurrent_calls_share_the_pool_and_both_get_their_result() {
  let model = Arc::new(mid_model());
  let data = Arc::new(data(1200));
  let alone = pool::install(|| Ok(run(&model, &data))).unwrap();
  let handles: Vec<_> = (0..2)
    .map(|_| {
      let (model, data) = (model.clone(), data.clone());
      std::thread::spawn(move || pool::install(|| Ok(run(&model, &data))).unwrap())
    })
    .collect();
  for handle in handles {
    assert_eq!(handle.join().unwrap(), alone);
  }
  // Resizing the pool changes the threads later calls get, not their results.
  pool::set_threads(1).unwrap();
  assert_eq!(pool::threads().unwrap(), 1);
  assert_eq!(pool::install(|| Ok(run(&model, &data))).unwrap(), alone);
  pool::set_threads(pool::default_threads()).unwrap();
}
