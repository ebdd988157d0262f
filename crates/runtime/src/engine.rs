//! `Engine`: one ONNX Runtime session for one model, running whole frame-set batches.

use crate::description::{describe, ModelDescription};
use crate::error::{Result, RuntimeError};
use crate::library;
use crate::manifest::Manifest;
use crate::providers_registration::register;
use crate::target::{CpuOptions, ExecutionTarget};
use crate::validate::{validate, BatchLimit};
use ndarray::{concatenate, s, Array4, ArrayD, ArrayView4, ArrayViewD, Axis};
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Graph optimisation level. ONNX Runtime's `ORT_ENABLE_ALL` is `All` (not `Layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Optimization {
    /// No graph optimisation.
    Disabled,
    /// Constant folding and redundant node elimination.
    Basic,
    /// Basic plus node fusions.
    Extended,
    /// Extended plus layout transformations (`ORT_ENABLE_LAYOUT`).
    Layout,
    /// Everything (`ORT_ENABLE_ALL`).
    #[default]
    All,
}

impl Optimization {
    fn level(self) -> GraphOptimizationLevel {
        match self {
            Self::Disabled => GraphOptimizationLevel::Disable,
            Self::Basic => GraphOptimizationLevel::Level1,
            Self::Extended => GraphOptimizationLevel::Level2,
            Self::Layout => GraphOptimizationLevel::Level3,
            Self::All => GraphOptimizationLevel::All,
        }
    }
}

/// The outputs of one model run over a frame set: output name → array with the whole batch
/// (cameras along axis 0).
///
/// An output straight from a single ONNX Runtime run is kept in ONNX Runtime's own tensor (read
/// through a view, never copied); only outputs joined from several runs or cut of padding rows
/// are copied into arrays.
#[derive(Debug, Default)]
pub struct HeadOutputs {
    tensors: BTreeMap<String, Output>,
}

/// One output's storage.
#[derive(Debug)]
enum Output {
    Owned(ArrayD<f32>),
    Runtime(ort::value::Tensor<f32>),
}

impl Output {
    fn view(&self) -> ArrayViewD<'_, f32> {
        match self {
            Self::Owned(array) => array.view(),
            Self::Runtime(tensor) => tensor.extract_array(),
        }
    }
}

impl HeadOutputs {
    /// The output with this graph name.
    pub fn get(&self, name: &str) -> Option<ArrayViewD<'_, f32>> {
        self.tensors.get(name).map(Output::view)
    }

    /// Output names and arrays.
    pub fn iter(&self) -> impl Iterator<Item = (&str, ArrayViewD<'_, f32>)> {
        self.tensors
            .iter()
            .map(|(name, output)| (name.as_str(), output.view()))
    }

    /// Adds or replaces an output (for tests and for merging several models' outputs).
    pub fn insert(&mut self, name: impl Into<String>, array: ArrayD<f32>) {
        self.tensors.insert(name.into(), Output::Owned(array));
    }

    /// The outputs as owned arrays (those held by ONNX Runtime are copied).
    pub fn into_inner(self) -> BTreeMap<String, ArrayD<f32>> {
        self.tensors
            .into_iter()
            .map(|(name, output)| {
                let array = match output {
                    Output::Owned(array) => array,
                    Output::Runtime(tensor) => tensor.extract_array().to_owned(),
                };
                (name, array)
            })
            .collect()
    }
}

impl Clone for HeadOutputs {
    fn clone(&self) -> Self {
        let tensors = self
            .iter()
            .map(|(name, view)| (name.to_string(), Output::Owned(view.to_owned())))
            .collect();
        Self { tensors }
    }
}

impl PartialEq for HeadOutputs {
    fn eq(&self, other: &Self) -> bool {
        self.tensors.len() == other.tensors.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|((name, view), (other_name, other_view))| {
                    name == other_name && view == other_view
                })
    }
}

/// Builds an [`Engine`]: `Engine::builder(manifest).with_targets(...).build()`.
#[derive(Debug, Clone)]
#[must_use]
pub struct EngineBuilder {
    manifest: Arc<Manifest>,
    targets: Vec<ExecutionTarget>,
    batch_size: usize,
    optimization: Optimization,
}

impl EngineBuilder {
    /// Execution targets in priority order; the first that registers is used. A single GPU
    /// target that fails is an error: there is no silent CPU fallback.
    pub fn with_targets(mut self, targets: Vec<ExecutionTarget>) -> Self {
        self.targets = targets;
        self
    }

    /// The number of cameras per frame set (TensorRT's batch profile, batch splitting).
    pub fn with_batch_size(mut self, cameras: usize) -> Self {
        self.batch_size = cameras.max(1);
        self
    }

    /// Graph optimisation level.
    pub fn with_optimization(mut self, optimization: Optimization) -> Self {
        self.optimization = optimization;
        self
    }

    /// Loads ONNX Runtime (once per process), builds the session on the first target that
    /// registers, and checks the manifest against the graph.
    pub fn build(self) -> Result<Engine> {
        let environment = library::environment()?;
        let weights = &self.manifest.weights;
        self.manifest.check_weights()?;
        let mut attempts = Vec::new();
        for target in &self.targets {
            let built = Session::builder(environment)
                .and_then(|builder| {
                    builder
                        .with_optimization_level(self.optimization.level())
                        .map_err(Into::into)
                })
                .map_err(|error| error.to_string())
                .and_then(|builder| register(builder, target, &self.manifest, self.batch_size))
                .and_then(|mut builder| {
                    builder
                        .commit_from_file(weights)
                        .map_err(|error| error.to_string())
                });
            match built {
                Ok(session) => {
                    let description = describe(&session);
                    let batch_limit = validate(&self.manifest, &description)?;
                    tracing::info!(model = %self.manifest.name, target = %target, "session ready");
                    return Ok(Engine {
                        session,
                        manifest: self.manifest,
                        description,
                        batch_limit,
                        target: target.clone(),
                        batch_size: self.batch_size,
                        optimization: self.optimization,
                        padding: None,
                    });
                }
                Err(message) => {
                    tracing::warn!(model = %self.manifest.name, target = %target, %message, "target failed");
                    attempts.push(format!("{target}: {message}"));
                }
            }
        }
        Err(RuntimeError::NoTarget {
            model: weights.clone(),
            attempts: attempts.join("; "),
        })
    }
}

/// One model loaded in one ONNX Runtime session. `run` takes `&mut self`: use one engine per
/// worker thread.
#[derive(Debug)]
pub struct Engine {
    session: Session,
    manifest: Arc<Manifest>,
    description: ModelDescription,
    batch_limit: BatchLimit,
    target: ExecutionTarget,
    batch_size: usize,
    optimization: Optimization,
    padding: Option<Array4<f32>>,
}

impl Engine {
    /// Starts building an engine for this manifest (CPU target, batch of 1 by default).
    pub fn builder(manifest: impl Into<Arc<Manifest>>) -> EngineBuilder {
        EngineBuilder {
            manifest: manifest.into(),
            targets: vec![ExecutionTarget::Cpu(CpuOptions::default())],
            batch_size: 1,
            optimization: Optimization::default(),
        }
    }

    /// The manifest this engine was built from.
    pub fn manifest(&self) -> &Arc<Manifest> {
        &self.manifest
    }

    /// The graph's real inputs and outputs.
    pub fn description(&self) -> &ModelDescription {
        &self.description
    }

    /// The execution target actually used.
    pub fn target(&self) -> &ExecutionTarget {
        &self.target
    }

    /// Another session of the same model, batch size and optimisation on `target` (only): for
    /// a second worker thread, or the same target with another thread count.
    pub fn twin(&self, target: ExecutionTarget) -> Result<Engine> {
        Engine::builder(Arc::clone(&self.manifest))
            .with_targets(vec![target])
            .with_batch_size(self.batch_size)
            .with_optimization(self.optimization)
            .build()
    }

    /// Whether the graph takes any batch size or a fixed one.
    pub fn batch_limit(&self) -> BatchLimit {
        self.batch_limit
    }

    /// Runs the model on a batch `[N, 3, H, W]` of camera images: one session run when the batch
    /// dimension is dynamic, runs of the fixed size otherwise (the last one zero-padded). Returns
    /// every output a head reads, with all N cameras along axis 0.
    pub fn run(&mut self, batch: ArrayView4<'_, f32>) -> Result<HeadOutputs> {
        let (cameras, channels, height, width) = batch.dim();
        if channels != 3
            || height != self.manifest.input.height
            || width != self.manifest.input.width
        {
            return Err(RuntimeError::BatchShape {
                model: self.manifest.name.clone(),
                got: batch.shape().to_vec(),
                height: self.manifest.input.height,
                width: self.manifest.input.width,
            });
        }
        let chunk = match self.batch_limit {
            BatchLimit::Dynamic => cameras.max(1),
            BatchLimit::Fixed(size) => size.max(1),
        };
        if cameras == chunk {
            // One run without padding: its tensors are the outputs, uncopied.
            let outputs = run_session(&mut self.session, &self.manifest, batch)?;
            let tensors = outputs
                .into_iter()
                .map(|(name, tensor)| (name, Output::Runtime(tensor)))
                .collect();
            return Ok(HeadOutputs { tensors });
        }
        let mut parts: BTreeMap<String, Vec<ArrayD<f32>>> = BTreeMap::new();
        let mut start = 0;
        while start < cameras {
            let end = (start + chunk).min(cameras);
            let slice = batch.slice(s![start..end, .., .., ..]);
            let outputs = if end - start == chunk {
                run_session(&mut self.session, &self.manifest, slice)?
            } else {
                let padded = self.padded(slice, chunk);
                let outputs = run_session(&mut self.session, &self.manifest, padded.view())?;
                self.padding = Some(padded);
                outputs
            };
            for (name, tensor) in outputs {
                let array = tensor.extract_array();
                // Padding rows are cut off.
                let rows = (end - start).min(array.shape().first().copied().unwrap_or(0));
                let kept = array.slice_axis(Axis(0), (0..rows).into()).to_owned();
                parts.entry(name).or_default().push(kept);
            }
            start = end;
        }
        let mut result = HeadOutputs::default();
        for (name, pieces) in parts {
            let array = if pieces.len() == 1 {
                pieces.into_iter().next().unwrap_or_default()
            } else {
                let views: Vec<ArrayViewD<'_, f32>> =
                    pieces.iter().map(|piece| piece.view()).collect();
                concatenate(Axis(0), &views).map_err(|error| RuntimeError::Run {
                    model: self.manifest.name.clone(),
                    message: format!("output `{name}` cannot be joined across runs: {error}"),
                })?
            };
            result.insert(name, array);
        }
        Ok(result)
    }

    /// The slice copied into a zero-filled batch of the fixed size (buffer reused).
    fn padded(&mut self, slice: ArrayView4<'_, f32>, chunk: usize) -> Array4<f32> {
        let (_, channels, height, width) = slice.dim();
        let mut padded = match self.padding.take() {
            Some(buffer) if buffer.dim() == (chunk, channels, height, width) => buffer,
            _ => Array4::zeros((chunk, channels, height, width)),
        };
        padded.fill(0.0);
        padded
            .slice_mut(s![..slice.dim().0, .., .., ..])
            .assign(&slice);
        padded
    }
}

/// One session run; takes out every output that a head reads (ONNX Runtime's tensors, as they
/// are).
fn run_session(
    session: &mut Session,
    manifest: &Manifest,
    batch: ArrayView4<'_, f32>,
) -> Result<Vec<(String, ort::value::Tensor<f32>)>> {
    let run_error = |message: String| RuntimeError::Run {
        model: manifest.name.clone(),
        message,
    };
    let standard;
    let contiguous = if batch.is_standard_layout() {
        batch
    } else {
        standard = batch.as_standard_layout().into_owned();
        standard.view()
    };
    let tensor = ort::value::TensorRef::from_array_view(contiguous)
        .map_err(|error| run_error(error.to_string()))?;
    let mut outputs = session
        .run(ort::inputs![manifest.input.tensor.as_str() => tensor])
        .map_err(|error| run_error(error.to_string()))?;
    let mut extracted: Vec<(String, ort::value::Tensor<f32>)> = Vec::new();
    for head in &manifest.heads {
        for name in &head.outputs {
            if extracted.iter().any(|(known, _)| known == name) {
                continue;
            }
            let value = outputs
                .remove(name.as_str())
                .ok_or_else(|| run_error(format!("output `{name}` missing from the run")))?;
            let tensor = value
                .downcast::<ort::value::TensorValueType<f32>>()
                .map_err(|error| run_error(format!("output `{name}`: {error}")))?;
            extracted.push((name.clone(), tensor));
        }
    }
    Ok(extracted)
}
