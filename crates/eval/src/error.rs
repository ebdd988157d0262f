//! The eval crate's error type.

use std::path::PathBuf;

/// Why an evaluation cannot run. Per-frame problems (an unreadable ground-truth PNG, a size
/// mismatch) are not errors: they are counted and listed in the [`crate::Evaluation`].
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// No drive was given.
    #[error("no drive to evaluate: give a drive directory or a nuScenes dataroot with scenes")]
    NoDrives,
    /// The drive holds no ground truth in the frame sets asked for.
    #[error("{drive} has no ground truth in its first {frame_sets} frame sets: nothing to evaluate. Fix: evaluate a drive written with ground truth (for example by `panoptes sim`)")]
    NoGroundTruth {
        /// The drive directory.
        drive: PathBuf,
        /// Frame sets looked at.
        frame_sets: usize,
    },
    /// A ground-truth image cannot be read or has the wrong pixel type.
    #[error("{path}: {message}")]
    GroundTruthImage {
        /// The PNG.
        path: PathBuf,
        /// What is wrong, and what was expected.
        message: String,
    },
    /// A prediction and its ground truth do not have the same size.
    #[error("{what}: prediction is {predicted_width}×{predicted_height}, ground truth {truth_width}×{truth_height}")]
    SizeMismatch {
        /// Which map (segmentation, depth).
        what: &'static str,
        /// Prediction width.
        predicted_width: usize,
        /// Prediction height.
        predicted_height: usize,
        /// Ground-truth width.
        truth_width: usize,
        /// Ground-truth height.
        truth_height: usize,
    },
    /// The predicted and the truth bird's-eye views are not the same grid.
    #[error("bird's-eye view: prediction is {predicted_side}×{predicted_side} cells of {predicted_cell_m} m, ground truth {truth_side}×{truth_side} of {truth_cell_m} m")]
    BevMismatch {
        /// Cells along a side of the prediction.
        predicted_side: usize,
        /// Its cell size, metres.
        predicted_cell_m: f64,
        /// Cells along a side of the truth.
        truth_side: usize,
        /// Its cell size, metres.
        truth_cell_m: f64,
    },
    /// Fusion made no bird's-eye view for a frame set whose cameras have segmentation truth.
    #[error("no bird's-eye view prediction for a frame set with segmentation ground truth")]
    MissingBev,
    /// The ground truth has a map the models did not produce for this camera.
    #[error("no {what} prediction for a camera frame that has {what} ground truth")]
    MissingPrediction {
        /// Which map (segmentation, depth).
        what: &'static str,
    },
    /// The models produced nothing for a camera (missing frame, unreadable image).
    #[error("{camera}: no prediction ({reason})")]
    CameraSkipped {
        /// The camera.
        camera: String,
        /// Why, as the pipeline reported it.
        reason: String,
    },
    /// No model to evaluate.
    #[error("no model given. Fix: pass --model MANIFEST.toml")]
    NoModel,
    /// Two models give heads the same name.
    #[error("head `{head}` is defined by both {first} and {second}. Fix: rename one of them in its manifest")]
    HeadNameClash {
        /// The head name.
        head: String,
        /// The first manifest.
        first: PathBuf,
        /// The second manifest.
        second: PathBuf,
    },
    /// A manifest's heads cannot be rebuilt with the evaluation's settings.
    #[error("{manifest}: {source}")]
    Heads {
        /// The manifest.
        manifest: PathBuf,
        /// Why (boxed: the heads' error is large).
        #[source]
        source: Box<panoptes_heads::HeadsError>,
    },
    /// A setting is out of range.
    #[error("{setting} = {value}: {expected}")]
    Setting {
        /// The setting.
        setting: &'static str,
        /// Its value.
        value: f64,
        /// What it must be.
        expected: &'static str,
    },
    /// Drives scored apart cannot be counted together.
    #[error("{first} and {other} were scored with different {what}: their figures cannot be merged. Fix: evaluate them with the same models and settings, and drives with the same classes")]
    Incompatible {
        /// The first drive.
        first: String,
        /// The drive that differs from it.
        other: String,
        /// What differs (models, scored heads and classes, ego distance cut).
        what: &'static str,
    },
    /// A drive's camera count differs from the one the models were loaded for.
    #[error("{drive} has {cameras} cameras; the models were loaded for {expected}. Fix: evaluate rigs of another size with models loaded for them")]
    CameraCount {
        /// The drive.
        drive: String,
        /// Its cameras.
        cameras: usize,
        /// The cameras the models batch.
        expected: usize,
    },
    /// Stored scores cannot be read back.
    #[error("scores of a drive cannot be read: {0}. Fix: pass the `scores` that an evaluation of this Panoptes version produced")]
    Scores(String),
    /// Loading or running the models failed (boxed: the pipeline's error is large).
    #[error(transparent)]
    Pipeline(Box<panoptes_pipeline::PipelineError>),
}

impl From<panoptes_pipeline::PipelineError> for EvalError {
    fn from(error: panoptes_pipeline::PipelineError) -> Self {
        Self::Pipeline(Box::new(error))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;
