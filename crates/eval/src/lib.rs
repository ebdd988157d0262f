//! Standard metrics of models against a drive's ground truth.
//!
//! [`evaluate`] runs the replay pipeline's own stages (prepare → infer → decode) over a drive,
//! keeps the decoded results in memory, and scores every camera frame that has ground truth:
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
//! The metric tallies ([`Tally`] and its parts) work on in-memory predictions and ground truth,
//! merge in any order, and are what the tests exercise with known answers.

mod camera;
mod depth;
mod detection;
mod error;
mod models;
mod pose;
mod report;
mod run;
mod segmentation;

pub use camera::{CameraPrediction, CameraTruth, Tally, TaskSettings};
pub use depth::{DepthMetrics, DepthTally, DELTA};
pub use detection::{
    average_precision, box_iou, ClassCounts, DetectionMetrics, DetectionTally, IgnoreRule,
    MATCH_IOU,
};
pub use error::{EvalError, Result};
pub use models::load_evaluation_models;
pub use pose::{PoseMetrics, PoseTally, DEFAULT_PCK_ALPHA};
pub use report::{EvalProblem, Evaluation};
pub use run::{check_ground_truth, evaluate, EvalOptions, EvalProgress};
pub use segmentation::{ClassMapping, ConfusionMatrix, SegmentationMetrics, VOID_CLASS};
