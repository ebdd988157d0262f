//! The pipeline crate's error type.

use std::path::PathBuf;

/// Start-up and sink errors. Per-frame problems are not errors: they are counted and reported.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Loading or running a model.
    #[error(transparent)]
    Runtime(#[from] panoptes_runtime::RuntimeError),
    /// A manifest table read by pre-processing or decoding is wrong.
    #[error("{path}: {section}: {message}")]
    Manifest {
        path: PathBuf,
        section: String,
        message: String,
    },
    /// The drive cannot be read.
    #[error(transparent)]
    Drive(Box<panoptes_drive::DriveError>),
    /// Two models give heads the same name, so their outputs would overwrite each other.
    #[error("head `{head}` is defined by both {first} and {second}. Fix: rename one of them in its manifest")]
    HeadNameClash {
        head: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// A model's outputs cannot be decoded (shape disagrees with its manifest).
    #[error("{model}: {source}")]
    Decode {
        model: String,
        #[source]
        source: Box<panoptes_heads::HeadsError>,
    },
    /// The ego-frame fusion settings are wrong.
    #[error(transparent)]
    Fusion(#[from] panoptes_fusion::FusionError),
    /// Writing an output failed.
    #[error("cannot write {path}: {message}")]
    Sink { path: PathBuf, message: String },
    /// A stage thread panicked; the pipeline stopped.
    #[error("the {stage} stage failed: {message}; the pipeline has stopped")]
    StageFailed {
        /// The stage (pre-processing, inference worker N, decoding).
        stage: String,
        /// Its panic message.
        message: String,
    },
    /// A fault injected by a [`crate::FaultInjector`] (testing how faults are handled).
    #[error("injected fault in {point}: {message}")]
    Injected {
        /// Where it was injected.
        point: &'static str,
        /// Its message.
        message: String,
    },
    /// A stage spent longer than the stage timeout on one frame set; the pipeline stopped.
    #[error("the {stage} stage is stuck: frame set {frame} has taken {seconds:.1} s, more than the stage timeout of {timeout:.1} s; the pipeline has stopped")]
    StageStuck {
        /// The stage.
        stage: String,
        /// The frame set it is on.
        frame: usize,
        /// How long it has been on it.
        seconds: f64,
        /// The stage timeout.
        timeout: f64,
    },
    /// A run stopped before the end of its input; what it produced before is written, and
    /// its report says why it stopped (unless writing the report failed too).
    #[error("{error}; stopped after {written} of {offered} frame sets, {kept}")]
    RunStopped {
        /// What stopped it.
        error: Box<PipelineError>,
        /// Frame sets written before.
        written: usize,
        /// Frame sets it had to give.
        offered: usize,
        /// Where what it produced is, or why its report could not be written.
        kept: String,
    },
    /// The pipeline was configured inconsistently.
    #[error("{0}")]
    Configuration(String),
}

impl From<panoptes_drive::DriveError> for PipelineError {
    fn from(error: panoptes_drive::DriveError) -> Self {
        Self::Drive(Box::new(error))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = PipelineError> = std::result::Result<T, E>;
