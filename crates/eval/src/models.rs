//! Loading the models to evaluate.

use crate::error::{EvalError, Result};
use panoptes_heads::{Decoder, HeadConfig};
use panoptes_pipeline::{LoadedModel, ModelRequest};
use panoptes_runtime::{ExecutionTarget, Optimization};
use std::collections::BTreeMap;

/// Loads every model for a rig of `cameras` cameras, refusing head names used by two models
/// (their results would be confused). `score_threshold`, when given, replaces every detection
/// head's threshold: AP wants the whole precision–recall curve, so evaluate with a low one
/// (such as 0.01) rather than the deployment threshold of the manifest.
pub fn load_evaluation_models(
    requests: &[ModelRequest],
    targets: &[ExecutionTarget],
    optimization: Optimization,
    cameras: usize,
    score_threshold: Option<f32>,
) -> Result<Vec<LoadedModel>> {
    if let Some(threshold) = score_threshold {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(EvalError::Setting {
                setting: "score_threshold",
                value: f64::from(threshold),
                expected: "a score between 0 and 1",
            });
        }
    }
    if requests.is_empty() {
        return Err(EvalError::NoModel);
    }
    let mut models = Vec::with_capacity(requests.len());
    for request in requests {
        let mut model = LoadedModel::load(request, targets, cameras, optimization)?;
        if let Some(threshold) = score_threshold {
            model.decoder = with_score_threshold(&model.decoder, threshold).map_err(|source| {
                EvalError::Heads {
                    manifest: model.manifest.path.clone(),
                    source: Box::new(source),
                }
            })?;
        }
        models.push(model);
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

/// The same heads with every detection threshold set to `threshold`.
fn with_score_threshold(decoder: &Decoder, threshold: f32) -> panoptes_heads::Result<Decoder> {
    let heads = decoder
        .heads()
        .iter()
        .cloned()
        .map(|head| match head {
            HeadConfig::Detection(mut config) => {
                config.score_threshold = threshold;
                HeadConfig::Detection(config)
            }
            HeadConfig::InstanceSegmentation(mut config) => {
                config.score_threshold = threshold;
                HeadConfig::InstanceSegmentation(config)
            }
            other => other,
        })
        .collect();
    Decoder::new(heads, decoder.input())
}
