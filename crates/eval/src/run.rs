//! Running models over a drive and scoring every camera frame against its ground truth.

use crate::camera::{CameraPrediction, CameraTruth, Tally, TaskSettings};
use crate::detection::IgnoreRule;
use crate::ego::{EgoTally, DEFAULT_EGO_MAX_DISTANCE_M};
use crate::ego_frame::EgoScoring;
use crate::error::{EvalError, Result};
use crate::pose::DEFAULT_PCK_ALPHA;
use crate::report::{Evaluation, Ledger};
use crate::scores::{evaluation_name, summarize, DriveScores, ScoredHeads};
use crate::segmentation::ClassMapping;
use panoptes_drive::{CameraFrame, Drive, FrameSet};
use panoptes_fusion::{categories_of, FusionConfig};
use panoptes_heads::{Decoder, Detection, HeadConfig};
use panoptes_pipeline::stages::{self, Decoded, PendingImage};
use panoptes_pipeline::{model_reports, CameraPerception, LoadedModel, ModelReport};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// How to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// Model class name → drive class name, for models whose names differ from the drive's
    /// (for example `person` → `pedestrian`); applies to detection labels and segmentation
    /// classes.
    pub aliases: BTreeMap<String, String>,
    /// Evaluate at most this many frame sets.
    pub limit: Option<usize>,
    /// PCK threshold as a fraction of the ground-truth box diagonal.
    pub pck_alpha: f64,
    /// Ground-truth boxes left out of detection and pose.
    pub ignore: IgnoreRule,
    /// Fusion settings for the ego-frame metrics; `None` leaves them out.
    pub fusion: Option<FusionConfig>,
    /// Ego-frame truth and predictions farther than this from the ego origin (on the ground)
    /// are left out, metres.
    pub ego_max_distance_m: f64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            aliases: BTreeMap::new(),
            limit: None,
            pck_alpha: DEFAULT_PCK_ALPHA,
            ignore: IgnoreRule::default(),
            fusion: Some(FusionConfig::default()),
            ego_max_distance_m: DEFAULT_EGO_MAX_DISTANCE_M,
        }
    }
}

/// Progress after each frame set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalProgress {
    /// Frame sets scored so far.
    pub done: usize,
    /// Frame sets to score in all.
    pub total: usize,
}

/// Fails with [`EvalError::NoGroundTruth`] unless some frame among the first `limit` frame sets
/// carries ground truth. Cheap: call it before loading models.
pub fn check_ground_truth(drive: &Drive, limit: Option<usize>) -> Result<()> {
    let frame_sets = limit.map_or(drive.frame_sets().len(), |limit| {
        limit.min(drive.frame_sets().len())
    });
    let any = drive.frame_sets()[..frame_sets]
        .iter()
        .flat_map(FrameSet::present)
        .any(|frame| frame.ground_truth.is_some());
    if any {
        Ok(())
    } else {
        Err(EvalError::NoGroundTruth {
            drive: drive.root().to_path_buf(),
            frame_sets,
        })
    }
}

fn scored_heads(decoders: &[Decoder], drive: &Drive, options: &EvalOptions) -> ScoredHeads {
    let mut heads = ScoredHeads {
        settings: TaskSettings {
            detection: false,
            pose_alpha: None,
            segmentation: None,
            max_depth: None,
            ignore: options.ignore,
        },
        segmentation: None,
        depth: None,
    };
    let settings = &mut heads.settings;
    for head in decoders.iter().flat_map(Decoder::heads) {
        match head {
            HeadConfig::Detection(config) | HeadConfig::InstanceSegmentation(config) => {
                settings.detection = true;
                if config.keypoints > 0 {
                    settings.pose_alpha = Some(options.pck_alpha);
                }
            }
            HeadConfig::Segmentation(config) if heads.segmentation.is_none() => {
                heads.segmentation = Some(config.name.clone());
                let classes: Vec<String> = config
                    .classes
                    .iter()
                    .map(|name| alias(&options.aliases, name).to_string())
                    .collect();
                settings.segmentation =
                    Some(ClassMapping::new(&classes, drive.segmentation_classes()));
            }
            HeadConfig::Depth(config) if heads.depth.is_none() => {
                heads.depth = Some(config.name.clone());
                settings.max_depth = Some(f64::from(config.max_depth));
            }
            _ => {}
        }
    }
    heads
}

/// Runs `models` over the first `options.limit` frame sets of `drive` (pre-processing, inference,
/// decoding and fusion are the replay pipeline's own stages) and scores each camera frame that
/// has ground truth, then each frame set's fused objects. The ground-truth PNGs of a frame set
/// are read while its models run. Frame sets go in order: tracking needs it.
pub fn evaluate(
    drive: &Drive,
    models: Vec<LoadedModel>,
    options: &EvalOptions,
    progress: &mut dyn FnMut(EvalProgress),
) -> Result<Evaluation> {
    evaluate_scenes(std::slice::from_ref(drive), models, options, progress)
}

/// As [`evaluate`] over several drives (the scenes of a nuScenes dataroot, each with its own
/// rig), one after the other with the same engines, fusion and tracking started afresh for
/// each: the figures count every scene together, and with more than one drive
/// [`Evaluation::scenes`] holds each drive's own. `options.limit` applies per drive; progress
/// counts frame sets across all of them.
pub fn evaluate_scenes(
    drives: &[Drive],
    models: Vec<LoadedModel>,
    options: &EvalOptions,
    progress: &mut dyn FnMut(EvalProgress),
) -> Result<Evaluation> {
    let Some(first) = drives.first() else {
        return Err(EvalError::NoDrives);
    };
    let started = Instant::now();
    let cameras = first.rig().len();
    let mut evaluator = Evaluator::new(models, cameras);
    let scores = evaluator.score(drives, options, progress)?;
    summarize(
        &scores,
        &evaluation_name(drives),
        started.elapsed().as_secs_f64(),
    )
}

/// Models loaded once and evaluated over drive after drive (of one rig size).
pub struct Evaluator {
    stages: stages::Stages,
    reports: Vec<ModelReport>,
    cameras: usize,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Evaluator")
            .field("models", &self.reports)
            .field("cameras", &self.cameras)
            .finish_non_exhaustive()
    }
}

impl Evaluator {
    /// `models` loaded for rigs of `cameras` cameras ([`crate::load_evaluation_models`]).
    pub fn new(models: Vec<LoadedModel>, cameras: usize) -> Self {
        let reports = model_reports(&models);
        Self {
            stages: stages::split(models),
            reports,
            cameras,
        }
    }

    /// The cameras of the rigs the models batch.
    pub fn cameras(&self) -> usize {
        self.cameras
    }

    /// Scores each drive (fusion and tracking started afresh for each) into its own
    /// [`DriveScores`]; [`summarize`] turns them into figures. `options.limit` applies per
    /// drive; progress counts frame sets across all of them.
    pub fn score(
        &mut self,
        drives: &[Drive],
        options: &EvalOptions,
        progress: &mut dyn FnMut(EvalProgress),
    ) -> Result<Vec<DriveScores>> {
        check_options(options)?;
        if drives.is_empty() {
            return Err(EvalError::NoDrives);
        }
        for drive in drives {
            check_ground_truth(drive, options.limit)?;
            if drive.rig().len() != self.cameras {
                return Err(EvalError::CameraCount {
                    drive: drive.label(),
                    cameras: drive.rig().len(),
                    expected: self.cameras,
                });
            }
        }
        let limited = |drive: &Drive| {
            options.limit.map_or(drive.frame_sets().len(), |limit| {
                limit.min(drive.frame_sets().len())
            })
        };
        let total: usize = drives.iter().map(limited).sum();
        let mut done = 0;
        let mut scores = Vec::with_capacity(drives.len());
        for drive in drives {
            let heads = scored_heads(&self.stages.2, drive, options);
            let (ledger, tally, ego, wall_seconds) = score_drive(
                drive,
                limited(drive),
                &mut self.stages,
                &heads,
                options,
                &mut || {
                    done += 1;
                    progress(EvalProgress { done, total });
                },
            )?;
            scores.push(DriveScores {
                drive: drive.label(),
                wall_seconds,
                models: self.reports.clone(),
                heads,
                ledger,
                tally,
                ego,
            });
        }
        Ok(scores)
    }
}

fn check_options(options: &EvalOptions) -> Result<()> {
    if !(options.pck_alpha.is_finite() && options.pck_alpha > 0.0) {
        return Err(EvalError::Setting {
            setting: "pck_alpha",
            value: options.pck_alpha,
            expected: "a positive fraction of the box diagonal, such as 0.2",
        });
    }
    if !(options.ego_max_distance_m.is_finite() && options.ego_max_distance_m > 0.0) {
        return Err(EvalError::Setting {
            setting: "ego_max_distance_m",
            value: options.ego_max_distance_m,
            expected: "a positive distance in metres, such as 50",
        });
    }
    Ok(())
}

/// Scores the first `total` frame sets of one drive; fusion and tracking start afresh.
fn score_drive(
    drive: &Drive,
    total: usize,
    (preprocessors, engines, decoders, names): &mut stages::Stages,
    heads: &ScoredHeads,
    options: &EvalOptions,
    tick: &mut dyn FnMut(),
) -> Result<(Ledger, Tally, Option<EgoTally>, f64)> {
    let started = Instant::now();
    let settings = &heads.settings;
    stages::expect_rig(preprocessors, drive.rig());
    let mut fusion = stages::start_fusion(drive.rig(), decoders, options.fusion.as_ref())?;
    let mut ego = fusion.as_ref().map(|fusion| EgoScoring {
        tally: EgoTally::new(options.ego_max_distance_m),
        categories: categories_of(drive.segmentation_classes(), &fusion.config().bev),
        aliases: options.aliases.clone(),
    });
    let mut ledger = Ledger::default();
    let mut tally = Tally::default();
    for frame_set in &drive.frame_sets()[..total] {
        let (decoded, truths) = rayon::join(
            // A failure is a per-frame problem, kept as its message.
            || -> std::result::Result<Decoded, String> {
                let prepared =
                    stages::prepare(frame_set.clone(), preprocessors, Vec::new(), Instant::now());
                let inferred =
                    stages::infer(prepared, engines).map_err(|error| error.to_string())?;
                let mut decoded =
                    stages::decode(inferred, decoders, names).map_err(|error| error.to_string())?;
                stages::fuse_if(&mut decoded, fusion.as_mut());
                Ok(decoded)
            },
            || load_truths(frame_set),
        );
        match decoded {
            Ok(decoded) => {
                let scored = score_frame_set(
                    &options.aliases,
                    frame_set,
                    &decoded,
                    &truths,
                    heads,
                    settings,
                );
                ledger.frame_sets += 1;
                ledger.cameras += scored.cameras;
                tally.merge(scored.tally);
                for (camera, message) in scored.problems {
                    ledger.problem(frame_set.index, Some(camera), message);
                }
                if let (Some(ego), Some(fusion)) = (ego.as_mut(), fusion.as_ref()) {
                    if let Err(error) = ego.score(fusion, frame_set, &decoded, &truths) {
                        ledger.problem(frame_set.index, None, error.to_string());
                    }
                }
            }
            Err(message) => ledger.problem(frame_set.index, None, message),
        }
        tick();
    }
    Ok((
        ledger,
        tally,
        ego.map(|ego| ego.tally),
        started.elapsed().as_secs_f64(),
    ))
}

/// Each camera's ground truth, in frame-set order; `None` for cameras without any.
fn load_truths(frame_set: &FrameSet) -> Vec<Option<Result<CameraTruth>>> {
    frame_set
        .frames
        .par_iter()
        .map(|frame| {
            frame
                .frame()
                .and_then(|frame| frame.ground_truth.as_ref())
                .map(CameraTruth::load)
        })
        .collect()
}

#[derive(Debug, Default)]
struct ScoredFrameSet {
    tally: Tally,
    cameras: usize,
    problems: Vec<(String, String)>,
}

fn score_frame_set(
    aliases: &BTreeMap<String, String>,
    frame_set: &FrameSet,
    decoded: &Decoded,
    truths: &[Option<Result<CameraTruth>>],
    heads: &ScoredHeads,
    settings: &TaskSettings,
) -> ScoredFrameSet {
    let images: HashMap<&str, &PendingImage> = decoded
        .images
        .iter()
        .map(|(path, image)| (path.as_str(), image))
        .collect();
    frame_set
        .frames
        .par_iter()
        .zip(truths.par_iter())
        .filter_map(|(frame, truth)| truth.as_ref().map(|truth| (frame, truth)))
        .map(|(frame, truth)| {
            let mut scored = ScoredFrameSet::default();
            let camera = frame.camera().to_string();
            let outcome = match truth {
                Ok(truth) => {
                    let perception = decoded.record.cameras.get(frame.camera());
                    score_camera(aliases, frame, perception, &images, truth, heads, settings)
                        .map_err(|error| error.to_string())
                }
                Err(error) => Err(error.to_string()),
            };
            match outcome {
                Ok(tally) => {
                    scored.tally = tally;
                    scored.cameras = 1;
                }
                Err(message) => scored.problems.push((camera, message)),
            }
            scored
        })
        // Collected in camera order and merged in that order, so float sums are the same on
        // every run (a parallel reduce's tree depends on scheduling).
        .collect::<Vec<_>>()
        .into_iter()
        .fold(ScoredFrameSet::default(), |mut left, right| {
            left.tally.merge(right.tally);
            left.cameras += right.cameras;
            left.problems.extend(right.problems);
            left
        })
}

/// The drive's name for a model class.
pub(crate) fn alias<'a>(aliases: &'a BTreeMap<String, String>, name: &'a str) -> &'a str {
    aliases.get(name).map_or(name, String::as_str)
}

fn score_camera(
    aliases: &BTreeMap<String, String>,
    frame: &CameraFrame,
    perception: Option<&CameraPerception>,
    images: &HashMap<&str, &PendingImage>,
    truth: &CameraTruth,
    heads: &ScoredHeads,
    settings: &TaskSettings,
) -> Result<Tally> {
    let perception = perception.ok_or(EvalError::MissingPrediction { what: "any" })?;
    if let Some(reason) = &perception.missing {
        return Err(EvalError::CameraSkipped {
            camera: frame.camera().to_string(),
            reason: reason.clone(),
        });
    }
    let image = |path: Option<&String>| path.and_then(|path| images.get(path.as_str()).copied());
    let segmentation =
        heads
            .segmentation
            .as_ref()
            .and_then(|head| match image(perception.masks.get(head)) {
                Some(PendingImage::Mask(map)) => Some(map),
                _ => None,
            });
    let depth = match image(perception.depth.as_ref()) {
        Some(PendingImage::Depth(map)) => Some(map),
        _ => None,
    };
    let relabelled: Vec<Detection>;
    let detections = if aliases.is_empty() {
        &perception.detections
    } else {
        relabelled = perception
            .detections
            .iter()
            .map(|detection| Detection {
                label: alias(aliases, &detection.label).to_string(),
                ..detection.clone()
            })
            .collect();
        &relabelled
    };
    let prediction = CameraPrediction {
        detections,
        segmentation,
        depth,
    };
    let mut tally = Tally::default();
    tally.add_camera(&prediction, truth, settings)?;
    Ok(tally)
}
