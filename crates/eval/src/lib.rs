//! Standard metrics of models against a drive's ground truth.
//!
//! [`evaluate`] runs the replay pipeline's own stages (prepare → infer → decode → fuse) over a
//! drive, keeps the results in memory, and scores every camera frame that has ground truth:
//!
//! - detection: AP at IoU 0.5 per class ([`average_precision`], all-point interpolation) and
//!   their mean over classes with ground truth; a prediction matches a box whose class name
//!   equals its label. Ground-truth boxes hidden more than 90 % or smaller than 8 × 8 pixels
//!   ([`IgnoreRule`]) are neither positives nor, when matched, false positives;
//! - segmentation: one [`ConfusionMatrix`] over all pixels; the model's classes map onto the
//!   drive's `segmentation_classes` by name; ground-truth `void` pixels are left out; mIoU over
//!   classes present in ground truth or prediction;
//! - depth: AbsRel, δ < 1.25 and RMSE over pixels with ground truth (> 0 mm) up to the depth
//!   head's `max_depth`;
//! - pose: PCK at 0.2 × the ground-truth box diagonal over visible keypoints of people matched
//!   by box IoU ≥ 0.5 (unmatched people's keypoints are misses).
//!
//! and, when fusion is on, every frame set's fused objects (`objects_ego`) against the union of
//! its cameras' 3D boxes (cuboids) by instance, both left out beyond
//! [`EvalOptions::ego_max_distance_m`] (50 m) from the ego origin ([`EgoTally`]):
//!
//! - ego detection: nuScenes AP with centre-distance matching on the ground (x, y) at 0.5, 1, 2
//!   and 4 m ([`nuscenes_average_precision`]: precision at 101 recall points, recall ≤ 0.1
//!   dropped, precision 0.1 subtracted); per class the mean over thresholds, and its mean over
//!   classes with truth (mAP);
//! - position error: truth matched to predictions of its class, nearest pairs first, within
//!   2 m + 0.2 × the truth distance ([`position_gate`]); the median of error / truth distance
//!   within 40 m, per 10 m band, and by lifting method (ground plane or depth head);
//! - duplicates: matched truth objects with another, unmatched prediction of their class within
//!   the gate; "camera overlap" when that one was not seen by the match's best-placed camera
//!   (two cameras' views of one object not merged);
//! - id switches: a truth object matched to a prediction whose track id differs from the one
//!   matched to it last; per 100 distinct truth objects matched;
//! - bird's-eye view: IoU of the drivable and object cells against a grid made the same way
//!   from the ground-truth segmentation with the truth footprints drawn ([`truth_bev`]),
//!   Σ both / Σ either over frame sets.
//!
//! The metric tallies ([`Tally`] and its parts, [`EgoTally`]) work on in-memory predictions and
//! ground truth, merge, and are what the tests exercise with known answers.
//!
//! An [`Evaluator`] keeps the models loaded from one drive to the next and returns each
//! drive's tallies as [`DriveScores`], plain data that crosses processes as JSON; [`summarize`]
//! counts any list of them together, with the same figures as one [`evaluate_scenes`] over
//! those drives in that order (how a fleet of drives is scored on a cluster).

mod camera;
mod depth;
mod detection;
mod ego;
mod ego_ap;
mod ego_frame;
mod ego_metrics;
mod error;
mod models;
mod pose;
mod report;
mod run;
mod scores;
mod segmentation;

pub use camera::{CameraPrediction, CameraTruth, Tally, TaskSettings};
pub use depth::{DepthMetrics, DepthTally, DELTA};
pub use detection::{
    average_precision, box_iou, ClassCounts, DetectionMetrics, DetectionTally, IgnoreRule,
    MATCH_IOU,
};
pub use ego::{
    position_gate, truth_bev, union_by_instance, EgoTally, AP_THRESHOLDS_M, BEV_CATEGORIES,
    DEFAULT_EGO_MAX_DISTANCE_M, POSITION_GATE_FRACTION, POSITION_GATE_M,
};
pub use ego_ap::{
    nuscenes_average_precision, EgoClassMetrics, EgoDetectionMetrics, AP_MIN_PRECISION,
    AP_MIN_RECALL,
};
pub use ego_metrics::{
    BevIou, BevMetrics, DuplicateMetrics, EgoMetrics, ErrorBand, ErrorSummary, IdSwitchMetrics,
    PositionErrorMetrics, POSITION_BANDS, POSITION_BAND_M, POSITION_RANGE_M,
};
pub use error::{EvalError, Result};
pub use models::load_evaluation_models;
pub use pose::{PoseMetrics, PoseTally, DEFAULT_PCK_ALPHA};
pub use report::{EvalProblem, Evaluation};
pub use run::{
    check_ground_truth, evaluate, evaluate_scenes, EvalOptions, EvalProgress, Evaluator,
};
pub use scores::{evaluation_name, summarize, DriveScores};
pub use segmentation::{ClassMapping, ConfusionMatrix, SegmentationMetrics, VOID_CLASS};
