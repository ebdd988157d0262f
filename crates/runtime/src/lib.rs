//! ONNX Runtime loading, execution targets, model manifests and batched inference.
//!
//! This is the only crate that uses `ort`; nothing it returns is an `ort` type.

mod cache_key;
mod description;
mod engine;
mod error;
mod library;
mod manifest;
mod providers;
mod providers_registration;
mod suggest;
mod target;
mod validate;
mod wheel;

pub use cache_key::engine_cache_key;
pub use description::{Dimension, ModelDescription, TensorDescription};
pub use engine::{Engine, EngineBuilder, HeadOutputs, Optimization};
pub use error::{Result, RuntimeError};
pub use library::{
    cache_directory, library_file_name, load as load_library, LibraryFlavor, LibrarySource,
    OnnxRuntimeLibrary, ONNX_RUNTIME_VERSION,
};
pub use manifest::{HeadKind, HeadSpec, InputSpec, Manifest};
pub use providers::available_providers;
pub use suggest::{suggest_manifest, Suggestion};
pub use target::{CpuOptions, CudaOptions, ExecutionTarget, TensorRtOptions};
pub use validate::{validate, BatchLimit};

/// Reads a model file's inputs and outputs (loads ONNX Runtime on first use).
pub fn describe_model(path: &std::path::Path) -> Result<ModelDescription> {
    let environment = library::environment()?;
    let model_error = |message: String| RuntimeError::Model {
        path: path.to_path_buf(),
        message,
    };
    if !path.is_file() {
        return Err(model_error("no such file".to_string()));
    }
    let session = ort::session::Session::builder(environment)
        .and_then(|mut builder| builder.commit_from_file(path))
        .map_err(|error| model_error(error.to_string()))?;
    Ok(description::describe(&session))
}
