//! Resident memory of this process, for soak reports (Linux `/proc/self/status`).

use serde::Serialize;

/// Resident set sizes in MiB, sampled during a run.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct MemoryReport {
    /// After the warm-up frame sets.
    pub after_warmup_mib: Option<f64>,
    /// At the end of the run.
    pub end_mib: Option<f64>,
    /// Highest resident size of the process so far (VmHWM).
    pub peak_mib: Option<f64>,
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
    fn resident_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let resident = super::resident_mib().unwrap_or(0.0);
            assert!(resident > 1.0, "{resident} MiB");
            assert!(super::peak_mib().unwrap_or(0.0) >= resident);
        }
    }
}
