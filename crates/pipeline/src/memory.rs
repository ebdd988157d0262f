//! Resident memory of this process, for soak reports (Linux `/proc/self/status`).

use serde::Serialize;

/// Resident set sizes in MiB, sampled during a run.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct MemoryReport {
    /// After the warm-up frame sets.
    pub after_warmup_mib: Option<f64>,
    /// Lowest and highest of the samples taken after each frame set written from the warm-up on,
    /// while the pipeline runs (how far memory swings with the frame sets in flight and the
    /// allocator's caches).
    pub steady_min_mib: Option<f64>,
    /// See `steady_min_mib`.
    pub steady_max_mib: Option<f64>,
    /// Median of those samples over the first quarter of the run after the warm-up, and over the
    /// last quarter: a leak shows as the second above the first.
    pub first_quarter_median_mib: Option<f64>,
    /// See `first_quarter_median_mib`.
    pub last_quarter_median_mib: Option<f64>,
    /// When the last frame set was written, before the pipeline's threads and engines are gone.
    pub last_frame_mib: Option<f64>,
    /// At the end of the run (after the pipeline is torn down: engines freed).
    pub end_mib: Option<f64>,
    /// Highest resident size of the process so far (VmHWM).
    pub peak_mib: Option<f64>,
}

impl MemoryReport {
    /// This report with the figures of `samples` (resident MiB in run order) filled in.
    pub fn with_samples(self, samples: &[f64]) -> Self {
        let quarter = samples.len() / 4;
        Self {
            steady_min_mib: samples.iter().copied().reduce(f64::min),
            steady_max_mib: samples.iter().copied().reduce(f64::max),
            first_quarter_median_mib: median(&samples[..quarter]),
            last_quarter_median_mib: median(&samples[samples.len() - quarter..]),
            last_frame_mib: samples.last().copied(),
            ..self
        }
    }
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}

/// The current resident set size, MiB (None where /proc is unavailable).
pub fn resident_mib() -> Option<f64> {
    status_field("VmRSS:")
}

/// The peak resident set size, MiB.
pub fn peak_mib() -> Option<f64> {
    status_field("VmHWM:")
}

fn status_field(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(key))?;
    let kibibytes: f64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kibibytes / 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn samples_give_range_and_quarter_medians() {
        let samples: Vec<f64> = (0..100).map(f64::from).collect();
        let report = super::MemoryReport::default().with_samples(&samples);
        assert_eq!(report.steady_min_mib, Some(0.0));
        assert_eq!(report.steady_max_mib, Some(99.0));
        assert_eq!(report.first_quarter_median_mib, Some(12.0));
        assert_eq!(report.last_quarter_median_mib, Some(87.0));
        assert_eq!(report.last_frame_mib, Some(99.0));
        let none = super::MemoryReport::default().with_samples(&[]);
        assert_eq!(none.first_quarter_median_mib, None);
        assert_eq!(none.steady_max_mib, None);
    }

    #[test]
    fn resident_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let resident = super::resident_mib().unwrap_or(0.0);
            assert!(resident > 1.0, "{resident} MiB");
            assert!(super::peak_mib().unwrap_or(0.0) >= resident);
        }
    }
}
