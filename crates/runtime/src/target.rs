//! Execution targets (CPU, CUDA, TensorRT), their options, and fallback lists.

use crate::error::{Result, RuntimeError};
use std::path::PathBuf;

/// Options of the CPU execution provider.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuOptions {
    /// Threads inside one operator; `None` lets ONNX Runtime use every core.
    pub intra_threads: Option<usize>,
    /// Threads across independent operators; `None` keeps ONNX Runtime's default.
    pub inter_threads: Option<usize>,
    /// Let idle operator threads spin-wait for work. Spinning shaves latency off inference
    /// alone but burns cores that the other pipeline stages need; off by default.
    pub spinning: bool,
}

/// Options of the CUDA execution provider.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CudaOptions {
    /// CUDA device ordinal.
    pub device: u32,
}

/// Options of the TensorRT execution provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorRtOptions {
    /// CUDA device ordinal.
    pub device: u32,
    /// Build fp16 engines.
    pub fp16: bool,
    /// Where built engines are cached; a sub-folder keyed by model, shapes and device is used, so
    /// a changed model or shape never reuses a stale engine.
    pub engine_cache: Option<PathBuf>,
    /// TensorRT builder workspace in bytes.
    pub workspace_bytes: usize,
}

impl Default for TensorRtOptions {
    fn default() -> Self {
        Self {
            device: 0,
            fp16: true,
            engine_cache: None,
            workspace_bytes: 2 << 30,
        }
    }
}

/// One execution provider with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionTarget {
    /// ONNX Runtime's CPU provider.
    Cpu(CpuOptions),
    /// NVIDIA CUDA.
    Cuda(CudaOptions),
    /// NVIDIA TensorRT (through ONNX Runtime's TensorRT provider).
    TensorRt(TensorRtOptions),
}

impl ExecutionTarget {
    /// Parses `cpu`, `cuda`, `cuda:1`, `tensorrt`, `tensorrt:0` (case-insensitive; `trt` too).
    pub fn parse(text: &str) -> Result<Self> {
        let syntax = || RuntimeError::TargetSyntax {
            given: text.to_string(),
        };
        let lowered = text.trim().to_ascii_lowercase();
        let (name, device) = match lowered.split_once(':') {
            Some((name, device)) => (name, Some(device.parse::<u32>().map_err(|_| syntax())?)),
            None => (lowered.as_str(), None),
        };
        match name {
            "cpu" if device.is_none() => Ok(Self::Cpu(CpuOptions::default())),
            "cuda" => Ok(Self::Cuda(CudaOptions {
                device: device.unwrap_or(0),
            })),
            "tensorrt" | "trt" => Ok(Self::TensorRt(TensorRtOptions {
                device: device.unwrap_or(0),
                ..TensorRtOptions::default()
            })),
            _ => Err(syntax()),
        }
    }

    /// Parses a comma-separated priority list such as `tensorrt,cuda,cpu`.
    pub fn parse_list(text: &str) -> Result<Vec<Self>> {
        let targets = text
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(Self::parse)
            .collect::<Result<Vec<_>>>()?;
        if targets.is_empty() {
            return Err(RuntimeError::TargetSyntax {
                given: text.to_string(),
            });
        }
        Ok(targets)
    }

    /// Short name for reports: `cpu`, `cuda:0`, `tensorrt:0`.
    pub fn label(&self) -> String {
        match self {
            Self::Cpu(_) => "cpu".to_string(),
            Self::Cuda(options) => format!("cuda:{}", options.device),
            Self::TensorRt(options) => format!("tensorrt:{}", options.device),
        }
    }

    /// ONNX Runtime's name for the provider.
    pub fn provider_name(&self) -> &'static str {
        match self {
            Self::Cpu(_) => "CPUExecutionProvider",
            Self::Cuda(_) => "CUDAExecutionProvider",
            Self::TensorRt(_) => "TensorrtExecutionProvider",
        }
    }
}

impl std::fmt::Display for ExecutionTarget {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_devices_and_fallbacks() {
        assert_eq!(
            ExecutionTarget::parse("cpu").ok(),
            Some(ExecutionTarget::Cpu(CpuOptions::default()))
        );
        assert_eq!(
            ExecutionTarget::parse("CUDA:1").ok(),
            Some(ExecutionTarget::Cuda(CudaOptions { device: 1 }))
        );
        let list = ExecutionTarget::parse_list("tensorrt,cuda,cpu").ok();
        let labels: Vec<String> = list
            .unwrap_or_default()
            .iter()
            .map(ExecutionTarget::label)
            .collect();
        assert_eq!(labels, ["tensorrt:0", "cuda:0", "cpu"]);
    }

    #[test]
    fn bad_targets_are_refused() {
        for text in ["gpu", "cuda:x", "cpu:1", "", ","] {
            assert!(
                ExecutionTarget::parse_list(text).is_err(),
                "{text:?} should be refused"
            );
        }
    }
}
