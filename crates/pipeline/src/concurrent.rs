//! The concurrent replay: source → pre-processing → inference → decoding → sink, one thread per
//! stage, joined by bounded channels. While frame set t is in the model, t+1 is pre-processed and
//! t−1 decoded. Each stage is single-threaded and FIFO, so results leave in order and equal the
//! sequential path's (the same stage functions run on the same inputs).

use crate::error::Result;
use crate::model::LoadedModel;
use crate::replay::{model_reports, Progress, ReplayOptions, RunLedger};
use crate::report::Report;
use crate::sink::OutputDirectory;
use crate::source::FrameSource;
use crate::stages::{self, Decoded};
use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use ndarray::Array4;
use panoptes_drive::{Drive, FrameSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the source releases frame sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// As fast as the pipeline takes them; back-pressure blocks the source; nothing is dropped.
    Offline,
    /// Each frame set is released when its timestamp comes due (time divided by `speed`); when
    /// the pipeline falls behind, the oldest waiting frame set is dropped and counted.
    RealTime {
        /// 1.0 = recorded speed, 2.0 = twice as fast.
        speed: f64,
    },
}

/// Why a frame set was dropped (report key).
pub const DROP_BEHIND: &str = "model behind: oldest waiting frame set dropped";

/// A frame set that failed in a stage, to be written with every camera marked.
pub type Failed = Box<(FrameSet, String)>;

/// Replays with overlapping stages. Offline results are identical to [`crate::replay_sequential`].
pub fn replay_concurrent(
    drive: &Drive,
    models: Vec<LoadedModel>,
    options: &ReplayOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report> {
    let mut reports = model_reports(&models);
    let (preprocessors, engines, decoders, names) = stages::split(models);
    let fusion = stages::start_fusion(drive.rig(), &decoders, options.fusion.as_ref())?;
    let workers = options
        .inference_workers
        .unwrap_or_else(|| crate::workers::default_workers(&engines));
    let engine_sets = crate::workers::engine_sets(engines, workers)?;
    crate::replay::note_workers(&mut reports, &engine_sets);
    let mut output = OutputDirectory::create(&options.out)?;
    let source = FrameSource::new(drive, options.limit, options.repeat);
    let total = source.total();
    let depth = options.queue.max(1);
    let mut ledger = RunLedger::new(drive, options);
    let (source_tx, source_rx) = bounded::<(FrameSet, Instant)>(depth);
    let (drop_tx, drop_rx) = crossbeam_channel::unbounded::<usize>();
    let stop = &options.stop;
    let pacing = options.pacing;
    let drain = source_rx.clone();
    let Stages {
        results: decoded_rx,
        threads,
        health,
    } = spawn_stages(
        source_rx,
        preprocessors,
        engine_sets,
        decoders,
        names,
        fusion,
        StageDepth { handoff: 1 },
    );
    let outcome = std::thread::scope(|scope| -> Result<bool> {
        scope.spawn(move || feed(source, pacing, stop, &source_tx, &drain, &drop_tx));
        let result = sink(
            &decoded_rx,
            &drop_rx,
            &mut output,
            &mut ledger,
            total,
            progress,
        );
        if result.is_err() {
            // Stop the source; the stages end as their channels close.
            stop.store(true, Ordering::Relaxed);
        }
        result
    });
    drop(decoded_rx);
    for thread in threads {
        // Panics are caught inside the threads and recorded in `health`.
        let _ = thread.join();
    }
    let written_all = outcome?;
    if let Some((stage, message)) = health.failure() {
        return Err(crate::error::PipelineError::StageFailed { stage, message });
    }
    for _ in drop_rx.try_iter() {
        *ledger.drops.entry(DROP_BEHIND.to_string()).or_default() += 1;
    }
    let mode = match pacing {
        Pacing::Offline => "offline".to_string(),
        Pacing::RealTime { speed } => format!("realtime x{speed}"),
    };
    let interrupted = !written_all && stop.load(Ordering::Relaxed);
    let report = ledger.report(drive, &reports, &mode, interrupted);
    output.finish(&report)?;
    Ok(report)
}

/// A frame set's results, or the frame set and why its models failed.
pub type StageResult = std::result::Result<Decoded, Failed>;

/// Which stage thread died, and of what: the first panic recorded by any stage.
#[derive(Debug, Clone, Default)]
pub struct StageHealth(Arc<Mutex<Option<(String, String)>>>);

impl StageHealth {
    /// The stage that panicked and its panic message, when one did.
    pub fn failure(&self) -> Option<(String, String)> {
        self.0.lock().map_or(None, |failure| failure.clone())
    }

    fn record(&self, stage: &str, message: String) {
        if let Ok(mut failure) = self.0.lock() {
            failure.get_or_insert((stage.to_owned(), message));
        }
    }

    /// Runs a stage's loop, recording a panic instead of losing it.
    pub(crate) fn guard(&self, stage: &str, body: impl FnOnce()) {
        if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
            let message = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            self.record(stage, message);
        }
    }
}

/// Frame sets that may wait between pre-processing and inference.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StageDepth {
    /// 1 keeps the model fed without a gap (throughput); 0 hands each set over as the model
    /// takes it, so that a set waits for the model only at the queue where the oldest is
    /// dropped (latency, in real time).
    pub handoff: usize,
}

/// The running stages: results in input order, the threads, and whether one has died.
pub(crate) struct Stages {
    pub results: Receiver<StageResult>,
    pub threads: Vec<std::thread::JoinHandle<()>>,
    pub health: StageHealth,
}

/// Starts the pre-processing, inference and decoding threads, fed by `input`; results come out
/// of the returned channel in input order. The threads end when `input` closes (after finishing
/// what is in flight) or when the result receiver is dropped; a stage that panics is recorded
/// in [`StageHealth`] and its neighbours end as their channels close.
pub(crate) fn spawn_stages(
    input: Receiver<(FrameSet, Instant)>,
    mut preprocessors: Vec<panoptes_preprocess::Preprocessor>,
    engine_sets: Vec<Vec<panoptes_runtime::Engine>>,
    mut decoders: Vec<panoptes_heads::Decoder>,
    names: Vec<String>,
    mut fusion: Option<panoptes_fusion::Fusion>,
    depth: StageDepth,
) -> Stages {
    let health = StageHealth::default();
    let mut threads = Vec::new();
    let mut to_workers = Vec::new();
    let mut from_workers = Vec::new();
    // Input batches go back from the workers to the pre-processing thread, to be filled again
    // instead of a new batch being allocated and copied for every frame set.
    let (spare_tx, spare_rx) = bounded::<Vec<Array4<f32>>>(engine_sets.len() + 1);
    for (worker, mut engines) in engine_sets.into_iter().enumerate() {
        let (prepared_tx, prepared_rx) = bounded::<stages::Prepared>(depth.handoff);
        let (inferred_tx, inferred_rx) =
            bounded::<std::result::Result<stages::Inferred, Failed>>(1);
        let spare_tx = spare_tx.clone();
        let guard = health.clone();
        threads.push(std::thread::spawn(move || {
            guard.guard(&format!("inference worker {worker}"), || {
                for prepared in prepared_rx {
                    let frame_set = prepared.frame_set.clone();
                    let inferred = stages::infer(prepared, &mut engines)
                        .map(|mut inferred| {
                            // A full channel means enough spares wait already.
                            let _ = spare_tx.try_send(std::mem::take(&mut inferred.spent));
                            inferred
                        })
                        .map_err(|error| Box::new((frame_set, error.to_string())));
                    if inferred_tx.send(inferred).is_err() {
                        break;
                    }
                }
            });
        }));
        to_workers.push(prepared_tx);
        from_workers.push(inferred_rx);
    }
    let workers = to_workers.len();
    let (decoded_tx, decoded_rx) = bounded::<StageResult>(2);
    // Frame sets are dealt to the workers in turn and collected in the same turn: in order.
    let guard = health.clone();
    threads.push(std::thread::spawn(move || {
        guard.guard("pre-processing", || {
            for ((frame_set, entered), worker) in input.into_iter().zip((0..workers).cycle()) {
                let spares = spare_rx.try_recv().unwrap_or_default();
                let prepared = stages::prepare(frame_set, &mut preprocessors, spares, entered);
                if to_workers[worker].send(prepared).is_err() {
                    break;
                }
            }
        });
    }));
    let guard = health.clone();
    threads.push(std::thread::spawn(move || {
        guard.guard("decoding", || {
            for worker in (0..workers).cycle() {
                let Ok(inferred) = from_workers[worker].recv() else {
                    break;
                };
                let decoded = inferred.and_then(|inferred| {
                    let frame_set = inferred.frame_set.clone();
                    stages::decode(inferred, &mut decoders, &names)
                        .map(|mut decoded| {
                            stages::fuse_if(&mut decoded, fusion.as_mut());
                            decoded
                        })
                        .map_err(|error| Box::new((frame_set, error.to_string())))
                });
                if decoded_tx.send(decoded).is_err() {
                    break;
                }
            }
        });
    }));
    Stages {
        results: decoded_rx,
        threads,
        health,
    }
}

/// Writes results as they come, in order. Returns whether the source ran to its end.
fn sink(
    decoded: &Receiver<std::result::Result<Decoded, Failed>>,
    drops: &Receiver<usize>,
    output: &mut OutputDirectory,
    ledger: &mut RunLedger,
    total: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<bool> {
    for result in decoded {
        match result {
            Ok(decoded) => ledger.write(output, decoded)?,
            Err(failed) => {
                let (frame_set, message) = *failed;
                ledger.write_failed(output, &frame_set, message)?;
            }
        }
        for _ in drops.try_iter() {
            *ledger.drops.entry(DROP_BEHIND.to_string()).or_default() += 1;
        }
        let dropped: usize = ledger.drops.values().sum();
        progress(Progress {
            done: ledger.written + dropped,
            total,
        });
    }
    let dropped: usize = ledger.drops.values().sum::<usize>() + drops.len();
    Ok(ledger.written + dropped >= total)
}

/// The source thread: releases frame sets (paced in real time), never blocking in real time.
fn feed(
    source: FrameSource<'_>,
    pacing: Pacing,
    stop: &AtomicBool,
    queue: &Sender<(FrameSet, Instant)>,
    drain: &Receiver<(FrameSet, Instant)>,
    drops: &Sender<usize>,
) {
    let start = Instant::now();
    let mut first_timestamp = None;
    for frame_set in source {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        match pacing {
            Pacing::Offline => {
                if queue.send((frame_set, Instant::now())).is_err() {
                    return;
                }
            }
            Pacing::RealTime { speed } => {
                let first = *first_timestamp.get_or_insert(frame_set.timestamp_us);
                let offset_us =
                    frame_set.timestamp_us.saturating_sub(first) as f64 / speed.max(1e-6);
                let due = start + Duration::from_micros(offset_us as u64);
                if !sleep_until(due, stop) {
                    return;
                }
                let mut item = (frame_set, due);
                loop {
                    match queue.try_send(item) {
                        Ok(()) => break,
                        Err(TrySendError::Full(back)) => {
                            item = back;
                            if let Ok((oldest, _)) = drain.try_recv() {
                                let _ = drops.send(oldest.index);
                            }
                        }
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                }
            }
        }
    }
}

/// Sleeps until `due` in short steps so that a stop request is seen; false when stopped.
fn sleep_until(due: Instant, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        std::thread::sleep((due - now).min(Duration::from_millis(20)));
    }
}
