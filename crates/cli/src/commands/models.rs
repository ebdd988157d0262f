//! Model arguments shared by the commands that run models.

use anyhow::Context;
use panoptes::{ExecutionTarget, ModelRequest, Optimization};
use std::path::PathBuf;

/// Pairs each `--weights` with the `--model` given just before it on the command line.
/// `models_id` and `weights_id` are the clap argument ids of the two lists.
pub fn pair_weights(
    models: &[PathBuf],
    weights: &[PathBuf],
    matches: Option<&clap::ArgMatches>,
    models_id: &str,
    weights_id: &str,
) -> anyhow::Result<Vec<ModelRequest>> {
    let mut requests: Vec<ModelRequest> = models
        .iter()
        .map(|manifest| ModelRequest {
            manifest: manifest.clone(),
            weights: None,
        })
        .collect();
    if weights.is_empty() {
        return Ok(requests);
    }
    let indices = |name: &str| -> Vec<usize> {
        matches
            .and_then(|matches| matches.indices_of(name))
            .map(Iterator::collect)
            .unwrap_or_default()
    };
    let model_positions = indices(models_id);
    let weight_positions = indices(weights_id);
    anyhow::ensure!(
        weight_positions.len() == weights.len(),
        "cannot tell which --model each --weights belongs to"
    );
    for (weights, position) in weights.iter().zip(weight_positions) {
        let owner = model_positions
            .iter()
            .rposition(|&model| model < position)
            .with_context(|| format!("--weights {} comes before any --model: put it after the manifest it belongs to", weights.display()))?;
        anyhow::ensure!(
            requests[owner].weights.is_none(),
            "two --weights follow --model {}",
            requests[owner].manifest.display()
        );
        requests[owner].weights = Some(weights.clone());
    }
    Ok(requests)
}

/// `--provider` and `--threads` as execution targets.
pub fn execution_targets(
    provider: &str,
    threads: Option<usize>,
) -> anyhow::Result<Vec<ExecutionTarget>> {
    let mut targets = ExecutionTarget::parse_list(provider)?;
    if let Some(threads) = threads {
        anyhow::ensure!(threads > 0, "--threads must be at least 1");
        for target in &mut targets {
            if let ExecutionTarget::Cpu(options) = target {
                options.intra_threads = Some(threads);
            }
        }
    }
    Ok(targets)
}

pub fn parse_optimization(text: &str) -> anyhow::Result<Optimization> {
    Ok(match text {
        "disabled" => Optimization::Disabled,
        "basic" => Optimization::Basic,
        "extended" => Optimization::Extended,
        "layout" => Optimization::Layout,
        "all" => Optimization::All,
        other => anyhow::bail!(
            "--optimization {other}: expected disabled, basic, extended, layout or all"
        ),
    })
}
