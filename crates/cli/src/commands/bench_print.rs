//! `panoptes bench`'s tables: cold start, stages, inference alone, comparisons.

use super::bench::ColdStart;
use panoptes_pipeline::{Comparison, CpuCost, Skipped, StageBenchmark, WorkerBenchmark};

/// Everything the bench measured, for printing.
pub(super) struct Summary<'a> {
    pub cameras: usize,
    pub cold: &'a ColdStart,
    pub stages: &'a [StageBenchmark],
    pub parallel: &'a [WorkerBenchmark],
    pub comparisons: &'a [Comparison],
    pub skipped: &'a [Skipped],
}

/// "1.82× (1.75–1.90 over 6 rounds)": B's time over A's.
pub(super) fn ratio(comparison: &Comparison) -> String {
    let spread = &comparison.ratio;
    format!(
        "{:.2}× ({:.2}–{:.2} over {} rounds)",
        spread.median, spread.min, spread.max, spread.rounds
    )
}

/// The median of a side's per-round figures.
fn median(values: &[f64]) -> f64 {
    panoptes::Latency::of(values).p50
}

impl Summary<'_> {
    /// Frame sets per second of all models' inference back to back, one engine each.
    pub fn inference_alone(&self) -> f64 {
        // All models run back to back on each frame set: their inference times add up.
        1e3 / self
            .stages
            .iter()
            .map(|stage| stage.inference_ms.mean)
            .sum::<f64>()
            .max(1e-9)
    }

    /// Frame sets per second of the workers side by side, models back to back in each.
    pub fn workers_alone(&self) -> f64 {
        1.0 / self
            .parallel
            .iter()
            .map(|bench| 1.0 / bench.frame_sets_per_second.max(1e-9))
            .sum::<f64>()
            .max(1e-9)
    }

    #[allow(clippy::print_stdout)]
    pub fn print(&self) {
        let sessions: Vec<String> = self
            .cold
            .session_ms
            .iter()
            .zip(self.stages)
            .map(|((model, session), stage)| {
                format!(
                    "{model}: session {session:.0} ms, first run {:.0} ms (steady p50 {:.1})",
                    stage.first_inference_ms, stage.inference_ms.p50
                )
            })
            .collect();
        println!(
            "cold start: ONNX Runtime {:.0} ms; {}",
            self.cold.library_ms,
            sessions.join("; ")
        );
        self.print_stages();
        self.print_alone();
        if !self.comparisons.is_empty() {
            println!("comparisons (B's time over A's per round: above 1, A is faster):");
        }
        for comparison in self.comparisons {
            println!(
                "  {:<32} {:>34}  A: {} ({:.1} ms/set)  B: {} ({:.1} ms/set)",
                comparison.name,
                ratio(comparison),
                comparison.a,
                median(&comparison.a_ms),
                comparison.b,
                median(&comparison.b_ms),
            );
        }
        for skip in self.skipped {
            println!("  {:<32} skipped: {}", skip.name, skip.why);
        }
        self.print_replay();
    }

    #[allow(clippy::print_stdout)]
    fn print_stages(&self) {
        println!(
            "{:<16} {:>9} {:>22} {:>22} {:>22} {:>22} {:>22}",
            "model",
            "provider",
            "preprocess ms p50/p99",
            "inference ms p50/p99",
            "decode ms p50/p99",
            "fusion ms p50/p99",
            "BEV PNG ms p50/p99"
        );
        let optional = |latency: &Option<panoptes::Latency>| {
            latency.as_ref().map_or("off".to_string(), |latency| {
                format!("{:.2} / {:.2}", latency.p50, latency.p99)
            })
        };
        let pair = |latency: &panoptes::Latency| format!("{:.1} / {:.1}", latency.p50, latency.p99);
        for stage in self.stages {
            println!(
                "{:<16} {:>9} {:>22} {:>22} {:>22} {:>22} {:>22}",
                stage.model,
                stage.provider,
                pair(&stage.preprocess_ms),
                pair(&stage.inference_ms),
                pair(&stage.decode_ms),
                optional(&stage.fusion_ms),
                optional(&stage.bev_png_ms),
            );
        }
        if let Some(stage) = self.stages.first() {
            println!(
                "(percentiles of {} runs per stage; a p99 of fewer than 100 is near their maximum)",
                stage.inference_ms.samples
            );
        }
    }

    #[allow(clippy::print_stdout)]
    fn print_alone(&self) {
        let workers = self.parallel.first().map_or(1, |bench| bench.workers);
        let threads = match self.parallel.first().and_then(|bench| bench.cpu_threads) {
            Some(1) => "1 thread".to_string(),
            Some(threads) => format!("{threads} threads"),
            None => "default threads".to_string(),
        };
        let single_cpu = total_cpu(self.stages.iter().map(|stage| stage.inference_cpu));
        let workers_cpu = total_cpu(self.parallel.iter().map(|bench| bench.cpu));
        println!(
            "inference alone, one engine: {:.2} frame sets/s ({} cameras per set){}",
            self.inference_alone(),
            self.cameras,
            cpu_text(single_cpu)
        );
        let engines = if workers == 1 {
            "engine"
        } else {
            "engines side by side"
        };
        println!(
            "inference alone, {workers} {engines} ({threads} each): {:.2} frame sets/s{}",
            self.workers_alone(),
            cpu_text(workers_cpu)
        );
    }

    /// The overlap comparison as throughput against the better inference alone.
    #[allow(clippy::print_stdout)]
    fn print_replay(&self) {
        let Some(overlap) = self
            .comparisons
            .iter()
            .find(|comparison| comparison.name.starts_with("overlapped"))
        else {
            return;
        };
        let best = self.inference_alone().max(self.workers_alone());
        for (mode, side) in [("overlapped", &overlap.a_ms), ("sequential", &overlap.b_ms)] {
            let throughput = 1e3 / median(side).max(1e-9);
            println!(
                "replay {mode:<10}: {throughput:.2} frame sets/s (median of {} rounds) = {:.0}% of the better inference alone",
                side.len(),
                100.0 * throughput / best
            );
        }
    }
}

/// CPU cost of all models back to back: their CPU times per frame set add up.
fn total_cpu(costs: impl Iterator<Item = Option<CpuCost>>) -> Option<CpuCost> {
    let mut costs = costs.peekable();
    costs.peek()?;
    costs.try_fold(CpuCost::default(), |sum, cost| {
        cost.map(|cost| CpuCost {
            cpu_ms_per_frame_set: sum.cpu_ms_per_frame_set + cost.cpu_ms_per_frame_set,
            cores_busy: sum.cores_busy.max(cost.cores_busy),
        })
    })
}

/// ", N CPU-ms per frame set, B of C cores busy", or nothing where CPU time is unknown.
fn cpu_text(cost: Option<CpuCost>) -> String {
    cost.map_or_else(String::new, |cost| {
        format!(
            ", {:.0} CPU-ms per frame set, {:.1} of {} cores busy",
            cost.cpu_ms_per_frame_set,
            cost.cores_busy,
            panoptes_pipeline::cores()
        )
    })
}
