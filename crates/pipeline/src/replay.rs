//! Replaying a recorded drive through one or more models.

use crate::error::{PipelineError, Result};
use crate::fault::{Fault, FaultKind};
use crate::model::{LoadedModel, ModelRequest};
use crate::record::{CameraPerception, FramePerception, StageTimes};
use crate::report::{Accounting, FrameProblem, ModelReport, Report, StageSamples, Stopped};
use crate::sink::OutputDirectory;
use crate::stages::{self, milliseconds, Decoded};
use panoptes_drive::{Drive, FrameSet};
use panoptes_runtime::{Engine, ExecutionTarget, Optimization};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Most per-frame problems listed in `report.json` (all are counted).
const LISTED_PROBLEMS: usize = 100;

/// Frame sets after which resident memory is first sampled (buffers have reached their size).
const WARMUP_FRAME_SETS: usize = 10;

/// How long a stage may spend on one frame set before the watchdog stops the pipeline: far
/// beyond any model's run on a CPU (a 1600×900 segmentation model takes about a second on two
/// cores), short enough that a hung run is noticed.
pub const DEFAULT_STAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What to replay and how.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Models, each with its own engine.
    pub models: Vec<ModelRequest>,
    /// Execution targets in priority order.
    pub targets: Vec<ExecutionTarget>,
    /// Graph optimisation level.
    pub optimization: Optimization,
    /// Output directory.
    pub out: PathBuf,
    /// Replay at most this many frame sets.
    pub limit: Option<usize>,
    /// Replay the (limited) drive this many times in a row (soak tests); at least once.
    pub repeat: usize,
    /// Offline (blocking, lossless) or real time (paced, drop-oldest).
    pub pacing: crate::concurrent::Pacing,
    /// Frame sets that may wait between the source and pre-processing.
    pub queue: usize,
    /// Inference workers of the concurrent pipeline, each with its own engines; `None`: two
    /// on a CPU with at least two cores, else one (see [`crate::default_workers`]).
    pub inference_workers: Option<usize>,
    /// Ego-frame fusion (objects placed, merged across cameras, tracked; the bird's-eye
    /// view); `None` switches it off.
    pub fusion: Option<panoptes_fusion::FusionConfig>,
    /// Which images are written beside `perception.jsonl` (masks, depth, bird's-eye views).
    pub save: crate::sink::SaveSet,
    /// Also write `overlays/<frame>.jpg`: every camera as it sits on the vehicle, with results.
    pub overlays: bool,
    /// Draw the drive's ground-truth 2D boxes in the overlays too (white, labelled `gt`).
    pub overlay_truth: bool,
    /// Set from another thread (Ctrl-C) to stop after the current frame set; outputs are
    /// flushed and the report written.
    pub stop: Arc<AtomicBool>,
    /// A stage that spends longer than this on one frame set stops the concurrent replay
    /// (the error names it and the frame set; the report is written); `None`: no watchdog.
    pub stage_timeout: Option<std::time::Duration>,
    /// Faults to inject into the concurrent replay's stages (testing how they are handled).
    pub faults: Option<Arc<dyn crate::fault::FaultInjector>>,
}

impl ReplayOptions {
    /// Offline replay of the whole drive on the CPU into `out`, no overlays.
    pub fn new(models: Vec<ModelRequest>, out: impl Into<PathBuf>) -> Self {
        Self {
            models,
            targets: vec![ExecutionTarget::Cpu(panoptes_runtime::CpuOptions::default())],
            optimization: Optimization::default(),
            out: out.into(),
            limit: None,
            repeat: 1,
            pacing: crate::concurrent::Pacing::Offline,
            queue: 2,
            inference_workers: None,
            fusion: Some(panoptes_fusion::FusionConfig::default()),
            save: crate::sink::SaveSet::default(),
            overlays: false,
            overlay_truth: false,
            stop: Arc::new(AtomicBool::new(false)),
            stage_timeout: Some(DEFAULT_STAGE_TIMEOUT),
            faults: None,
        }
    }
}

/// Where a drive's outputs go: `out` itself for a single drive, `out/<scene>` for each of
/// several nuScenes scenes replayed together.
pub fn scene_directory(out: &std::path::Path, drive: &Drive, several: bool) -> PathBuf {
    match (several, drive.scene()) {
        (true, Some(scene)) => out.join(&scene.name),
        _ => out.to_owned(),
    }
}

/// Progress after each frame set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Frame sets written so far.
    pub done: usize,
    /// Frame sets to replay in all.
    pub total: usize,
}

/// Loads every model for `cameras` cameras, refusing head names used by two models.
pub fn load_models(options: &ReplayOptions, cameras: usize) -> Result<Vec<LoadedModel>> {
    if options.models.is_empty() {
        return Err(PipelineError::Configuration(
            "no model given: pass --model MANIFEST.toml".to_string(),
        ));
    }
    let models = options
        .models
        .iter()
        .map(|request| LoadedModel::load(request, &options.targets, cameras, options.optimization))
        .collect::<Result<Vec<_>>>()?;
    let mut owners: BTreeMap<&str, &std::path::Path> = BTreeMap::new();
    for model in &models {
        for head in &model.manifest.heads {
            if let Some(first) = owners.insert(&head.name, &model.manifest.path) {
                return Err(PipelineError::HeadNameClash {
                    head: head.name.clone(),
                    first: first.to_path_buf(),
                    second: model.manifest.path.clone(),
                });
            }
        }
    }
    Ok(models)
}

/// Collects records and problems into the report as frame sets finish.
#[derive(Debug)]
pub(crate) struct RunLedger {
    pub samples: StageSamples,
    /// Frame sets the source has to give.
    pub offered: usize,
    /// Frame sets written (with results, or failed).
    pub written: usize,
    /// Of those, the failed ones.
    pub failed: usize,
    pub errors: usize,
    pub faults: BTreeMap<FaultKind, usize>,
    pub problems: Vec<FrameProblem>,
    pub drops: BTreeMap<String, usize>,
    pub started: Instant,
    /// CPU time from the same start.
    pub cpu_clock: crate::cpu::CpuClock,
    pub memory: crate::memory::MemoryReport,
    /// Resident MiB after each frame set written from the warm-up on.
    pub resident: Vec<f64>,
    /// The rig, when overlays are drawn.
    pub overlay_rig: Option<panoptes_rig::CameraRig>,
    /// Whether overlays show the ground-truth boxes.
    pub overlay_truth: bool,
    /// Which images are written.
    pub save: crate::sink::SaveSet,
    /// The frame set being written (what a sink failure was on).
    pub writing: Option<usize>,
    /// When each stage worked on each frame set, from `started`.
    pub timeline: crate::timeline::Timeline,
}

impl RunLedger {
    pub fn new(drive: &Drive, options: &ReplayOptions) -> Self {
        let started = Instant::now();
        Self {
            overlay_rig: options.overlays.then(|| drive.rig().clone()),
            overlay_truth: options.overlay_truth,
            save: options.save,
            samples: StageSamples::default(),
            offered: crate::source::FrameSource::new(drive, options.limit, options.repeat).total(),
            written: 0,
            failed: 0,
            errors: 0,
            faults: BTreeMap::new(),
            problems: Vec::new(),
            drops: BTreeMap::new(),
            started,
            cpu_clock: crate::cpu::CpuClock::start(),
            memory: crate::memory::MemoryReport::default(),
            resident: Vec::new(),
            writing: None,
            timeline: crate::timeline::Timeline::starting(started),
        }
    }

    /// Counts a fault survived on frame set `frame` (of `camera`, when it is one camera's).
    pub fn problem(&mut self, frame: usize, camera: Option<String>, fault: Fault) {
        self.errors += 1;
        *self.faults.entry(fault.kind).or_default() += 1;
        if self.problems.len() < LISTED_PROBLEMS {
            self.problems.push(FrameProblem {
                frame,
                camera,
                message: fault.message,
            });
        }
    }

    /// Writes a decoded frame set and accounts for it.
    pub fn write(&mut self, output: &mut OutputDirectory, decoded: Decoded) -> Result<()> {
        let started = Instant::now();
        self.writing = Some(decoded.record.frame);
        output.write_images(&decoded.images, self.save)?;
        if let Some(rig) = &self.overlay_rig {
            let overlay = draw_overlay(rig, &decoded, self.overlay_truth);
            output.write_overlay(decoded.record.frame, &overlay)?;
        }
        let mut record = decoded.record;
        self.save.strip(&mut record);
        record.timing_ms.write = milliseconds(started);
        record.timing_ms.total = milliseconds(decoded.entered);
        output.write_record(&record)?;
        self.timeline
            .record(crate::timeline::WRITING, record.frame, started);
        for (camera, fault) in crate::fault::result_faults(&record, &decoded.survived) {
            self.problem(record.frame, camera, fault);
        }
        self.samples.add(&record.timing_ms);
        self.written += 1;
        if self.written == WARMUP_FRAME_SETS {
            self.memory.after_warmup_mib = crate::memory::resident_mib();
        }
        if self.written >= WARMUP_FRAME_SETS {
            self.resident.extend(crate::memory::resident_mib());
        }
        Ok(())
    }

    /// A frame set whose models failed: written with every camera marked, and counted.
    pub fn write_failed(
        &mut self,
        output: &mut OutputDirectory,
        frame_set: &FrameSet,
        fault: Fault,
    ) -> Result<()> {
        self.writing = Some(frame_set.index);
        let message = &fault.message;
        let cameras = frame_set
            .frames
            .iter()
            .map(|frame| {
                let record = CameraPerception {
                    timestamp_us: frame.frame().map(|frame| frame.timestamp_us),
                    missing: Some(message.clone()),
                    fault: Some(fault.kind),
                    ..CameraPerception::default()
                };
                (frame.camera().to_string(), record)
            })
            .collect();
        output.write_record(&FramePerception {
            frame: frame_set.index,
            timestamp_us: frame_set.timestamp_us,
            cameras,
            objects_ego: None,
            bev: None,
            timing_ms: StageTimes::default(),
        })?;
        self.problem(frame_set.index, None, fault);
        self.written += 1;
        self.failed += 1;
        Ok(())
    }

    /// The report so far; `stopped` says why the run ended early, when it did.
    pub fn report(
        &self,
        drive: &Drive,
        models: &[ModelReport],
        mode: &str,
        interrupted: bool,
        stopped: Option<Stopped>,
    ) -> Report {
        let mut faults = self.faults.clone();
        if interrupted {
            *faults.entry(FaultKind::Interrupted).or_default() += 1;
        }
        if let Some(stopped) = &stopped {
            *faults.entry(stopped.fault).or_default() += 1;
        }
        let dropped: usize = self.drops.values().sum();
        let accounting = Accounting {
            offered: self.offered,
            results: self.written - self.failed,
            failed: self.failed,
            dropped,
            unprocessed: self.offered.saturating_sub(self.written + dropped),
        };
        let wall_seconds = self.started.elapsed().as_secs_f64();
        let memory = crate::memory::MemoryReport {
            end_mib: crate::memory::resident_mib(),
            peak_mib: crate::memory::peak_mib(),
            ..self.memory.with_samples(&self.resident)
        };
        Report {
            drive: drive.root().display().to_string(),
            mode: mode.to_string(),
            frame_sets: self.written,
            drops: self.drops.clone(),
            errors: self.errors,
            problems: self.problems.clone(),
            provider: models
                .first()
                .map(|model| model.provider.clone())
                .unwrap_or_default(),
            models: models.to_vec(),
            latency_ms: self.samples.summarize(),
            wall_seconds,
            frame_sets_per_second: if wall_seconds > 0.0 {
                self.written as f64 / wall_seconds
            } else {
                0.0
            },
            cpu: self.cpu_clock.cost(self.written),
            interrupted,
            faults,
            accounting,
            stopped,
            memory,
            timeline: self.timeline.spans(),
        }
    }
}

/// How a run ended: it went to the end of its input (or was interrupted), or an error
/// stopped it.
pub(crate) struct Ending<'a> {
    pub drive: &'a Drive,
    pub models: &'a [ModelReport],
    pub mode: &'a str,
    pub interrupted: bool,
    pub outcome: Result<()>,
}

/// Ends a run: flushes what was produced and writes `report.json` (saying why the run
/// stopped, when an error stopped it). Returns the report, or that error, telling where what
/// was produced is kept (or that the report could not be written either).
pub(crate) fn conclude(
    output: &mut OutputDirectory,
    ledger: &RunLedger,
    ending: Ending<'_>,
) -> Result<Report> {
    let stopped = ending.outcome.as_ref().err().map(|error| {
        let (fault, stage, frame) = match error {
            PipelineError::StageFailed { stage, .. } => {
                (FaultKind::StagePanicked, stage.clone(), None)
            }
            PipelineError::StageStuck { stage, frame, .. } => {
                (FaultKind::StageStuck, stage.clone(), Some(*frame))
            }
            _ => (FaultKind::SinkFailed, "sink".to_owned(), ledger.writing),
        };
        Stopped {
            fault,
            stage,
            frame,
            message: error.to_string(),
        }
    });
    let report = ledger.report(
        ending.drive,
        ending.models,
        ending.mode,
        ending.interrupted,
        stopped,
    );
    let (flushed, written) = output.finish_each(&report);
    match ending.outcome {
        Ok(()) => flushed.and(written).map(|()| report),
        Err(error) => Err(PipelineError::RunStopped {
            error: Box::new(error),
            written: ledger.written,
            offered: ledger.offered,
            kept: match written {
                Ok(()) => format!(
                    "which are kept in {}; {} says why it stopped",
                    output.root().display(),
                    output.root().join(crate::sink::REPORT_FILE).display()
                ),
                Err(report_error) => format!("and the report could not be written: {report_error}"),
            },
        }),
    }
}

/// The overlay of a decoded frame set, drawn on its original frames (an unreadable frame is
/// drawn as missing; its problem is already in the record).
fn draw_overlay(rig: &panoptes_rig::CameraRig, decoded: &Decoded, truth: bool) -> image::RgbImage {
    let frames: BTreeMap<String, image::RgbImage> = decoded
        .frame_set
        .present()
        .filter_map(|frame| {
            let (width, height, pixels) = frame.image.source().to_rgb8().ok()?;
            let image = image::RgbImage::from_raw(width, height, pixels)?;
            Some((frame.camera.clone(), image))
        })
        .collect();
    let mut cameras = crate::overlay::overlay_cameras(&decoded.record, &decoded.images, &frames);
    if truth {
        for camera in &mut cameras {
            let boxes = decoded
                .frame_set
                .present()
                .find(|frame| frame.camera == camera.name)
                .and_then(|frame| frame.ground_truth.as_ref())
                .map(|truth| truth.annotations.boxes.as_slice());
            camera.truth = boxes.unwrap_or_default();
        }
    }
    // The grid is the pending image the record names; objects come with it from fusion.
    let grid = decoded.record.bev.as_deref().and_then(|path| {
        decoded
            .images
            .iter()
            .find_map(|(candidate, image)| match image {
                stages::PendingImage::Bev(grid) if candidate == path => Some(grid),
                _ => None,
            })
    });
    let bird = grid.map(|grid| crate::overlay::BirdsEye {
        grid,
        objects: decoded.record.objects_ego.as_deref().unwrap_or_default(),
    });
    crate::overlay::render_overlay(
        rig,
        decoded.record.frame,
        decoded.record.timestamp_us,
        &cameras,
        &crate::overlay::OverlayStyle::default(),
        bird,
    )
}

/// What each loaded model reports about itself.
pub fn model_reports(models: &[LoadedModel]) -> Vec<ModelReport> {
    models
        .iter()
        .map(|model| ModelReport {
            name: model.manifest.name.clone(),
            manifest: model.manifest.path.display().to_string(),
            weights: model.manifest.weights.display().to_string(),
            provider: model.engine.target().label(),
            workers: 1,
            cpu_threads: crate::workers::cpu_threads(model.engine.target()),
        })
        .collect()
}

/// Records the inference workers' engines in the model reports.
pub(crate) fn note_workers(reports: &mut [ModelReport], engine_sets: &[Vec<Engine>]) {
    for (index, report) in reports.iter_mut().enumerate() {
        if let Some(engine) = engine_sets.first().and_then(|engines| engines.get(index)) {
            report.provider = engine.target().label();
            report.cpu_threads = crate::workers::cpu_threads(engine.target());
        }
        report.workers = engine_sets.len();
    }
}

/// Replays `drive` one frame set at a time, each stage after the other (the reference path).
pub fn replay_sequential(
    drive: &Drive,
    models: Vec<LoadedModel>,
    options: &ReplayOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report> {
    let reports = model_reports(&models);
    let (mut preprocessors, mut engines, mut decoders, names) = stages::split(models);
    stages::expect_rig(&mut preprocessors, drive.rig());
    let mut fusion = stages::start_fusion(drive.rig(), &decoders, options.fusion.as_ref())?;
    let mut output = OutputDirectory::create(&options.out)?;
    let source = crate::source::FrameSource::new(drive, options.limit, options.repeat);
    let mut ledger = RunLedger::new(drive, options);
    let mut interrupted = false;
    let mut spares = Vec::new();
    let mut outcome = Ok(());
    for frame_set in source {
        if options.stop.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        let entered = Instant::now();
        let index = frame_set.index;
        let timeline = ledger.timeline.clone();
        let prepared = stages::prepare(
            frame_set.clone(),
            &mut preprocessors,
            std::mem::take(&mut spares),
            entered,
        );
        timeline.record(crate::concurrent::PREPROCESSING, index, entered);
        let started = Instant::now();
        let inferred = stages::infer(prepared, &mut engines);
        timeline.record(crate::timeline::INFERENCE, index, started);
        let decoded = inferred.and_then(|mut inferred| {
            spares = std::mem::take(&mut inferred.spent);
            let started = Instant::now();
            let mut decoded = stages::decode(inferred, &mut decoders, &names)?;
            stages::fuse_if(&mut decoded, fusion.as_mut());
            timeline.record(crate::concurrent::DECODING, index, started);
            Ok(decoded)
        });
        let written = match decoded {
            Ok(decoded) => ledger.write(&mut output, decoded),
            Err(error) => {
                let fault = failure_fault(&error);
                ledger.write_failed(&mut output, &frame_set, fault)
            }
        };
        if written.is_err() {
            outcome = written;
            break;
        }
        progress(Progress {
            done: ledger.written,
            total: ledger.offered,
        });
    }
    let ending = Ending {
        drive,
        models: &reports,
        mode: "offline",
        interrupted,
        outcome,
    };
    conclude(&mut output, &ledger, ending)
}

/// The fault of a frame set whose models failed.
pub(crate) fn failure_fault(error: &PipelineError) -> Fault {
    let kind = match error {
        PipelineError::Decode { .. } => FaultKind::DecodeFailed,
        _ => FaultKind::InferenceFailed,
    };
    Fault::new(kind, error.to_string())
}
