//! The reference's module goldens (model-scoring.md §8), each through our candle model.
//! Inputs and weights come from the reference RNG exactly as the reference tests draw
//! them; every output value must agree to 1e-5 relative (no absolute floor: none needs one).
#![allow(clippy::excessive_precision)] // goldens are transcribed digit for digit

use std::collections::HashMap;

use soma_engine::candle_core::{Device, Tensor};
use soma_engine::model::loading::encoder_from_weights;
use soma_engine::model::{
  reference_test_weights, Attention, CausalMask, Encoder, LayerNorm, Linear, ModelConfig, PositionWiseFeedForward,
  Rotary, V1Model, Weights,
};
use soma_engine::rng::{normal_array, uniform_array};
use soma_engine::score::SigReg;

const CPU: Device = Device::Cpu;

fn normal(seed: u64, shape: &[usize]) -> Tensor {
  Tensor::from_vec(normal_array(seed, shape, 0.0, 1.0).unwrap(), shape, &CPU).unwrap()
}

fn uniform(seed: u64, shape: &[usize]) -> Tensor {
  Tensor::from_vec(uniform_array(seed, shape, 0.0, 1.0).unwrap(), shape, &CPU).unwrap()
}

fn ones(shape: &[usize]) -> Tensor {
  Tensor::ones(shape, soma_engine::candle_core::DType::F32, &CPU).unwrap()
}

#[track_caller]
fn assert_close(actual: &Tensor, expected: &[f32]) {
  let actual = actual.flatten_all().unwrap().to_vec1::<f32>().unwrap();
  assert_eq!(actual.len(), expected.len(), "length");
  for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
    let tol = 1e-5 * e.abs();
    assert!((a - e).abs() <= tol, "element {i}: got {a}, expected {e} (all: {actual:?})");
  }
}

#[track_caller]
fn assert_scalar(actual: f32, expected: f32) {
  assert!((actual - expected).abs() <= 1e-5 * expected.abs(), "got {actual}, expected {expected}");
}

fn arange_positions(batch: usize, seq: usize) -> Vec<u32> {
  (0..batch).flat_map(|_| 0..seq as u32).collect()
}

#[test]
fn embedding_gathers_rows() {
  let weight = normal(42, &[4, 2]);
  let ids = Tensor::new(&[0u32, 1, 2, 3], &CPU).unwrap();
  let out = weight.index_select(&ids, 0).unwrap();
  assert_close(
    &out,
    &[0.069427915, 0.13293812, 0.26257637, -0.22530088, -0.66422486, -0.2153902, 0.19392312, 1.4764173],
  );
  assert_close(&normal(42, &[1, 1, 4]), &[0.06942791, 0.13293812, 0.26257637, -0.22530088]);
}

#[test]
fn layer_norm_goldens() {
  let ln = LayerNorm::new(normal(42, &[4]), normal(43, &[4]));
  assert_close(&ln.forward(&ones(&[4])).unwrap(), &[0.26803425, -0.30034754, -0.18579677, -0.37248048]);
  let ln = LayerNorm::new(normal(44, &[4]), normal(45, &[4]));
  assert_close(&ln.forward(&uniform(46, &[4])).unwrap(), &[-0.74536324, -2.98460746, -0.31756663, -0.38157958]);
}

#[test]
fn linear_goldens_use_in_out_layout() {
  let lin = Linear::new(normal(43, &[2, 4]), normal(42, &[4]));
  assert_close(&lin.forward(&ones(&[2])).unwrap(), &[-1.77364016, 1.29809809, -0.31307063, -1.68842816]);
  let lin = Linear::new(normal(45, &[2, 4]), normal(44, &[4]));
  assert_close(&lin.forward(&uniform(46, &[2])).unwrap(), &[-0.53813028, -1.69855022, 0.92013592, 0.92915082]);
}

#[test]
fn rope_goldens() {
  // x = ones [B=1, S=1, H=1, hd=2] at position 1; our layout is [B, H, S, hd].
  let rot = Rotary::new(&[1], 1, 1, 2, 10_000.0, 1.0, &CPU).unwrap();
  assert_close(&rot.apply(&ones(&[1, 1, 1, 2])).unwrap(), &[-0.30116868, 1.38177323]);

  // x = normal(70, [2, 4, 2, 4]) as [B, S, H, hd], positions 0..4 per row.
  let x = normal(70, &[2, 4, 2, 4]).transpose(1, 2).unwrap().contiguous().unwrap();
  let rot = Rotary::new(&arange_positions(2, 4), 2, 4, 4, 10_000.0, 1.0, &CPU).unwrap();
  let out = rot.apply(&x).unwrap().transpose(1, 2).unwrap();
  #[rustfmt::skip]
  let expected = [
    0.47776070,-0.48515794,0.26153922,-2.41498089, 0.99376506,0.90728259,-1.43244362,0.09139032,
    -0.06775475,0.15760149,-0.07331341,1.00924647, 0.46687761,1.30162942,-0.95026934,-0.30788255,
    -0.76642752,-0.87616366,2.00954461,-0.66655433, -0.53347385,0.33248445,-0.25528368,1.70450819,
    0.68225688,0.77837843,-1.03880394,-0.73422980, 0.94099069,-0.55226529,-0.84172773,-0.39250299,
    0.53636390,1.04667366,-0.62744135,-1.57136846, 0.56636423,0.85205758,-2.16002727,-0.19352338,
    1.11170232,1.09174263,-0.25253245,-0.36698121, 1.58594680,-1.20130229,-0.42448375,-0.20691611,
    0.38839683,0.45338595,-0.52934897,-0.38279817, -0.89073908,0.54021513,-1.11969602,-1.80852568,
    -0.01806840,-0.24985033,-0.84394234,-0.19104014, -0.67495888,1.27409673,-0.01402950,-1.07746637,
  ];
  assert_close(&out, &expected);
}

fn attention_from_seed(seed: u64, d: usize, heads: usize) -> Attention {
  let lin = |w: u64, b: u64| Linear::new(normal(seed + w, &[d, d]), normal(seed + b, &[d]));
  Attention { query: lin(1, 2), key: lin(3, 4), value: lin(5, 6), output: lin(7, 8), num_heads: heads }
}

fn run_attention(att: &Attention, x: &Tensor) -> Tensor {
  let (b, s, _) = x.dims3().unwrap();
  let rot = Rotary::new(&arange_positions(b, s), b, s, 2, 10_000.0, 1.0, &CPU).unwrap();
  att.forward(x, &rot, &CausalMask::new(s, 2, &CPU).unwrap()).unwrap()
}

#[test]
fn attention_goldens() {
  let out = run_attention(&attention_from_seed(42, 4, 2), &normal(51, &[1, 4, 4]));
  #[rustfmt::skip]
  assert_close(&out, &[
    -3.59691596,-0.79137892,2.59000635,1.15417659, -1.89609909,0.90684074,4.74483156,9.88230705,
    4.25082970,2.23179317,2.04289985,9.17799950, 1.67264295,1.73140073,3.30692792,10.11232185,
  ]);
  let out = run_attention(&attention_from_seed(80, 4, 2), &normal(89, &[2, 4, 4]));
  #[rustfmt::skip]
  assert_close(&out, &[
    6.06968307,-1.03515446,1.70626497,-1.02048159, 5.82955551,1.31834793,1.28906751,-5.05607700,
    -0.63638550,-1.46703827,-1.53339362,-0.55266494, -2.60889316,3.90301847,-0.06124383,0.83532411,
    5.63261747,3.12328148,3.08034492,-0.17959267, 1.92174339,4.35927916,2.09976912,-0.74388230,
    -6.87539053,-3.64232492,-5.18859148,0.58245522, -10.21397591,-1.89333570,-5.76631403,0.58711916,
  ]);
}

fn pwff_from_seed(seed: u64) -> PositionWiseFeedForward {
  PositionWiseFeedForward {
    linear_inner: Linear::new(normal(seed + 1, &[4, 2]), normal(seed + 2, &[2])),
    linear_outer: Linear::new(normal(seed + 3, &[2, 4]), normal(seed + 4, &[4])),
  }
}

#[test]
fn pwff_goldens_use_erf_gelu() {
  assert_close(&pwff_from_seed(42).forward(&ones(&[4])).unwrap(), &[0.31442693, 0.70205802, -2.13397980, -1.71679294]);
  assert_close(
    &pwff_from_seed(50).forward(&normal(55, &[4])).unwrap(),
    &[-0.42594010, -0.70958626, -0.26518542, -0.35035765],
  );
  #[rustfmt::skip]
  assert_close(&pwff_from_seed(60).forward(&normal(65, &[2, 3, 4])).unwrap(), &[
    2.99256825,-2.32797265,-3.22312760,1.21508217, 2.70691204,-2.19828272,-3.50960517,0.83996159,
    -0.04863004,0.30158886,-1.44390535,1.00410569, 0.16999049,0.10190730,-1.61299801,0.98700720,
    0.09025692,0.22779667,-1.34613645,1.15397000, 0.28953564,-0.03523720,-1.81356251,0.89298093,
  ]);
}

fn encoder(seed: u64, layers: usize) -> Encoder {
  let config =
    ModelConfig { embedding_dim: 4, num_heads: 2, num_layers: layers, pwff_hidden_dim: 8, ..ModelConfig::v1() };
  let weights: HashMap<String, Tensor> = reference_test_weights(seed, layers, 4, 8, 4, false).unwrap();
  encoder_from_weights(&config, Weights::Tensors(weights), &CPU).unwrap()
}

fn run_encoder(enc: &Encoder, x: &Tensor) -> Tensor {
  let (b, s, _) = x.dims3().unwrap();
  let rot = Rotary::new(&arange_positions(b, s), b, s, 2, 10_000.0, 1.0, &CPU).unwrap();
  enc.forward(x, &rot, &CausalMask::new(s, 2, &CPU).unwrap()).unwrap()
}

#[test]
fn encoder_goldens() {
  #[rustfmt::skip]
  assert_close(&run_encoder(&encoder(42, 2), &normal(142, &[1, 4, 4])), &[
    8.33097267,3.23748636,12.93889809,-4.79724693, 5.95732164,2.65965629,11.97813892,-3.51363301,
    8.32810211,4.93732452,12.48622322,-4.29308748, 3.45333171,3.12663937,10.79409981,-2.80449820,
  ]);
  #[rustfmt::skip]
  assert_close(&run_encoder(&encoder(90, 2), &normal(290, &[1, 4, 4])), &[
    -3.17372561,4.01577044,19.12659073,4.34993553, -1.27379203,5.61034679,18.69484711,4.15108776,
    -0.34562051,5.53026056,20.70455742,2.78899574, -13.14624596,5.65161657,19.76067924,1.81537509,
  ]);
  #[rustfmt::skip]
  assert_close(&run_encoder(&encoder(100, 1), &normal(300, &[2, 4, 4])), &[
    -5.37061596,2.96268249,1.01008272,-5.05764151, -2.89370632,-0.09757829,-0.53730059,-5.81040239,
    -2.18361926,-5.22197628,1.21352792,-10.84550667, -4.18923759,-2.77440166,0.54678917,-6.34802437,
    2.99903393,-8.75441551,-1.97783256,-6.19660091, 1.16564727,-5.46568251,-0.88867092,-5.41934681,
    -2.09243917,1.01158941,0.81291533,-4.70484543, -3.40283728,-3.52438331,1.75270081,-7.97897339,
  ]);
}

#[test]
fn full_model_encode_and_predict_goldens() {
  let config = ModelConfig {
    embedding_dim: 4,
    num_heads: 2,
    num_layers: 2,
    pwff_hidden_dim: 8,
    vocab_size: 4,
    ..ModelConfig::v1()
  };
  let weights = reference_test_weights(42, 2, 4, 8, 4, true).unwrap();
  let model = V1Model::from_tensors(config, weights, &CPU).unwrap();
  let reps = model.encode(&[0, 1, 2, 3], &[0, 1, 2, 3], 1, 4).unwrap();
  #[rustfmt::skip]
  assert_close(&reps, &[
    2.09210730,0.69636524,1.51327145,2.31296515, 1.90634847,0.86709338,1.53078938,2.40285897,
    1.77797925,0.66600311,1.65812206,2.19417143, 1.96223700,0.77187395,1.54670000,2.34615612,
  ]);
  #[rustfmt::skip]
  assert_close(&model.predict(&reps).unwrap(), &[
    1.89312398,-3.37666154,-5.06565857,-9.11204624, 1.40491748,-3.30115676,-5.32568741,-8.60974312,
    1.71110404,-2.86263919,-4.95488262,-8.56918144, 1.63806129,-3.27318168,-5.17767763,-8.81518459,
  ]);
}

#[test]
fn sig_reg_goldens() {
  let noise = normal_array(44, &[1024, 256], 0.0, 1.0).unwrap();
  assert_scalar(SigReg::v1().forward(&normal(43, &[10, 10, 1024]), &noise).unwrap(), 1.28620601);
  assert_scalar(SigReg::v1().forward(&uniform(43, &[10, 10, 1024]), &noise).unwrap(), 29.08621025);
  let small = SigReg::new(3.0, 5, 4);
  let noise = normal_array(101, &[8, 4], 0.0, 1.0).unwrap();
  assert_scalar(small.forward(&normal(100, &[2, 3, 8]), &noise).unwrap(), 0.88936800);
  let noise = normal_array(112, &[16, 256], 0.0, 1.0).unwrap();
  assert_scalar(SigReg::v1().forward(&normal(111, &[1, 1, 16]), &noise).unwrap(), 3.18785000);
}

/// Attention whose every raw score `q_i · k_j` is `raw_score`: all-zero weights with the
/// biases `q = [a, 0, 0, 0]`, `k = [b, 0, 0, 0]`, and identity value/output maps, so row
/// `i` of the output is a softmax-weighted mean of the input rows. Positions are all 0,
/// so RoPE is the identity.
fn constant_score_attention(a: f32, b: f32) -> Attention {
  let zeros = Tensor::zeros((4, 4), soma_engine::candle_core::DType::F32, &CPU).unwrap();
  let eye = Tensor::eye(4, soma_engine::candle_core::DType::F32, &CPU).unwrap();
  let bias = |v: [f32; 4]| Tensor::new(&v, &CPU).unwrap();
  Attention {
    query: Linear::new(zeros.clone(), bias([a, 0.0, 0.0, 0.0])),
    key: Linear::new(zeros, bias([b, 0.0, 0.0, 0.0])),
    value: Linear::new(eye.clone(), bias([0.0; 4])),
    output: Linear::new(eye, bias([0.0; 4])),
    num_heads: 1,
  }
}

/// The mean of rows `range` of a row-major `[4, 4]` input.
fn mean_rows(x: &[f32], range: std::ops::Range<usize>) -> Vec<f32> {
  let n = range.len() as f32;
  (0..4).map(|c| range.clone().map(|r| x[r * 4 + c]).sum::<f32>() / n).collect()
}

/// §1.2/§1.3/§9.6: masked scores are *replaced* by -1e4 after the division by sqrt(hd),
/// not set to -inf and not scaled. The goldens cannot see this (their scores are small),
/// so here every visible score is pushed below -1e4 (the masked keys must then win the
/// softmax, each with weight 1/#masked) or between -1e4 and -1e4/sqrt(hd) (the visible
/// keys win). Expected rows follow from the definition alone; both the CPU kernel and the
/// tensor path that the GPUs run are checked.
#[test]
fn causal_mask_fills_minus_1e4_after_scaling() {
  let x = normal(7, &[1, 4, 4]);
  let xs = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
  let rot = Rotary::new(&[0; 4], 1, 4, 4, 10_000.0, 1.0, &CPU).unwrap();
  let mask = CausalMask::new(4, 4, &CPU).unwrap();
  // Scaled score -20000 < -1e4: row i < 3 averages the masked rows i+1..4; row 3 has no
  // masked key and averages all four.
  let deep = constant_score_attention(200.0, -200.0);
  let expected: Vec<f32> =
    (0..4).flat_map(|i| if i < 3 { mean_rows(&xs, i + 1..4) } else { mean_rows(&xs, 0..4) }).collect();
  assert_close(&deep.forward(&x, &rot, &mask).unwrap(), &expected);
  // Scaled score -7000, above -1e4 but below -1e4/sqrt(4): the visible keys win.
  let shallow = constant_score_attention(140.0, -100.0);
  let expected: Vec<f32> = (0..4).flat_map(|i| mean_rows(&xs, 0..i + 1)).collect();
  assert_close(&shallow.forward(&x, &rot, &mask).unwrap(), &expected);

  // The tensor path (CUDA/Metal): CausalMask then softmax, on raw scores of -40000 and
  // -14000 with hd = 4.
  for (raw, deep) in [(-40_000f32, true), (-14_000f32, false)] {
    let scores = Tensor::full(raw, (1, 1, 4, 4), &CPU).unwrap();
    // softmax_last_dim is what Attention::forward runs on the GPUs.
    let weights = candle_nn::ops::softmax_last_dim(&mask.apply(&scores).unwrap()).unwrap().squeeze(0).unwrap();
    let weights = weights.to_vec3::<f32>().unwrap();
    for (i, row) in weights[0].iter().enumerate() {
      for (j, &w) in row.iter().enumerate() {
        let want = match (deep, j > i, i == 3) {
          (true, true, _) => 1.0 / (3 - i) as f32,
          (true, false, true) => 0.25,
          (true, false, false) => 0.0,
          (false, true, _) => 0.0,
          (false, false, _) => 1.0 / (i + 1) as f32,
        };
        assert!((w - want).abs() < 1e-7, "raw {raw}: weight[{i}][{j}] = {w}, expected {want}");
      }
    }
  }
}

/// §1.4: the angle is `pos_f32 / timescale_f32` (an f32 division, not a multiply by the
/// reciprocal, not f64). The spec pins the consequence: at byte offset 1,048,172 the f32
/// angle of pair i=2 (hd 256) is 0.0683 rad past the exact angle; a reciprocal multiply
/// lands 0.0058 past it and an f64 angle 0. Recovered from our sin/cos tables.
#[test]
fn rope_angle_is_an_f32_division_at_large_offsets() {
  let pos = 1_048_172u32;
  let rot = Rotary::new(&[pos], 1, 1, 256, 10_000.0, 1.0, &CPU).unwrap();
  let cos = rot.cos.flatten_all().unwrap().to_vec1::<f32>().unwrap();
  let sin = rot.sin.flatten_all().unwrap().to_vec1::<f32>().unwrap();
  assert_eq!(cos.len(), 128);
  let two_pi = std::f64::consts::TAU;
  let exact = pos as f64 / 10_000f64.powf(4.0 / 256.0);
  let ours = (sin[2] as f64).atan2(cos[2] as f64);
  let diff = (ours - exact).rem_euclid(two_pi);
  let diff = if diff > std::f64::consts::PI { diff - two_pi } else { diff };
  assert!((diff - 0.0683).abs() < 5e-4, "angle offset {diff}, the spec says 0.0683");
  // Pair 0 has timescale 1: the angle is the position itself, exact in f32.
  let a0 = (sin[0] as f64).atan2(cos[0] as f64);
  let d0 = (a0 - pos as f64).rem_euclid(two_pi);
  assert!(d0.min(two_pi - d0) < 1e-6, "pair 0 angle off by {d0}");
}
