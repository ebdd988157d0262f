//! Registering one execution target on a session builder, with no silent fallback.

use crate::manifest::Manifest;
use crate::target::ExecutionTarget;
use ort::session::builder::SessionBuilder;

/// Registers `target` on `builder`; a failure is returned, never skipped.
pub(crate) fn register(
    builder: SessionBuilder,
    target: &ExecutionTarget,
    manifest: &Manifest,
    batch_size: usize,
) -> Result<SessionBuilder, String> {
    let text = |error: ort::Error| error.to_string();
    match target {
        ExecutionTarget::Cpu(options) => {
            let mut builder = builder;
            if let Some(threads) = options.intra_threads {
                builder = builder
                    .with_intra_threads(threads)
                    .map_err(|e| text(e.into()))?;
            }
            if let Some(threads) = options.inter_threads {
                builder = builder
                    .with_inter_threads(threads)
                    .map_err(|e| text(e.into()))?;
            }
            if !options.spinning {
                builder = builder
                    .with_config_entry("session.intra_op.allow_spinning", "0")
                    .map_err(|e| text(e.into()))?;
            }
            builder
                .with_execution_providers([cpu_provider().build().error_on_failure()])
                .map_err(|e| text(e.into()))
        }
        ExecutionTarget::Cuda(options) => cuda(builder, options.device),
        ExecutionTarget::TensorRt(options) => tensorrt(builder, options, manifest, batch_size),
    }
}

/// The CPU provider as ONNX Runtime configures it by default: with its memory arena.
/// `ort`'s `CPU::default()` registers the provider with the arena *disabled*, which made every
/// run allocate its intermediate tensors afresh (TwinLiteNet at batch 6: ~355 ms against the
/// ~260 ms of Python's onnxruntime with default options, 359 ms with the arena off).
pub(crate) fn cpu_provider() -> ort::ep::CPU {
    ort::ep::CPU::default().with_arena_allocator(true)
}

#[cfg(feature = "cuda")]
fn cuda(builder: SessionBuilder, device: u32) -> Result<SessionBuilder, String> {
    let device = i32::try_from(device).map_err(|_| format!("CUDA device {device} out of range"))?;
    builder
        .with_execution_providers([ort::ep::CUDA::default()
            .with_device_id(device)
            .build()
            .error_on_failure()])
        .map_err(|error| error.to_string())
}

#[cfg(not(feature = "cuda"))]
fn cuda(_builder: SessionBuilder, _device: u32) -> Result<SessionBuilder, String> {
    Err("this build has no CUDA support: rebuild with `--features cuda`".to_string())
}

#[cfg(feature = "tensorrt")]
fn tensorrt(
    builder: SessionBuilder,
    options: &crate::target::TensorRtOptions,
    manifest: &Manifest,
    batch_size: usize,
) -> Result<SessionBuilder, String> {
    let device = i32::try_from(options.device)
        .map_err(|_| format!("CUDA device {} out of range", options.device))?;
    let input = &manifest.input;
    let shape = |batch: usize| {
        format!(
            "{}:{batch}x3x{}x{}",
            input.tensor, input.height, input.width
        )
    };
    let mut provider = ort::ep::TensorRT::default()
        .with_device_id(device)
        .with_fp16(options.fp16)
        .with_max_workspace_size(options.workspace_bytes)
        .with_profile_min_shapes(shape(1))
        .with_profile_opt_shapes(shape(batch_size))
        .with_profile_max_shapes(shape(batch_size));
    if let Some(root) = &options.engine_cache {
        let key = crate::cache_key::engine_cache_key(manifest, batch_size, options)
            .map_err(|error| error.to_string())?;
        let folder = root.join(key);
        std::fs::create_dir_all(&folder)
            .map_err(|error| format!("cannot create engine cache {}: {error}", folder.display()))?;
        provider = provider
            .with_engine_cache(true)
            .with_engine_cache_path(folder.display())
            .with_timing_cache(true)
            .with_timing_cache_path(folder.display());
    }
    builder
        .with_execution_providers([provider.build().error_on_failure()])
        .map_err(|error| error.to_string())
}

#[cfg(not(feature = "tensorrt"))]
fn tensorrt(
    _builder: SessionBuilder,
    _options: &crate::target::TensorRtOptions,
    _manifest: &Manifest,
    _batch_size: usize,
) -> Result<SessionBuilder, String> {
    Err("this build has no TensorRT support: rebuild with `--features tensorrt`".to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cpu_provider_keeps_onnx_runtimes_memory_arena() {
        // `CPU`'s only setting is the arena; its Debug output is the way to read it back.
        assert_eq!(
            format!("{:?}", super::cpu_provider()),
            "CPU { use_arena: true }"
        );
    }
}
