//! One model ready to serve a rig: pre-processor, engine and decoder built from its manifest.

use crate::error::{PipelineError, Result};
use panoptes_heads::{Decoder, HeadConfig, InputSize, ModelToImage};
use panoptes_preprocess::{InputLayout, PixelTransform, Preprocessor};
use panoptes_runtime::{Engine, ExecutionTarget, Manifest, Optimization};
use std::path::Path;
use std::sync::Arc;

/// How to load one model.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    /// The manifest (.toml).
    pub manifest: std::path::PathBuf,
    /// Weights overriding the manifest's `weights`.
    pub weights: Option<std::path::PathBuf>,
}

/// A model split into the three parts that run in different pipeline stages.
#[derive(Debug)]
pub struct LoadedModel {
    /// The manifest, shared by the parts.
    pub manifest: Arc<Manifest>,
    /// Images → batch.
    pub preprocessor: Preprocessor,
    /// Batch → outputs.
    pub engine: Engine,
    /// Outputs → results.
    pub decoder: Decoder,
}

impl LoadedModel {
    /// Reads the manifest, builds the engine on the first target that registers, and checks the
    /// pre-processing and head tables; `cameras` is the rig's camera count.
    pub fn load(
        request: &ModelRequest,
        targets: &[ExecutionTarget],
        cameras: usize,
        optimization: Optimization,
    ) -> Result<Self> {
        let manifest = Arc::new(Manifest::load(
            &request.manifest,
            request.weights.as_deref(),
        )?);
        let layout = input_layout(&manifest)?;
        let preprocessor = Preprocessor::new(layout, cameras.max(1))
            .map_err(|error| manifest_error(&manifest.path, "input", error.to_string()))?;
        let decoder = decoder(&manifest)?;
        let engine = Engine::builder(Arc::clone(&manifest))
            .with_targets(targets.to_vec())
            .with_batch_size(cameras)
            .with_optimization(optimization)
            .build()?;
        for name in decoder.required_outputs() {
            if let Some(output) = engine.description().output(name) {
                let shape: Vec<Option<usize>> = output
                    .dimensions
                    .iter()
                    .map(|dimension| dimension.fixed())
                    .collect();
                decoder
                    .check_output_shape(name, &shape)
                    .map_err(|error| manifest_error(&manifest.path, "heads", error.to_string()))?;
            }
        }
        Ok(Self {
            manifest,
            preprocessor,
            engine,
            decoder,
        })
    }
}

/// The `[input]` table read as pre-processing wants it.
pub fn input_layout(manifest: &Manifest) -> Result<InputLayout> {
    let layout: InputLayout =
        manifest
            .input
            .table
            .clone()
            .try_into()
            .map_err(|error: toml::de::Error| {
                manifest_error(&manifest.path, "input", error.message().to_string())
            })?;
    layout
        .validate()
        .map_err(|error| manifest_error(&manifest.path, "input", error.to_string()))?;
    Ok(layout)
}

/// The `[[heads]]` tables read as decoding wants them.
pub fn decoder(manifest: &Manifest) -> Result<Decoder> {
    let heads = manifest
        .heads
        .iter()
        .map(|head| {
            head.table
                .clone()
                .try_into::<HeadConfig>()
                .map_err(|error| {
                    manifest_error(
                        &manifest.path,
                        &format!("heads.{}", head.name),
                        error.message().to_string(),
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let input = InputSize::new(manifest.input.width, manifest.input.height)
        .map_err(|error| manifest_error(&manifest.path, "input", error.to_string()))?;
    Decoder::new(heads, input)
        .map_err(|error| manifest_error(&manifest.path, "heads", error.to_string()))
}

fn manifest_error(path: &Path, section: &str, message: String) -> PipelineError {
    PipelineError::Manifest {
        path: path.to_path_buf(),
        section: section.to_string(),
        message,
    }
}

/// Pre-processing's placement of a camera image, as the decoders take it.
pub fn model_to_image(transform: &PixelTransform) -> ModelToImage {
    ModelToImage {
        scale: [transform.scale_x as f32, transform.scale_y as f32],
        offset: [transform.offset_x as f32, transform.offset_y as f32],
        width: transform.original_width as usize,
        height: transform.original_height as usize,
    }
}
