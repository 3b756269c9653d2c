//! Where the model runs. The CPU is always built; CUDA and Metal are cargo features, so a
//! binary without them still accepts the names and answers with a clear error.

use std::fmt;
use std::str::FromStr;

use candle_core::Device;

use crate::error::{EngineError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DeviceKind {
  #[default]
  Cpu,
  Cuda,
  Metal,
}

impl DeviceKind {
  pub fn name(self) -> &'static str {
    match self {
      DeviceKind::Cpu => "cpu",
      DeviceKind::Cuda => "cuda",
      DeviceKind::Metal => "metal",
    }
  }

  /// Whether this binary was built with the back end (not whether a GPU is present).
  pub fn is_built(self) -> bool {
    match self {
      DeviceKind::Cpu => true,
      DeviceKind::Cuda => cfg!(feature = "cuda"),
      DeviceKind::Metal => cfg!(feature = "metal"),
    }
  }

  /// Opens the first device of this kind. For CUDA it also pins f32 matmuls to full
  /// precision: TF32 would move scores by about 1e-3 relative and break agreement with
  /// the chain.
  pub fn open(self) -> Result<Device> {
    let unavailable = |reason: String| EngineError::DeviceUnavailable { device: self.name().into(), reason };
    if !self.is_built() {
      return Err(unavailable(format!(
        "this build of soma-engine has no {} support; rebuild with the `{}` cargo feature",
        self.name(),
        self.name()
      )));
    }
    match self {
      DeviceKind::Cpu => Ok(Device::Cpu),
      DeviceKind::Cuda => {
        candle_core::cuda::set_gemm_reduced_precision_f32(false);
        Device::new_cuda(0).map_err(|e| unavailable(e.to_string()))
      }
      DeviceKind::Metal => Device::new_metal(0).map_err(|e| unavailable(e.to_string())),
    }
  }
}

impl fmt::Display for DeviceKind {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(self.name())
  }
}

impl FromStr for DeviceKind {
  type Err = EngineError;

  fn from_str(s: &str) -> Result<Self> {
    match s.to_ascii_lowercase().as_str() {
      "cpu" => Ok(DeviceKind::Cpu),
      "cuda" | "gpu" => Ok(DeviceKind::Cuda),
      "metal" => Ok(DeviceKind::Metal),
      other => Err(EngineError::InvalidArgument(format!("unknown device {other:?}: expected cpu, cuda or metal"))),
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn parses_names_and_reports_missing_back_ends() {
    assert_eq!("CPU".parse::<DeviceKind>().unwrap(), DeviceKind::Cpu);
    assert!("tpu".parse::<DeviceKind>().is_err());
    assert!(DeviceKind::Cpu.open().is_ok());
    if !cfg!(feature = "cuda") {
      let err = DeviceKind::Cuda.open().unwrap_err().to_string();
      assert!(err.contains("cuda cargo feature") || err.contains("`cuda` cargo feature"), "{err}");
    }
  }
}
