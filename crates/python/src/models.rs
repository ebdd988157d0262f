//! Model, provider and fusion arguments as the `panoptes` command takes them.

use crate::convert::{error, message};
use panoptes::{ExecutionTarget, FusionConfig, Optimization};
use panoptes_pipeline::ModelRequest;
use pyo3::prelude::*;
use std::path::PathBuf;

/// `fusion=`: `True` (the built-in settings), `False` (off), or a fusion TOML file.
#[derive(Debug, Clone, FromPyObject)]
pub enum FusionChoice {
    /// On with the built-in settings, or off.
    Switch(bool),
    /// On with the settings of this file.
    File(PathBuf),
}

impl Default for FusionChoice {
    fn default() -> Self {
        Self::Switch(true)
    }
}

impl FusionChoice {
    /// The settings, `None` when fusion is off.
    pub fn config(&self) -> PyResult<Option<FusionConfig>> {
        match self {
            Self::Switch(false) => Ok(None),
            Self::Switch(true) => Ok(Some(FusionConfig::default())),
            Self::File(path) => FusionConfig::load(path)
                .map(Some)
                .map_err(|failure| error(&failure)),
        }
    }
}

/// Which models, on what, with how many threads.
#[derive(Debug, Clone)]
pub struct ModelChoice {
    /// One per model.
    pub requests: Vec<ModelRequest>,
    /// Providers in priority order.
    pub targets: Vec<ExecutionTarget>,
    /// Graph optimisation.
    pub optimization: Optimization,
}

impl ModelChoice {
    /// `models` (manifests) with `weights` (one entry per model, `None` for the manifest's own),
    /// on `provider` (`cpu`, `cuda[:N]`, `tensorrt[:N]`, or a comma-separated fallback list)
    /// with `threads` per CPU operator.
    pub fn new(
        models: Vec<PathBuf>,
        weights: Option<Vec<Option<PathBuf>>>,
        provider: &str,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        if models.is_empty() {
            return Err(message(
                "no model given: pass models=[\"models/panoptes-net/panoptes-net.toml\"]",
            ));
        }
        let weights = weights.unwrap_or_else(|| vec![None; models.len()]);
        if weights.len() != models.len() {
            return Err(message(format!(
                "weights has {} entries for {} models: give one per model (None for the manifest's own)",
                weights.len(),
                models.len()
            )));
        }
        if threads == Some(0) {
            return Err(message("threads must be at least 1 (None: every core)"));
        }
        let mut targets =
            ExecutionTarget::parse_list(provider).map_err(|failure| error(&failure))?;
        for target in &mut targets {
            if let ExecutionTarget::Cpu(options) = target {
                options.intra_threads = threads;
            }
        }
        let requests = models
            .into_iter()
            .zip(weights)
            .map(|(manifest, weights)| ModelRequest { manifest, weights })
            .collect();
        Ok(Self {
            requests,
            targets,
            optimization: Optimization::default(),
        })
    }
}
