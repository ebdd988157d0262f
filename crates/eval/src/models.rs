//! Loading the models to evaluate.

use crate::error::{EvalError, Result};
use panoptes_pipeline::{LoadedModel, ModelRequest};
use panoptes_runtime::{ExecutionTarget, Optimization};
use std::collections::BTreeMap;

/// Loads every model for a rig of `cameras` cameras, refusing head names used by two models
/// (their results would be confused).
pub fn load_evaluation_models(
    requests: &[ModelRequest],
    targets: &[ExecutionTarget],
    optimization: Optimization,
    cameras: usize,
) -> Result<Vec<LoadedModel>> {
    if requests.is_empty() {
        return Err(EvalError::NoModel);
    }
    let mut models = Vec::with_capacity(requests.len());
    for request in requests {
        models.push(LoadedModel::load(request, targets, cameras, optimization)?);
    }
    let mut owners: BTreeMap<&str, &std::path::Path> = BTreeMap::new();
    for model in &models {
        for head in &model.manifest.heads {
            if let Some(first) = owners.insert(&head.name, &model.manifest.path) {
                return Err(EvalError::HeadNameClash {
                    head: head.name.clone(),
                    first: first.to_path_buf(),
                    second: model.manifest.path.clone(),
                });
            }
        }
    }
    Ok(models)
}
