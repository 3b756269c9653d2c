//! Our RNG against the reference itself: `soma-arrgen` from PyPI (the reference's Rust
//! arrgen compiled for Python) installed in a throwaway virtualenv under `target/`.
//! Values must agree bit for bit. Only when PyPI is unreachable does the test print why
//! and skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use soma_engine::rng::{normal_array, target_embedding, uniform_array};

const ARRGEN_VERSION: &str = "0.1.0";
// soma-arrgen returns NumPy arrays but does not declare the dependency.
const NUMPY_VERSION: &str = "2.4.6";

enum Kind {
  Normal,
  Uniform,
}

struct Case {
  kind: Kind,
  seed: u64,
  shape: &'static [usize],
  a: f32,
  b: f32,
}

const CASES: &[Case] = &[
  Case { kind: Kind::Normal, seed: 42, shape: &[2, 2], a: 0.0, b: 1.0 },
  Case { kind: Kind::Normal, seed: 0, shape: &[7], a: 0.0, b: 1.0 },
  Case { kind: Kind::Normal, seed: 1, shape: &[16, 256], a: 0.0, b: 1.0 },
  // The V1 SIGReg noise shape: half a million draws reach the ziggurat's rare branches.
  Case { kind: Kind::Normal, seed: 7, shape: &[2048, 256], a: 0.0, b: 1.0 },
  Case { kind: Kind::Normal, seed: u64::MAX, shape: &[3, 4, 5], a: 0.0, b: 1.0 },
  Case { kind: Kind::Normal, seed: 123_456_789, shape: &[10], a: 2.5, b: 0.5 },
  Case { kind: Kind::Uniform, seed: 42, shape: &[2, 2], a: 0.0, b: 1.0 },
  Case { kind: Kind::Uniform, seed: 9, shape: &[1000], a: -1.0, b: 3.0 },
  Case { kind: Kind::Uniform, seed: 18_446_744_073_709_551_557, shape: &[4, 8], a: 0.0, b: 1.0 },
];

fn run(cmd: &mut Command) -> Result<String, String> {
  let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
  if !out.status.success() {
    return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
  }
  Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A virtualenv with soma-arrgen, made once under `target/` and reused.
fn arrgen_python() -> Result<PathBuf, String> {
  let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv-arrgen");
  let python = venv.join(if cfg!(windows) { "Scripts/python.exe" } else { "bin/python" });
  let has_arrgen =
    |p: &Path| Command::new(p).args(["-c", "import arrgen, numpy"]).output().is_ok_and(|o| o.status.success());
  if python.exists() && has_arrgen(&python) {
    return Ok(python);
  }
  let system = if cfg!(windows) { "python" } else { "python3" };
  run(Command::new(system).args(["-m", "venv"]).arg(&venv))?;
  run(Command::new(&python).args([
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    &format!("soma-arrgen=={ARRGEN_VERSION}"),
    &format!("numpy=={NUMPY_VERSION}"),
  ]))?;
  Ok(python)
}

/// pip's wording when it cannot reach the index at all (as opposed to "no such version").
fn pypi_unreachable(pip_output: &str) -> bool {
  [
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Max retries exceeded",
    "Connection refused",
    "timed out",
  ]
  .iter()
  .any(|needle| pip_output.contains(needle))
}

fn shape_literal(shape: &[usize]) -> String {
  format!("[{}]", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(","))
}

fn ours(case: &Case) -> Vec<f32> {
  match case.kind {
    Kind::Normal => normal_array(case.seed, case.shape, case.a, case.b).unwrap(),
    Kind::Uniform => uniform_array(case.seed, case.shape, case.a, case.b).unwrap(),
  }
}

#[test]
fn rng_matches_soma_arrgen_bit_for_bit() {
  let python = match arrgen_python() {
    Ok(p) => p,
    Err(why) if pypi_unreachable(&why) => {
      println!("SKIPPED rng conformance: PyPI is unreachable, soma-arrgen=={ARRGEN_VERSION} not installed ({why})");
      return;
    }
    // Anything else (no Python, no such version, a broken wheel) is a failure to see.
    Err(why) => panic!("could not set up soma-arrgen=={ARRGEN_VERSION}: {why}"),
  };
  // One Python process prints every case's float32 bytes as hex, one line per case.
  let mut script = String::from("import arrgen, numpy as np\n");
  for case in CASES {
    let call = match case.kind {
      Kind::Normal => "normal_array",
      Kind::Uniform => "uniform_array",
    };
    script.push_str(&format!(
      "print(np.ascontiguousarray(arrgen.{call}({}, {}, {:?}, {:?}), dtype='<f4').tobytes().hex())\n",
      case.seed,
      shape_literal(case.shape),
      case.a,
      case.b
    ));
  }
  script.push_str(
    "print(np.ascontiguousarray(arrgen.normal_array(987654321, [2048], 0.0, 1.0), dtype='<f4').tobytes().hex())\n",
  );
  let output = run(Command::new(&python).args(["-c", &script])).expect("run arrgen");
  let lines: Vec<&str> = output.lines().collect();
  assert_eq!(lines.len(), CASES.len() + 1, "one line per case");
  let decode = |hex: &str| -> Vec<u32> {
    (0..hex.len() / 8)
      .map(|i| u32::from_le_bytes(u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).unwrap().to_be_bytes()))
      .collect()
  };
  for (case, line) in CASES.iter().zip(&lines) {
    let theirs = decode(line);
    let mine: Vec<u32> = ours(case).iter().map(|v| v.to_bits()).collect();
    assert_eq!(mine.len(), theirs.len(), "seed {} shape {:?}", case.seed, case.shape);
    if let Some(i) = mine.iter().zip(&theirs).position(|(a, b)| a != b) {
      panic!(
        "seed {} shape {:?}: element {i} differs: ours {} arrgen {}",
        case.seed,
        case.shape,
        f32::from_bits(mine[i]),
        f32::from_bits(theirs[i])
      );
    }
  }
  let target: Vec<u32> = target_embedding(987_654_321, 2048).unwrap().iter().map(|v| v.to_bits()).collect();
  assert_eq!(target, decode(lines[CASES.len()]), "target embedding");
}
