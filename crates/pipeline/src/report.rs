//! `report.json`: what a replay did, and how long each stage took.

use crate::record::StageTimes;
use serde::Serialize;
use std::collections::BTreeMap;

/// Latency summary of one stage, milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// How many samples these rest on (a p99 of 20 samples is their maximum).
    pub samples: usize,
}

impl Latency {
    /// Nearest-rank percentiles of `samples` (any order).
    pub fn of(samples: &[f64]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |quantile: f64| {
            let position = (quantile * sorted.len() as f64).ceil() as usize;
            sorted[position.clamp(1, sorted.len()) - 1]
        };
        Self {
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: sorted[sorted.len() - 1],
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
            samples: sorted.len(),
        }
    }
}

/// Per-stage timing samples collected during a run.
#[derive(Debug, Clone, Default)]
pub struct StageSamples {
    samples: BTreeMap<&'static str, Vec<f64>>,
}

impl StageSamples {
    /// Adds one frame set's times.
    pub fn add(&mut self, times: &StageTimes) {
        for (stage, value) in times.stages() {
            self.samples.entry(stage).or_default().push(value);
        }
    }

    /// Adds one sample to a named series (e.g. capture-to-result latency).
    pub fn add_named(&mut self, name: &'static str, value: f64) {
        self.samples.entry(name).or_default().push(value);
    }

    /// Percentiles per stage.
    pub fn summarize(&self) -> BTreeMap<String, Latency> {
        self.samples
            .iter()
            .map(|(stage, values)| ((*stage).to_string(), Latency::of(values)))
            .collect()
    }
}

/// One model as it ran.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ModelReport {
    /// Model name from its manifest.
    pub name: String,
    /// The manifest file.
    pub manifest: String,
    /// The weights file.
    pub weights: String,
    /// The execution provider actually used, e.g. `cpu`, `cuda:0`.
    pub provider: String,
    /// Engines of this model running side by side (inference workers).
    pub workers: usize,
    /// Threads inside each operator of each CPU engine; `null`: ONNX Runtime's default (every
    /// core) or not a CPU engine.
    pub cpu_threads: Option<usize>,
}

/// A per-frame problem that was survived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameProblem {
    /// Frame-set index.
    pub frame: usize,
    /// Camera, when the problem is one camera's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// What went wrong.
    pub message: String,
}

/// The whole `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The drive replayed.
    pub drive: String,
    /// `offline` (blocking, nothing dropped) or `realtime`.
    pub mode: String,
    /// Frame sets whose results were written.
    pub frame_sets: usize,
    /// Frame sets dropped (real-time mode), by reason.
    pub drops: BTreeMap<String, usize>,
    /// Number of per-frame problems survived (missing or unreadable cameras, failed runs).
    pub errors: usize,
    /// The first problems, for a look (all are counted in `errors`).
    pub problems: Vec<FrameProblem>,
    /// The execution provider of the first model (all are listed in `models`).
    pub provider: String,
    /// Every model.
    pub models: Vec<ModelReport>,
    /// Latency per stage, ms.
    pub latency_ms: BTreeMap<String, Latency>,
    /// Wall-clock seconds of the whole run (model loading excluded).
    pub wall_seconds: f64,
    /// Frame sets per second over the run.
    pub frame_sets_per_second: f64,
    /// CPU time of the whole process per frame set written, and cores busy on average (absent
    /// where the platform does not say).
    pub cpu: Option<crate::cpu::CpuCost>,
    /// Whether the run was interrupted (Ctrl-C) before the end of the drive.
    pub interrupted: bool,
    /// Faults met, by kind: each camera, frame set or run that met one (see `errors` and
    /// `problems` for what each said).
    pub faults: BTreeMap<crate::fault::FaultKind, usize>,
    /// Where every frame set went.
    pub accounting: Accounting,
    /// Why the run stopped before the end of its input (a sink that failed, a stage that
    /// died or got stuck), when it did; what was produced before is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
    /// Resident memory during the run.
    pub memory: crate::memory::MemoryReport,
    /// When each stage worked on each of the first frame sets (for plots; not in the JSON).
    #[serde(skip)]
    pub timeline: Vec<crate::timeline::StageSpan>,
}

/// Where every frame set offered to a run went: `offered = results + failed + dropped +
/// unprocessed`, always; `unprocessed` is 0 unless the run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Accounting {
    /// Frame sets the source had to give.
    pub offered: usize,
    /// Written with results (some cameras may have faults; see `faults`).
    pub results: usize,
    /// Written with every camera marked, because their models failed.
    pub failed: usize,
    /// Dropped in real time because the models were behind.
    pub dropped: usize,
    /// Never processed: the run stopped (interrupted, or an error) before them.
    pub unprocessed: usize,
}

/// Why a run stopped before the end of its input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stopped {
    /// What stopped it.
    pub fault: crate::fault::FaultKind,
    /// The stage (`sink`, `pre-processing`, `inference worker 0`, `decoding`, ...).
    pub stage: String,
    /// The frame set it was on, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<usize>,
    /// The error, as the run ended with it.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let latency = Latency::of(&samples);
        assert_eq!(latency.p50, 50.0);
        assert_eq!(latency.p90, 90.0);
        assert_eq!(latency.p99, 99.0);
        assert_eq!(latency.max, 100.0);
        assert!((latency.mean - 50.5).abs() < 1e-12);
        assert_eq!(latency.samples, 100);
        assert_eq!(Latency::of(&[7.0]).p99, 7.0);
        assert_eq!(Latency::of(&[]), Latency::default());
    }
}
