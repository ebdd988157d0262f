//! Inference workers of the concurrent pipeline: how many run side by side, and their engines.
//!
//! One engine with every core is the fastest for one frame set, but a small model's operators
//! do not keep several cores busy: on 2 cores, one panoptes-net engine with 2 threads does a
//! six-camera set in about 28 ms, one with 1 thread in about 43 ms. Two 1-thread engines working
//! on alternate frame sets get more frame sets through, and leave the gaps in which
//! pre-processing, decoding and writing run. Results still leave in order: frame sets are dealt
//! to the workers in turn and collected in the same turn.

use crate::error::Result;
use panoptes_runtime::{Engine, ExecutionTarget};

/// Inference workers when the caller does not choose: two when every engine runs on the CPU and
/// the machine has at least two cores, else one (a GPU runs one batch at a time anyway).
pub fn default_workers(engines: &[Engine]) -> usize {
    let cpu_only = engines
        .iter()
        .all(|engine| matches!(engine.target(), ExecutionTarget::Cpu(_)));
    if cpu_only && cores() >= 2 {
        2
    } else {
        1
    }
}

/// The engines of `workers` workers (outer: worker, inner: model). Worker 0 keeps `engines`
/// unless they must change; the others get twins on the same target. A CPU engine left to use
/// every core (no `--threads`) gets `cores / workers` threads instead, so that the workers share
/// the cores rather than fight over them.
pub fn engine_sets(engines: Vec<Engine>, workers: usize) -> Result<Vec<Vec<Engine>>> {
    let workers = workers.max(1);
    if workers == 1 {
        return Ok(vec![engines]);
    }
    let mut sets: Vec<Vec<Engine>> = (0..workers).map(|_| Vec::new()).collect();
    for engine in engines {
        let target = worker_target(engine.target(), workers);
        let first = if &target == engine.target() {
            engine
        } else {
            engine.twin(target.clone())?
        };
        for set in sets.iter_mut().skip(1) {
            set.push(first.twin(target.clone())?);
        }
        sets[0].push(first);
    }
    Ok(sets)
}

/// `target` for one of `workers` workers: a CPU target without a thread count gets its share of
/// the cores; anything else is kept.
pub fn worker_target(target: &ExecutionTarget, workers: usize) -> ExecutionTarget {
    match target {
        ExecutionTarget::Cpu(options) if options.intra_threads.is_none() && workers > 1 => {
            let mut options = options.clone();
            options.intra_threads = Some((cores() / workers).max(1));
            ExecutionTarget::Cpu(options)
        }
        other => other.clone(),
    }
}

/// Threads inside each operator of a CPU target (`None`: ONNX Runtime's default, or not a CPU).
pub(crate) fn cpu_threads(target: &ExecutionTarget) -> Option<usize> {
    match target {
        ExecutionTarget::Cpu(options) => options.intra_threads,
        _ => None,
    }
}

/// Cores this process may use (1 where that cannot be told).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use panoptes_runtime::CpuOptions;

    #[test]
    fn a_cpu_target_without_threads_gets_its_share_of_the_cores() {
        let target = ExecutionTarget::Cpu(CpuOptions::default());
        let ExecutionTarget::Cpu(options) = worker_target(&target, 2) else {
            panic!("a CPU target stays a CPU target");
        };
        assert_eq!(options.intra_threads, Some((cores() / 2).max(1)));
        assert_eq!(worker_target(&target, 1), target);
    }

    #[test]
    fn a_chosen_thread_count_is_kept() {
        let target = ExecutionTarget::Cpu(CpuOptions {
            intra_threads: Some(3),
            ..CpuOptions::default()
        });
        assert_eq!(worker_target(&target, 2), target);
    }
}
