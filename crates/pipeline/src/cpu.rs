//! CPU time of this process, for the CPU cost figures of reports and benchmarks.
//!
//! Throughput alone does not say whether a run was short of cores: CPU seconds per frame set and
//! cores busy (CPU seconds over wall seconds) do. When every core is busy, overlapping stages
//! cannot make a run faster; only less work per frame set can.

use std::time::Instant;

/// User plus system CPU seconds of every thread of this process so far (None where unavailable).
pub fn process_cpu_seconds() -> Option<f64> {
    #[cfg(unix)]
    {
        use nix::sys::resource::{getrusage, UsageWho};
        use nix::sys::time::TimeValLike;
        let usage = getrusage(UsageWho::RUSAGE_SELF).ok()?;
        let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
        Some(micros as f64 / 1e6)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A stretch of time measured in wall and CPU seconds.
#[derive(Debug, Clone, Copy)]
pub struct CpuClock {
    wall: Instant,
    cpu: Option<f64>,
}

/// The CPU cost of a stretch of work.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct CpuCost {
    /// CPU milliseconds of the whole process per frame set.
    pub cpu_ms_per_frame_set: f64,
    /// CPU seconds over wall seconds: how many cores were busy on average.
    pub cores_busy: f64,
}

impl CpuClock {
    /// Starts measuring now.
    pub fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: process_cpu_seconds(),
        }
    }

    /// The cost from the start until now, for `frame_sets` frame sets (None when CPU time is
    /// unavailable or nothing was done).
    pub fn cost(&self, frame_sets: usize) -> Option<CpuCost> {
        let cpu = process_cpu_seconds()? - self.cpu?;
        CpuCost::of(cpu, self.wall.elapsed().as_secs_f64(), frame_sets)
    }
}

impl CpuCost {
    /// `cpu_seconds` spent in `wall_seconds` on `frame_sets` frame sets (None when nothing was
    /// done).
    pub fn of(cpu_seconds: f64, wall_seconds: f64, frame_sets: usize) -> Option<Self> {
        (frame_sets > 0 && wall_seconds > 0.0).then(|| Self {
            cpu_ms_per_frame_set: 1e3 * cpu_seconds / frame_sets as f64,
            cores_busy: cpu_seconds / wall_seconds,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn busy_work_costs_cpu_time() {
        if !cfg!(unix) {
            return;
        }
        let clock = CpuClock::start();
        let mut sum = 0u64;
        let started = Instant::now();
        while started.elapsed().as_millis() < 60 {
            sum = sum.wrapping_add(std::hint::black_box(sum) ^ 0x9e37_79b9);
        }
        std::hint::black_box(sum);
        let busy = clock.cost(1).unwrap();
        // 60 ms of spinning; a loaded machine may take some of it away from this thread.
        assert!(busy.cpu_ms_per_frame_set >= 20.0, "{busy:?}");
        assert!(busy.cores_busy > 0.3, "{busy:?}");
        assert_eq!(clock.cost(0), None);
    }
}
