//! The concurrent replay: source → pre-processing → inference → decoding → sink, one thread per
//! stage, joined by bounded channels. While frame set t is in the model, t+1 is pre-processed and
//! t−1 decoded. Each stage is single-threaded and FIFO, so results leave in order and equal the
//! sequential path's (the same stage functions run on the same inputs).

use crate::error::{PipelineError, Result};
use crate::fault::{Fault, FaultInjector, FaultKind, InjectionPoint};
use crate::model::LoadedModel;
use crate::replay::{
    conclude, failure_fault, model_reports, Ending, Progress, ReplayOptions, RunLedger,
};
use crate::report::Report;
use crate::sink::OutputDirectory;
use crate::source::FrameSource;
use crate::stages::{self, Decoded};
use crossbeam_channel::{
    bounded, Receiver, RecvTimeoutError, SendTimeoutError, Sender, TrySendError,
};
use ndarray::Array4;
use panoptes_drive::{Drive, FrameSet};
use std::collections::BTreeMap;
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

/// Replays with overlapping stages. Offline results are identical to [`crate::replay_sequential`].
///
/// A frame set on which a stage panics is written as failed and the replay goes on; a sink
/// that fails, a stage thread that dies or a stage stuck past [`ReplayOptions::stage_timeout`]
/// stops the replay: what was produced is flushed, `report.json` says why, and the error names
/// the stage and the frame set.
pub fn replay_concurrent(
    drive: &Drive,
    models: Vec<LoadedModel>,
    options: &ReplayOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report> {
    let mut reports = model_reports(&models);
    let (mut preprocessors, engines, decoders, names) = stages::split(models);
    stages::expect_rig(&mut preprocessors, drive.rig());
    let fusion = stages::start_fusion(drive.rig(), &decoders, options.fusion.as_ref())?;
    let workers = options
        .inference_workers
        .unwrap_or_else(|| crate::workers::default_workers(&engines));
    let engine_sets = crate::workers::engine_sets(engines, workers)?;
    crate::replay::note_workers(&mut reports, &engine_sets);
    let mut output = OutputDirectory::create(&options.out)?;
    let source = FrameSource::new(drive, options.limit, options.repeat);
    let depth = options.queue.max(1);
    let mut ledger = RunLedger::new(drive, options);
    let (source_tx, source_rx) = bounded::<(FrameSet, Instant)>(depth);
    let (drop_tx, drop_rx) = crossbeam_channel::unbounded::<usize>();
    let stop = &options.stop;
    // Set when the sink is done, for whatever reason: the source then stops too.
    let finished = AtomicBool::new(false);
    let pacing = options.pacing;
    let drain = source_rx.clone();
    let Stages {
        results: decoded_rx,
        threads,
        health,
    } = spawn_stages(
        source_rx,
        StageParts {
            preprocessors,
            engine_sets,
            decoders,
            names,
            fusion,
        },
        StageDepth { handoff: 1 },
        options.faults.clone(),
        ledger.timeline.clone(),
    );
    let outcome = std::thread::scope(|scope| -> Result<bool> {
        // The feeder owns the queue's sending end: the stages see it close when it ends.
        let feeding = Feeding {
            stop,
            finished: &finished,
            queue: source_tx,
            drain,
            drops: drop_tx,
        };
        scope.spawn(move || feed(source, pacing, &feeding));
        let mut sink = Sink {
            decoded: &decoded_rx,
            drops: &drop_rx,
            output: &mut output,
            ledger: &mut ledger,
            health: &health,
            stage_timeout: options.stage_timeout,
            faults: options.faults.clone(),
        };
        let result = sink.run(progress);
        finished.store(true, Ordering::Relaxed);
        result
    });
    drop(decoded_rx);
    if !matches!(outcome, Err(PipelineError::StageStuck { .. })) {
        for thread in threads {
            // Panics are caught inside the threads and recorded in `health`.
            let _ = thread.join();
        }
    }
    // A stuck stage's thread is left to itself: joining it could wait for ever.
    let outcome = outcome.and_then(|written_all| match health.failure() {
        Some((stage, message)) => Err(PipelineError::StageFailed { stage, message }),
        None => Ok(written_all),
    });
    for _ in drop_rx.try_iter() {
        *ledger.drops.entry(DROP_BEHIND.to_string()).or_default() += 1;
    }
    let mode = match pacing {
        Pacing::Offline => "offline".to_string(),
        Pacing::RealTime { speed } => format!("realtime x{speed}"),
    };
    let interrupted = matches!(outcome, Ok(false)) && stop.load(Ordering::Relaxed);
    let ending = Ending {
        drive,
        models: &reports,
        mode: &mode,
        interrupted,
        outcome: outcome.map(|_| ()),
    };
    conclude(&mut output, &ledger, ending)
}

/// A frame set that failed in a stage, and how.
#[derive(Debug)]
pub struct FrameFailure {
    /// The frame set, to be written with every camera marked.
    pub frame_set: FrameSet,
    /// What failed.
    pub fault: Fault,
}

/// A frame set that failed in a stage (boxed: results are passed along channels).
pub type Failed = Box<FrameFailure>;

/// A frame set's results, or the frame set and why its models failed.
pub type StageResult = std::result::Result<Decoded, Failed>;

/// What the stage threads share: the first stage that died and why, and which frame set each
/// stage is busy with since when (for the watchdog).
#[derive(Debug, Clone)]
pub struct StageHealth(Arc<HealthState>);

#[derive(Debug)]
struct HealthState {
    failure: Mutex<Option<(String, String)>>,
    busy: Mutex<BTreeMap<String, (usize, Instant)>>,
    /// A stage was given up as stuck: its thread may never end.
    stuck: AtomicBool,
    /// Where each finished claim is recorded.
    timeline: crate::timeline::Timeline,
}

/// A stage's claim to be busy with a frame set; dropping it (also by a panic) ends the claim.
pub(crate) struct Busy<'a> {
    health: &'a StageHealth,
    stage: &'a str,
    frame: usize,
    since: Instant,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.health.0.busy.lock() {
            busy.remove(self.stage);
        }
        self.health
            .0
            .timeline
            .record(self.stage, self.frame, self.since);
    }
}

impl StageHealth {
    /// Health whose stages' claims are recorded in `timeline`.
    pub(crate) fn recording(timeline: crate::timeline::Timeline) -> Self {
        Self(Arc::new(HealthState {
            failure: Mutex::default(),
            busy: Mutex::default(),
            stuck: AtomicBool::new(false),
            timeline,
        }))
    }

    /// The stage that died and why (its panic message, or how long it was stuck), when one did.
    pub fn failure(&self) -> Option<(String, String)> {
        self.0
            .failure
            .lock()
            .map_or(None, |failure| failure.clone())
    }

    /// Records `stage`'s death, unless an earlier one is recorded.
    pub(crate) fn record(&self, stage: &str, message: String) {
        if let Ok(mut failure) = self.0.failure.lock() {
            failure.get_or_insert((stage.to_owned(), message));
        }
    }

    /// Runs a stage's loop, recording a panic instead of losing it.
    pub(crate) fn guard(&self, stage: &str, body: impl FnOnce()) {
        if let Err(message) = crate::fault::catch(body) {
            self.record(stage, message);
        }
    }

    /// Marks `stage` busy with frame set `frame` until the claim is dropped.
    pub(crate) fn busy<'a>(&'a self, stage: &'a str, frame: usize) -> Busy<'a> {
        let since = Instant::now();
        if let Ok(mut busy) = self.0.busy.lock() {
            busy.insert(stage.to_owned(), (frame, since));
        }
        Busy {
            health: self,
            stage,
            frame,
            since,
        }
    }

    /// The stage that has been busy with one frame set for longer than `timeout`, if any
    /// (the longest busy first): its name, the frame set, and for how long.
    pub fn stuck(&self, timeout: Duration) -> Option<(String, usize, Duration)> {
        let busy = self.0.busy.lock().ok()?;
        busy.iter()
            .map(|(stage, (frame, since))| (stage.clone(), *frame, since.elapsed()))
            .filter(|(_, _, elapsed)| *elapsed > timeout)
            .max_by_key(|(_, _, elapsed)| *elapsed)
    }

    /// Whether a stage was given up as stuck ([`Self::give_up_on_stuck`]).
    pub fn is_stuck(&self) -> bool {
        self.0.stuck.load(Ordering::Relaxed)
    }

    /// Records a stage stuck for longer than `timeout` as the stage that died (the pipeline
    /// stops as if it had), once.
    pub(crate) fn give_up_on_stuck(&self, timeout: Duration) {
        if self.is_stuck() {
            return;
        }
        if let Some((stage, frame, elapsed)) = self.stuck(timeout) {
            let message = format!(
                "stuck on frame set {frame} for {:.1} s, longer than the stage timeout of {:.1} s",
                elapsed.as_secs_f64(),
                timeout.as_secs_f64()
            );
            self.record(&stage, message);
            self.0.stuck.store(true, Ordering::Relaxed);
        }
    }

    /// [`Self::stuck`] as the error that stops a pipeline.
    pub(crate) fn stuck_error(&self, timeout: Option<Duration>) -> Option<PipelineError> {
        let timeout = timeout?;
        let (stage, frame, elapsed) = self.stuck(timeout)?;
        Some(PipelineError::StageStuck {
            stage,
            frame,
            seconds: elapsed.as_secs_f64(),
            timeout: timeout.as_secs_f64(),
        })
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

/// What the stage threads run: the models split by stage, one engine set per inference worker.
pub(crate) struct StageParts {
    pub preprocessors: Vec<panoptes_preprocess::Preprocessor>,
    pub engine_sets: Vec<Vec<panoptes_runtime::Engine>>,
    pub decoders: Vec<panoptes_heads::Decoder>,
    pub names: Vec<String>,
    pub fusion: Option<panoptes_fusion::Fusion>,
}

/// The running stages: results in input order, the threads, and whether one has died.
pub(crate) struct Stages {
    pub results: Receiver<StageResult>,
    pub threads: Vec<std::thread::JoinHandle<()>>,
    pub health: StageHealth,
}

pub(crate) const PREPROCESSING: &str = "pre-processing";
pub(crate) const DECODING: &str = "decoding";

/// The failure of a frame set on which `stage` panicked.
fn panicked(frame_set: FrameSet, stage: &str, message: &str) -> Failed {
    let fault = Fault::new(
        FaultKind::StagePanicked,
        format!("the {stage} stage panicked on this frame set: {message}"),
    );
    Box::new(FrameFailure { frame_set, fault })
}

/// Starts the pre-processing, inference and decoding threads, fed by `input`; results come out
/// of the returned channel in input order. The threads end when `input` closes (after finishing
/// what is in flight) or when the result receiver is dropped. A panic on one frame set makes
/// that set a failure and the stage goes on; a stage thread that dies all the same is recorded
/// in [`StageHealth`], and its neighbours end as their channels close.
pub(crate) fn spawn_stages(
    input: Receiver<(FrameSet, Instant)>,
    parts: StageParts,
    depth: StageDepth,
    injector: Option<Arc<dyn FaultInjector>>,
    timeline: crate::timeline::Timeline,
) -> Stages {
    let StageParts {
        mut preprocessors,
        engine_sets,
        mut decoders,
        names,
        mut fusion,
    } = parts;
    let health = StageHealth::recording(timeline);
    let mut threads = Vec::new();
    let mut to_workers = Vec::new();
    let mut from_workers = Vec::new();
    // Input batches go back from the workers to the pre-processing thread, to be filled again
    // instead of a new batch being allocated and copied for every frame set.
    let (spare_tx, spare_rx) = bounded::<Vec<Array4<f32>>>(engine_sets.len() + 1);
    for (worker, mut engines) in engine_sets.into_iter().enumerate() {
        let (prepared_tx, prepared_rx) =
            bounded::<std::result::Result<stages::Prepared, Failed>>(depth.handoff);
        let (inferred_tx, inferred_rx) =
            bounded::<std::result::Result<stages::Inferred, Failed>>(1);
        let spare_tx = spare_tx.clone();
        let health = health.clone();
        let injector = injector.clone();
        threads.push(std::thread::spawn(move || {
            let stage = format!("inference worker {worker}");
            health.guard(&stage, || {
                for prepared in prepared_rx {
                    let inferred = prepared.and_then(|prepared| {
                        let frame_set = prepared.frame_set.clone();
                        let _busy = health.busy(&stage, frame_set.index);
                        let ran = crate::fault::catch(|| {
                            stages::infer_with(prepared, &mut engines, injector.as_deref())
                        });
                        match ran {
                            Ok(Ok(mut inferred)) => {
                                // A full channel means enough spares wait already.
                                let _ = spare_tx.try_send(std::mem::take(&mut inferred.spent));
                                Ok(inferred)
                            }
                            Ok(Err(error)) => Err(Box::new(FrameFailure {
                                frame_set,
                                fault: failure_fault(&error),
                            })),
                            Err(message) => Err(panicked(frame_set, &stage, &message)),
                        }
                    });
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
    let guarded = health.clone();
    let injecting = injector.clone();
    threads.push(std::thread::spawn(move || {
        let (health, injector) = (guarded, injecting);
        health.guard(PREPROCESSING, || {
            for ((frame_set, entered), worker) in input.into_iter().zip((0..workers).cycle()) {
                let spares = spare_rx.try_recv().unwrap_or_default();
                let kept = frame_set.clone();
                let prepared = {
                    let _busy = health.busy(PREPROCESSING, frame_set.index);
                    crate::fault::catch(|| {
                        let point = InjectionPoint::Preprocess;
                        crate::fault::apply(injector.as_deref(), point, frame_set.index);
                        stages::prepare(frame_set, &mut preprocessors, spares, entered)
                    })
                };
                let prepared = prepared.map_err(|message| panicked(kept, PREPROCESSING, &message));
                if to_workers[worker].send(prepared).is_err() {
                    break;
                }
            }
        });
    }));
    let guarded = health.clone();
    threads.push(std::thread::spawn(move || {
        let health = guarded;
        health.guard(DECODING, || {
            for worker in (0..workers).cycle() {
                let Ok(inferred) = from_workers[worker].recv() else {
                    break;
                };
                let decoded = inferred.and_then(|inferred| {
                    let frame_set = inferred.frame_set.clone();
                    let _busy = health.busy(DECODING, frame_set.index);
                    let ran = crate::fault::catch(|| {
                        let point = InjectionPoint::Decode;
                        crate::fault::apply(injector.as_deref(), point, frame_set.index);
                        stages::decode(inferred, &mut decoders, &names).map(|mut decoded| {
                            stages::fuse_if(&mut decoded, fusion.as_mut());
                            decoded
                        })
                    });
                    match ran {
                        Ok(Ok(decoded)) => Ok(decoded),
                        Ok(Err(error)) => Err(Box::new(FrameFailure {
                            frame_set,
                            fault: failure_fault(&error),
                        })),
                        Err(message) => Err(panicked(frame_set, DECODING, &message)),
                    }
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

/// How often the sink looks for a stuck stage while no result comes.
const WATCH_TICK: Duration = Duration::from_millis(50);

/// The sink's side of a replay.
struct Sink<'a> {
    decoded: &'a Receiver<StageResult>,
    drops: &'a Receiver<usize>,
    output: &'a mut OutputDirectory,
    ledger: &'a mut RunLedger,
    health: &'a StageHealth,
    stage_timeout: Option<Duration>,
    faults: Option<Arc<dyn FaultInjector>>,
}

impl Sink<'_> {
    /// Writes results as they come, in order, watching for a stuck stage. Returns whether the
    /// source ran to its end.
    fn run(&mut self, progress: &mut dyn FnMut(Progress)) -> Result<bool> {
        loop {
            let result = match self.decoded.recv_timeout(WATCH_TICK) {
                Ok(result) => result,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(error) = self.health.stuck_error(self.stage_timeout) {
                        return Err(error);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            match result {
                Ok(decoded) => {
                    let frame_set = decoded.frame_set.clone();
                    let ledger = &mut *self.ledger;
                    let output = &mut *self.output;
                    let injector = self.faults.as_deref();
                    let written = crate::fault::catch(|| {
                        let point = InjectionPoint::Write;
                        crate::fault::apply(injector, point, frame_set.index);
                        ledger.write(output, decoded)
                    });
                    match written {
                        Ok(written) => written?,
                        // A panic while writing (drawing an overlay, encoding a PNG) fails
                        // this frame set; its line is written marked, and the replay goes on.
                        Err(message) => {
                            let FrameFailure { frame_set, fault } =
                                *panicked(frame_set, "sink", &message);
                            self.ledger.write_failed(self.output, &frame_set, fault)?;
                        }
                    }
                }
                Err(failed) => {
                    let FrameFailure { frame_set, fault } = *failed;
                    self.ledger.write_failed(self.output, &frame_set, fault)?;
                }
            }
            for _ in self.drops.try_iter() {
                *self
                    .ledger
                    .drops
                    .entry(DROP_BEHIND.to_string())
                    .or_default() += 1;
            }
            let dropped: usize = self.ledger.drops.values().sum();
            progress(Progress {
                done: self.ledger.written + dropped,
                total: self.ledger.offered,
            });
        }
        let dropped: usize = self.ledger.drops.values().sum::<usize>() + self.drops.len();
        Ok(self.ledger.written + dropped >= self.ledger.offered)
    }
}

/// The source thread's ends of the queue, and when to stop.
struct Feeding<'a> {
    /// Set from outside (Ctrl-C).
    stop: &'a AtomicBool,
    /// Set when the sink is done (the stages may have died).
    finished: &'a AtomicBool,
    queue: Sender<(FrameSet, Instant)>,
    drain: Receiver<(FrameSet, Instant)>,
    drops: Sender<usize>,
}

impl Feeding<'_> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.finished.load(Ordering::Relaxed)
    }
}

/// The source thread: releases frame sets (paced in real time), never blocking in real time,
/// and offline never blocking for longer than it takes to see a stop.
fn feed(source: FrameSource<'_>, pacing: Pacing, feeding: &Feeding<'_>) {
    let start = Instant::now();
    let mut first_timestamp = None;
    for frame_set in source {
        if feeding.stopped() {
            return;
        }
        match pacing {
            Pacing::Offline => {
                let mut item = (frame_set, Instant::now());
                loop {
                    match feeding.queue.send_timeout(item, WATCH_TICK) {
                        Ok(()) => break,
                        Err(SendTimeoutError::Timeout(back)) if !feeding.stopped() => item = back,
                        Err(_) => return,
                    }
                }
            }
            Pacing::RealTime { speed } => {
                let first = *first_timestamp.get_or_insert(frame_set.timestamp_us);
                let offset_us =
                    frame_set.timestamp_us.saturating_sub(first) as f64 / speed.max(1e-6);
                let due = start + Duration::from_micros(offset_us as u64);
                if !sleep_until(due, feeding) {
                    return;
                }
                let mut item = (frame_set, due);
                loop {
                    match feeding.queue.try_send(item) {
                        Ok(()) => break,
                        Err(TrySendError::Full(back)) => {
                            item = back;
                            if let Ok((oldest, _)) = feeding.drain.try_recv() {
                                let _ = feeding.drops.send(oldest.index);
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
fn sleep_until(due: Instant, feeding: &Feeding<'_>) -> bool {
    loop {
        if feeding.stopped() {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        std::thread::sleep((due - now).min(Duration::from_millis(20)));
    }
}
