//! The evaluation report and the ledger of per-frame problems.

use crate::depth::DepthMetrics;
use crate::detection::DetectionMetrics;
use crate::ego_metrics::EgoMetrics;
use crate::pose::PoseMetrics;
use crate::segmentation::SegmentationMetrics;
use panoptes_pipeline::ModelReport;
use serde::Serialize;

/// Most per-frame problems listed in the report (all are counted).
pub(crate) const LISTED_PROBLEMS: usize = 100;

/// A camera frame that could not be scored.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct EvalProblem {
    /// Frame-set index.
    pub frame: usize,
    /// The camera, when one camera is concerned.
    pub camera: Option<String>,
    /// What went wrong.
    pub message: String,
}

/// The report: `panoptes eval --json` writes it as is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The drive directory.
    pub drive: String,
    /// The models evaluated together.
    pub models: Vec<ModelReport>,
    /// Frame sets scored.
    pub frame_sets: usize,
    /// Camera frames scored.
    pub cameras: usize,
    /// Detection AP; null when no model has a detection head.
    pub detection: Option<DetectionMetrics>,
    /// Segmentation IoU; null when no model has a segmentation head.
    pub segmentation: Option<SegmentationMetrics>,
    /// Depth errors; null when no model has a depth head.
    pub depth: Option<DepthMetrics>,
    /// Keypoint PCK; null when no detection head predicts keypoints.
    pub pose: Option<PoseMetrics>,
    /// Ego-frame metrics of the fused objects; null when fusion is off or the drive has no 3D
    /// boxes (cuboids).
    pub ego: Option<EgoMetrics>,
    /// Camera frames or frame sets that could not be scored.
    pub errors: usize,
    /// The first of them.
    pub problems: Vec<EvalProblem>,
    /// Seconds for the whole evaluation.
    pub wall_seconds: f64,
    /// Each scene's own figures, when several drives (nuScenes scenes) were evaluated
    /// together; empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenes: Vec<Evaluation>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub(crate) struct Ledger {
    pub frame_sets: usize,
    pub cameras: usize,
    pub errors: usize,
    pub problems: Vec<EvalProblem>,
}

impl Ledger {
    pub fn problem(&mut self, frame: usize, camera: Option<String>, message: String) {
        self.errors += 1;
        if self.problems.len() < LISTED_PROBLEMS {
            self.problems.push(EvalProblem {
                frame,
                camera,
                message,
            });
        }
    }
}
