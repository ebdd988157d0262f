//! Embedding in a vehicle stack: each camera's frame pushed as it arrives, from memory, sets
//! formed online, results by channel or callback, and what happened counted.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use panoptes_pipeline::{Perception, PushOutcome};
//! use panoptes_preprocess::{ImageData, PixelFormat};
//! use panoptes_rig::CameraRig;
//!
//! let rig = CameraRig::load("assets/sample-drive/rig.json".as_ref())?;
//! let perception = Perception::builder(rig)
//!     .with_model("models/panoptes-net/panoptes-net.toml")
//!     .build()?;
//! // The camera driver's thread: one frame of one camera, never blocking.
//! let frame = vec![0_u8; 640 * 360 * 3 / 2];
//! let outcome = perception.push_frame(
//!     "CAM_FRONT",
//!     1_700_000_000_000_000,
//!     ImageData::packed(PixelFormat::Nv12, 640, 360, frame),
//! )?;
//! assert!(matches!(outcome, PushOutcome::Waiting));
//! // The planner's thread: results in push order.
//! if let Some(results) = perception.results() {
//!     for result in results.try_iter() {
//!         let decoded = result?;
//!         println!("{} objects", decoded.record.objects_ego.map_or(0, |objects| objects.len()));
//!     }
//! }
//! println!("{:?}", perception.stats());
//! let finished = perception.shutdown();
//! println!("{} unread", finished.unread.len());
//! # Ok(())
//! # }
//! ```

mod online;
mod stats;

pub use stats::Stats;

use crate::concurrent::{
    spawn_stages, FrameFailure, StageDepth, StageHealth, StageParts, Stages, DROP_BEHIND,
};
use crate::error::{PipelineError, Result};
use crate::fault::FaultInjector;
use crate::model::{LoadedModel, ModelRequest};
use crate::stages::{self, Decoded};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use online::Online;
use panoptes_drive::{FrameSet, RejectionReason, SyncConfig};
use panoptes_fusion::FusionConfig;
use panoptes_preprocess::ImageData;
use panoptes_rig::CameraRig;
use panoptes_runtime::{CpuOptions, ExecutionTarget, Optimization};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often sets that wait for a missing camera are checked against the maximum wait.
const TIMEOUT_TICK: Duration = Duration::from_millis(2);
/// Results that may wait for a slow reader before the stages hold back (and pushes drop).
const RESULT_BACKLOG: usize = 16;

/// Why a frame set has no results.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PerceptionFailure {
    /// This frame set's models failed; the pipeline goes on.
    #[error("frame set {frame}: {message}")]
    FrameSet {
        /// The frame set's index.
        frame: usize,
        /// What failed.
        message: String,
    },
    /// A stage thread died; the pipeline has stopped and every push now fails.
    #[error("the {stage} stage failed: {message}; the pipeline has stopped")]
    Stage {
        /// The stage.
        stage: String,
        /// Its panic message.
        message: String,
    },
}

/// A frame set's results (the `perception.jsonl` record, masks, depth and the bird's-eye view in
/// memory), or why there are none.
pub type PerceptionResult = std::result::Result<Decoded, PerceptionFailure>;

/// What happened to a pushed frame or frame set. Pushing never waits for the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// The frame waits in the synchronizer for its set's other cameras.
    Waiting,
    /// One or more sets went to the models; nothing was dropped.
    Queued,
    /// Sets went to the models after dropping the oldest waiting one (its index): the models
    /// are behind.
    DroppedOldest(usize),
    /// The frame was refused and counted (late for its set, or not after its camera's previous
    /// frame); the pipeline goes on.
    Rejected(RejectionReason),
}

type Callback = Box<dyn FnMut(PerceptionResult) + Send>;

/// What [`Perception::shutdown`] leaves.
#[derive(Debug)]
pub struct Shutdown {
    /// Results no one had read from [`Perception::results`] (none with a callback).
    pub unread: Vec<PerceptionResult>,
    /// The statistics once everything in flight has finished.
    pub stats: Stats,
}

/// Settings of a [`Perception`]; [`PerceptionBuilder::build`] loads the models.
#[must_use]
pub struct PerceptionBuilder {
    rig: CameraRig,
    models: Vec<ModelRequest>,
    targets: Vec<ExecutionTarget>,
    threads: Option<usize>,
    optimization: Optimization,
    queue: usize,
    sync: SyncConfig,
    fusion: Option<FusionConfig>,
    unix_timestamps: bool,
    callback: Option<Callback>,
    stage_timeout: Option<Duration>,
    faults: Option<Arc<dyn FaultInjector>>,
}

impl std::fmt::Debug for PerceptionBuilder {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PerceptionBuilder")
            .field("cameras", &self.rig.len())
            .field("models", &self.models)
            .field("targets", &self.targets)
            .field("queue", &self.queue)
            .field("sync", &self.sync)
            .field("fusion", &self.fusion.is_some())
            .field("callback", &self.callback.is_some())
            .finish_non_exhaustive()
    }
}

impl PerceptionBuilder {
    /// Adds a model by its manifest (its `weights` beside it).
    pub fn with_model(mut self, manifest: impl Into<PathBuf>) -> Self {
        self.models.push(ModelRequest {
            manifest: manifest.into(),
            weights: None,
        });
        self
    }

    /// Adds a model whose weights are stored elsewhere than its manifest says.
    pub fn with_model_weights(
        mut self,
        manifest: impl Into<PathBuf>,
        weights: impl Into<PathBuf>,
    ) -> Self {
        self.models.push(ModelRequest {
            manifest: manifest.into(),
            weights: Some(weights.into()),
        });
        self
    }

    /// Execution targets in priority order (default: the CPU); a GPU target that cannot be
    /// used is an error at [`build`](Self::build) unless a later one can.
    pub fn with_targets(mut self, targets: Vec<ExecutionTarget>) -> Self {
        self.targets = targets;
        self
    }

    /// Threads inside each operator on the CPU (default: every core).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// ONNX Runtime's graph optimisation.
    pub fn with_optimization(mut self, optimization: Optimization) -> Self {
        self.optimization = optimization;
        self
    }

    /// Frame sets that may wait for the models (default 1: the lowest latency); when they
    /// are full the oldest is dropped and counted.
    pub fn with_queue(mut self, depth: usize) -> Self {
        self.queue = depth;
        self
    }

    /// How frames of one set are found: the window after a set's first frame, and how long
    /// an incomplete set waits for its missing cameras (in the cameras' clock).
    pub fn with_sync(mut self, sync: SyncConfig) -> Self {
        self.sync = sync;
        self
    }

    /// Ego-frame fusion (on by default with the built-in settings); `None` switches it off.
    pub fn with_fusion(mut self, fusion: Option<FusionConfig>) -> Self {
        self.fusion = fusion;
        self
    }

    /// Capture timestamps are microseconds since the UNIX epoch, so [`Stats::frame_age_ms`]
    /// can say how old each result's frames are.
    pub fn with_unix_timestamps(mut self, unix: bool) -> Self {
        self.unix_timestamps = unix;
        self
    }

    /// Results go to `callback` (on the pipeline's delivery thread, in push order) instead of
    /// the [`Perception::results`] channel. A callback that panics stops the pipeline.
    pub fn on_result(mut self, callback: impl FnMut(PerceptionResult) + Send + 'static) -> Self {
        self.callback = Some(Box::new(callback));
        self
    }

    /// A stage that spends longer than `timeout` on one frame set stops the pipeline: every
    /// push then fails naming the stage and the frame set, and the results end with that
    /// failure (default 60 s; `None`: no watchdog).
    pub fn with_stage_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stage_timeout = timeout;
        self
    }

    /// Injects faults into the stages (testing how a stack handles them); see
    /// [`crate::FaultPlan`].
    pub fn with_fault_injector(mut self, injector: Arc<dyn FaultInjector>) -> Self {
        self.faults = Some(injector);
        self
    }

    /// Loads the models (checked against their graphs), starts the stages.
    pub fn build(self) -> Result<Perception> {
        if self.models.is_empty() {
            return Err(PipelineError::Configuration(
                "no model given: add one with PerceptionBuilder::with_model".to_owned(),
            ));
        }
        if self.threads == Some(0) {
            return Err(PipelineError::Configuration(
                "threads must be at least 1".to_owned(),
            ));
        }
        self.sync.validate()?;
        let targets: Vec<ExecutionTarget> = self
            .targets
            .iter()
            .map(|target| match (target, self.threads) {
                (ExecutionTarget::Cpu(options), Some(threads)) => {
                    ExecutionTarget::Cpu(CpuOptions {
                        intra_threads: Some(threads),
                        ..options.clone()
                    })
                }
                _ => target.clone(),
            })
            .collect();
        let models = self
            .models
            .iter()
            .map(|request| LoadedModel::load(request, &targets, self.rig.len(), self.optimization))
            .collect::<Result<Vec<_>>>()?;
        Perception::start(self, models)
    }
}

/// Shared by the caller's threads and the timeout ticker.
#[derive(Debug)]
struct Shared {
    online: Mutex<Online>,
    /// `None` once shut down: the stages see their input close.
    input: Mutex<Option<Sender<(FrameSet, Instant)>>>,
    drain: Receiver<(FrameSet, Instant)>,
    health: StageHealth,
    stats: Arc<stats::Counters>,
    stopped: AtomicBool,
}

/// A running pipeline for one rig: push frames, read results, ask for statistics, shut down.
pub struct Perception {
    cameras: Vec<String>,
    shared: Arc<Shared>,
    results: Option<Receiver<PerceptionResult>>,
    stages: Vec<JoinHandle<()>>,
    delivery: Option<JoinHandle<()>>,
    ticker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Perception {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Perception")
            .field("cameras", &self.cameras)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Perception {
    /// Settings for a pipeline serving `rig`.
    pub fn builder(rig: CameraRig) -> PerceptionBuilder {
        PerceptionBuilder {
            rig,
            models: Vec::new(),
            targets: vec![ExecutionTarget::Cpu(CpuOptions::default())],
            threads: None,
            optimization: Optimization::default(),
            queue: 1,
            sync: SyncConfig::default(),
            fusion: Some(FusionConfig::default()),
            unix_timestamps: false,
            callback: None,
            stage_timeout: Some(crate::replay::DEFAULT_STAGE_TIMEOUT),
            faults: None,
        }
    }

    fn start(builder: PerceptionBuilder, models: Vec<LoadedModel>) -> Result<Self> {
        let (mut preprocessors, engines, decoders, names) = stages::split(models);
        stages::expect_rig(&mut preprocessors, &builder.rig);
        let fusion = stages::start_fusion(&builder.rig, &decoders, builder.fusion.as_ref())?;
        let (input, source) = bounded(builder.queue.max(1));
        let drain = source.clone();
        // One inference worker: the lowest latency per frame set, which a vehicle stack wants.
        let Stages {
            results,
            threads,
            health,
        } = spawn_stages(
            source,
            StageParts {
                preprocessors,
                engine_sets: vec![engines],
                decoders,
                names,
                fusion,
            },
            StageDepth { handoff: 0 },
            builder.faults.clone(),
            crate::timeline::Timeline::disabled(),
        );
        let counters = Arc::new(stats::Counters::default());
        let cameras: Vec<String> = builder.rig.names().map(str::to_owned).collect();
        let shared = Arc::new(Shared {
            online: Mutex::new(Online::new(cameras.clone(), builder.sync)?),
            input: Mutex::new(Some(input)),
            drain,
            health: health.clone(),
            stats: Arc::clone(&counters),
            stopped: AtomicBool::new(false),
        });
        let (public, delivery) = deliver(
            results,
            health,
            counters,
            builder.unix_timestamps,
            builder.callback,
        );
        let ticking = Arc::clone(&shared);
        let stage_timeout = builder.stage_timeout;
        let ticker = std::thread::spawn(move || {
            while !ticking.stopped.load(Ordering::Relaxed) {
                std::thread::sleep(TIMEOUT_TICK);
                if let Some(timeout) = stage_timeout {
                    // The stuck stage may never come back: stop here, as if it had died.
                    ticking.health.give_up_on_stuck(timeout);
                }
                let ready = ticking
                    .online
                    .lock()
                    .map(|mut online| online.timed_out(&ticking.stats))
                    .unwrap_or_default();
                for frame_set in ready {
                    enqueue(&ticking, frame_set);
                }
            }
        });
        Ok(Self {
            cameras,
            shared,
            results: public,
            stages: threads,
            delivery: Some(delivery),
            ticker: Some(ticker),
        })
    }

    /// The rig's camera names, in rig order.
    pub fn cameras(&self) -> &[String] {
        &self.cameras
    }

    /// Hands over one camera's frame, captured at `timestamp_us` (the cameras' common clock).
    /// Never waits for the models. Fails when the camera is not in the rig, or when a stage
    /// has died (the pipeline has stopped).
    pub fn push_frame(
        &self,
        camera: &str,
        timestamp_us: u64,
        image: ImageData,
    ) -> Result<PushOutcome> {
        self.check()?;
        let Some(index) = self.cameras.iter().position(|name| name == camera) else {
            return Err(PipelineError::Configuration(format!(
                "camera `{camera}` is not in the rig; its cameras are {}",
                self.cameras.join(", ")
            )));
        };
        let (accepted, ready) = {
            let mut online = self.shared.online.lock().map_err(|_| poisoned())?;
            online.push(index, timestamp_us, image, &self.shared.stats)
        };
        if let Err(reason) = accepted {
            return Ok(PushOutcome::Rejected(reason));
        }
        let mut outcome = PushOutcome::Waiting;
        for frame_set in ready {
            outcome = match (enqueue(&self.shared, frame_set), outcome) {
                (dropped @ PushOutcome::DroppedOldest(_), _) => dropped,
                (_, dropped @ PushOutcome::DroppedOldest(_)) => dropped,
                (queued, _) => queued,
            };
        }
        Ok(outcome)
    }

    /// Hands over a whole frame set, already synchronized (its `index` is renumbered in push
    /// order). Never waits for the models.
    pub fn push_set(&self, mut frame_set: FrameSet) -> Result<PushOutcome> {
        self.check()?;
        frame_set.index = self
            .shared
            .online
            .lock()
            .map_err(|_| poisoned())?
            .next_index();
        self.shared.stats.add_set(frame_set.missing() > 0);
        Ok(enqueue(&self.shared, (frame_set, Instant::now())))
    }

    /// Results in push order, unless a callback takes them.
    pub fn results(&self) -> Option<&Receiver<PerceptionResult>> {
        self.results.as_ref()
    }

    /// What happened so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats.snapshot()
    }

    /// Stops taking frames, sends the sets still waiting for cameras (missing ones marked),
    /// finishes what is in flight and returns the results no one has read yet, with the final
    /// statistics.
    pub fn shutdown(mut self) -> Shutdown {
        let rest = self
            .shared
            .online
            .lock()
            .map(|mut online| online.finish(&self.shared.stats))
            .unwrap_or_default();
        if let Ok(input) = self.shared.input.lock() {
            for item in rest {
                // Blocking: at shutdown nothing still owed a result is dropped.
                let sent = input.as_ref().is_some_and(|input| input.send(item).is_ok());
                if self.shared.health.failure().is_some() || !sent {
                    break;
                }
            }
        }
        self.close_input();
        // Read while the stages finish: the delivery thread ends when they have (or when a
        // stage is given up as stuck).
        let unread: Vec<PerceptionResult> = self
            .results
            .take()
            .map(|results| results.iter().collect())
            .unwrap_or_default();
        self.join();
        // The ticker's watchdog ran until now: a stage stuck while finishing is given up too.
        self.stop_ticker();
        Shutdown {
            unread,
            stats: self.stats(),
        }
    }

    fn check(&self) -> Result<()> {
        match self.shared.health.failure() {
            Some((stage, message)) => Err(PipelineError::StageFailed { stage, message }),
            None => Ok(()),
        }
    }

    fn stop_ticker(&mut self) {
        self.shared.stopped.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }

    fn close_input(&self) {
        if let Ok(mut input) = self.shared.input.lock() {
            input.take();
        }
    }

    fn join(&mut self) {
        if let Some(delivery) = self.delivery.take() {
            let _ = delivery.join();
        }
        if self.shared.health.is_stuck() {
            // A stuck stage's thread may never end; the others end as their channels close.
            self.stages.clear();
        }
        for stage in self.stages.drain(..) {
            let _ = stage.join();
        }
    }
}

impl Drop for Perception {
    fn drop(&mut self) {
        self.close_input();
        // Unread results no longer hold the stages back: delivery stops, and the stages end
        // as their channels close.
        drop(self.results.take());
        self.join();
        self.stop_ticker();
    }
}

fn poisoned() -> PipelineError {
    PipelineError::Configuration("the synchronizer's lock is poisoned by a panic".to_owned())
}

/// Queues a frame set for the models, dropping the oldest waiting one when they are behind.
fn enqueue(shared: &Shared, item: (FrameSet, Instant)) -> PushOutcome {
    let Ok(input) = shared.input.lock() else {
        return PushOutcome::Queued;
    };
    let Some(input) = input.as_ref() else {
        return PushOutcome::Queued;
    };
    let mut item = item;
    let mut outcome = PushOutcome::Queued;
    loop {
        match input.try_send(item) {
            Ok(()) => return outcome,
            Err(TrySendError::Full(back)) => {
                item = back;
                if let Ok((oldest, _)) = shared.drain.try_recv() {
                    shared.stats.add_drop(DROP_BEHIND);
                    outcome = PushOutcome::DroppedOldest(oldest.index);
                }
            }
            // The stages have ended; `check` reports why on the next push.
            Err(TrySendError::Disconnected(_)) => return outcome,
        }
    }
}

const DELIVERY: &str = "result delivery";

fn is_delivery(failure: &PerceptionResult) -> bool {
    matches!(failure, Err(PerceptionFailure::Stage { stage, .. }) if stage == DELIVERY)
}

/// The delivery thread: counts each result and hands it to the callback or the public channel;
/// after the stages end, a stage's death becomes the last result.
fn deliver(
    results: Receiver<crate::concurrent::StageResult>,
    health: StageHealth,
    counters: Arc<stats::Counters>,
    unix_timestamps: bool,
    callback: Option<Callback>,
) -> (Option<Receiver<PerceptionResult>>, JoinHandle<()>) {
    let (public_tx, public_rx) = bounded::<PerceptionResult>(RESULT_BACKLOG);
    let has_callback = callback.is_some();
    let thread = std::thread::spawn(move || {
        let mut callback = callback;
        let mut hand = |result: PerceptionResult| -> bool {
            match callback.as_mut() {
                Some(callback) => {
                    callback(result);
                    true
                }
                None => public_tx.send(result).is_ok(),
            }
        };
        let guard = health.clone();
        guard.guard(DELIVERY, || {
            let next = || loop {
                match results.recv_timeout(TIMEOUT_TICK * 10) {
                    Ok(result) => return Some(result),
                    Err(RecvTimeoutError::Timeout) if !health.is_stuck() => {}
                    Err(_) => return None,
                }
            };
            while let Some(result) = next() {
                let result = match result {
                    Ok(decoded) => {
                        counters.add_result(&decoded, unix_timestamps);
                        Ok(decoded)
                    }
                    Err(failed) => {
                        let FrameFailure { frame_set, fault } = *failed;
                        counters.add_failure(fault.kind);
                        Err(PerceptionFailure::FrameSet {
                            frame: frame_set.index,
                            message: fault.message,
                        })
                    }
                };
                if !hand(result) {
                    break;
                }
            }
        });
        if let Some((stage, message)) = health.failure() {
            let failure = Err(PerceptionFailure::Stage { stage, message });
            match callback.as_mut() {
                // Unless it is the callback that failed, it hears of it.
                Some(callback) if !is_delivery(&failure) => callback(failure),
                Some(_) => {}
                None => {
                    let _ = public_tx.send(failure);
                }
            }
        }
    });
    ((!has_callback).then_some(public_rx), thread)
}
