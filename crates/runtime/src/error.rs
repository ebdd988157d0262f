//! The runtime crate's error type: every variant says what failed, where, and what to do.

use std::path::PathBuf;

/// Errors from loading ONNX Runtime, reading manifests, building sessions and running models.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// No ONNX Runtime shared library could be found or fetched.
    #[error(
        "ONNX Runtime {version} library not found; tried: {tried}. Fix: set ORT_DYLIB_PATH to a \
         libonnxruntime.so of version {version}, or make `python3 -m pip download {package}=={version}` \
         work (Python 3 with pip and access to the package index)"
    )]
    LibraryNotFound {
        version: &'static str,
        package: &'static str,
        tried: String,
    },
    /// The library exists but could not be loaded (wrong version, wrong architecture, missing deps).
    #[error("cannot load ONNX Runtime from {path}: {message}")]
    LibraryLoad { path: PathBuf, message: String },
    /// Filesystem problem while filling the library cache.
    #[error("cannot prepare the ONNX Runtime cache at {path}: {source}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The downloaded wheel is not what we expected.
    #[error("wheel {path} is unusable: {message}")]
    Wheel { path: PathBuf, message: String },
    /// An execution target string could not be parsed.
    #[error("unknown execution target `{given}`: expected cpu, cuda[:DEVICE] or tensorrt[:DEVICE], comma-separated for a fallback list")]
    TargetSyntax { given: String },
    /// A GPU target was asked for but this build has no support for it.
    #[error("execution target `{target}` needs a build with the cargo feature `{feature}` (cargo build --features {feature}) and the onnxruntime-gpu library")]
    TargetNotBuilt {
        target: String,
        feature: &'static str,
    },
    /// Every execution target in the list failed to register.
    #[error("no execution target could be used for {model}: {attempts}")]
    NoTarget { model: PathBuf, attempts: String },
    /// The manifest file cannot be read or parsed.
    #[error("{path}: {message}")]
    ManifestSyntax { path: PathBuf, message: String },
    /// A manifest field is missing, malformed or disagrees with the graph.
    #[error("{path}: field `{field}`: {problem}. Fix: {fix}")]
    ManifestField {
        path: PathBuf,
        field: String,
        problem: String,
        fix: String,
    },
    /// The ONNX model file cannot be opened by ONNX Runtime.
    #[error("cannot load model {path}: {message}")]
    Model { path: PathBuf, message: String },
    /// A batch handed to `Engine::run` does not fit the model.
    #[error("batch for {model} has shape {got:?}, expected [N, 3, {height}, {width}]")]
    BatchShape {
        model: String,
        got: Vec<usize>,
        height: usize,
        width: usize,
    },
    /// ONNX Runtime failed while running the model.
    #[error("inference failed for {model}: {message}")]
    Run { model: String, message: String },
}

/// Shorthand for results of this crate.
pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;
