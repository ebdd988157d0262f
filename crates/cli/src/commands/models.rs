//! Model arguments shared by the commands that run models (replay, eval, bench).

use anyhow::Context;
use panoptes::{ExecutionTarget, Optimization};
use panoptes_pipeline::ModelRequest;
use std::path::PathBuf;

/// `--model`, `--weights`, `--provider`, `--threads`, `--optimization`.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Model manifest (.toml); repeat for several models, one engine each.
    #[arg(long = "model", required = true)]
    pub models: Vec<PathBuf>,
    /// Weights (.onnx) for the --model just before it, instead of its manifest's `weights`.
    #[arg(long = "weights")]
    pub weights: Vec<PathBuf>,
    /// Execution provider, or a comma-separated fallback list: cpu, cuda[:N], tensorrt[:N].
    /// A GPU provider that cannot be used is an error unless a fallback follows it.
    #[arg(long, default_value = "cpu")]
    pub provider: String,
    /// Threads inside each operator on the CPU provider [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Graph optimisation: disabled, basic, extended, layout, all.
    #[arg(long, default_value = "all")]
    pub optimization: String,
    /// Let ONNX Runtime's idle CPU threads spin-wait: a little less latency for inference
    /// alone, but cores burnt that overlapping pipeline stages need.
    #[arg(long)]
    pub spin: bool,
}

impl ModelArgs {
    /// One request per `--model`, each `--weights` paired with the `--model` just before it on
    /// the command line (`matches` are the subcommand's, for argument positions).
    pub fn requests(
        &self,
        matches: Option<&clap::ArgMatches>,
    ) -> anyhow::Result<Vec<ModelRequest>> {
        let mut requests: Vec<ModelRequest> = self
            .models
            .iter()
            .map(|manifest| ModelRequest {
                manifest: manifest.clone(),
                weights: None,
            })
            .collect();
        if self.weights.is_empty() {
            return Ok(requests);
        }
        let indices = |name: &str| -> Vec<usize> {
            matches
                .and_then(|matches| matches.indices_of(name))
                .map(Iterator::collect)
                .unwrap_or_default()
        };
        let model_positions = indices("models");
        let weight_positions = indices("weights");
        anyhow::ensure!(
            weight_positions.len() == self.weights.len(),
            "cannot tell which --model each --weights belongs to"
        );
        for (weights, position) in self.weights.iter().zip(weight_positions) {
            let owner = model_positions
                .iter()
                .rposition(|&model| model < position)
                .with_context(|| {
                    format!(
                        "--weights {} comes before any --model: put it after the manifest it belongs to",
                        weights.display()
                    )
                })?;
            anyhow::ensure!(
                requests[owner].weights.is_none(),
                "two --weights follow --model {}",
                requests[owner].manifest.display()
            );
            requests[owner].weights = Some(weights.clone());
        }
        Ok(requests)
    }

    /// `--provider` and `--threads` as execution targets in priority order.
    pub fn targets(&self) -> anyhow::Result<Vec<ExecutionTarget>> {
        let mut targets = ExecutionTarget::parse_list(&self.provider)?;
        anyhow::ensure!(self.threads != Some(0), "--threads must be at least 1");
        for target in &mut targets {
            if let ExecutionTarget::Cpu(options) = target {
                options.intra_threads = self.threads;
                options.spinning = self.spin;
            }
        }
        Ok(targets)
    }

    /// `--optimization` as a level.
    pub fn optimization(&self) -> anyhow::Result<Optimization> {
        Ok(match self.optimization.as_str() {
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
}

/// `--fusion FILE` and `--no-fusion`: ego-frame fusion settings.
#[derive(Debug, Clone, clap::Args)]
pub struct FusionArgs {
    /// Ego-frame fusion settings (TOML: lifting policy and size per class, merge and tracking
    /// gates, the bird's-eye-view grid; see the README). Default: the built-in settings.
    #[arg(long, value_name = "FILE", conflicts_with = "no_fusion")]
    pub fusion: Option<PathBuf>,
    /// Leave objects in image space: no `objects_ego`, no tracking, no bird's-eye view.
    #[arg(long)]
    pub no_fusion: bool,
}

impl FusionArgs {
    /// The settings, `None` when fusion is off.
    pub fn config(&self) -> anyhow::Result<Option<panoptes::FusionConfig>> {
        if self.no_fusion {
            return Ok(None);
        }
        match &self.fusion {
            Some(path) => Ok(Some(panoptes::FusionConfig::load(path)?)),
            None => Ok(Some(panoptes::FusionConfig::default())),
        }
    }
}

/// Creates the folder a result file will be written to, before the long work that produces it,
/// so that a bad path fails at once instead of losing the result at the end.
pub fn prepare_output_file(path: &std::path::Path) -> anyhow::Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).with_context(|| {
            format!("cannot create {} for {}", parent.display(), path.display())
        })?;
    }
    Ok(())
}

/// `--stage-timeout SECONDS` as the watchdog's limit: 0 switches it off.
pub fn stage_timeout(seconds: f64) -> anyhow::Result<Option<std::time::Duration>> {
    anyhow::ensure!(
        seconds.is_finite() && seconds >= 0.0,
        "--stage-timeout {seconds}: give the seconds a stage may spend on one frame set (0: no limit)"
    );
    Ok((seconds > 0.0).then(|| std::time::Duration::from_secs_f64(seconds)))
}
