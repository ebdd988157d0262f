//! Faults: what can go wrong with a frame set, counted by kind in `report.json` and the
//! embedding statistics, and a way to inject them (tests, soak runs, a deployment's own checks).

use panoptes_preprocess::PreprocessError;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

/// What went wrong. Each is counted where it happened (a camera of a frame set, a frame set,
/// the run); the kinds are the keys of `faults` in `report.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// A camera has no frame in the set (it stopped, or its frame came too late).
    CameraMissing,
    /// A camera's frame came after its set had gone to the models (embedding; refused).
    FrameLate,
    /// A camera's frame was not after its previous one: a duplicate or out-of-order timestamp
    /// (embedding; refused).
    TimestampNotAfterPrevious,
    /// The image cannot be read or decoded (truncated or corrupt file, bad raw buffer).
    ImageUnreadable,
    /// The image's size is not the one its camera is calibrated for.
    ImageWrongSize,
    /// The image is larger than the limits allow (refused before its pixels are allocated).
    ImageTooLarge,
    /// A model's outputs held NaN or infinite values (skipped; the rest was decoded).
    OutputNotFinite,
    /// A model run failed (retried once; counted even when the retry succeeded).
    InferenceFailed,
    /// A model's outputs could not be decoded (their shape disagrees with the manifest).
    DecodeFailed,
    /// A stage panicked on this frame set; the pipeline went on with the next one.
    StagePanicked,
    /// Writing an output failed; the run stopped.
    SinkFailed,
    /// A stage took longer than the stage timeout on one frame set; the run stopped.
    StageStuck,
    /// The run was asked to stop (Ctrl-C) before the end of its input.
    Interrupted,
}

impl FaultKind {
    /// Every kind, in declaration order (the C ABI's `PanoptesFaultKind` numbers them so).
    pub const ALL: [Self; 13] = [
        Self::CameraMissing,
        Self::FrameLate,
        Self::TimestampNotAfterPrevious,
        Self::ImageUnreadable,
        Self::ImageWrongSize,
        Self::ImageTooLarge,
        Self::OutputNotFinite,
        Self::InferenceFailed,
        Self::DecodeFailed,
        Self::StagePanicked,
        Self::SinkFailed,
        Self::StageStuck,
        Self::Interrupted,
    ];

    /// The kind a pre-processing error is.
    pub fn of_preprocess(error: &PreprocessError) -> Self {
        match error {
            PreprocessError::MissingImage { .. } => Self::CameraMissing,
            PreprocessError::WrongSize { .. } => Self::ImageWrongSize,
            PreprocessError::TooLarge { .. } => Self::ImageTooLarge,
            _ => Self::ImageUnreadable,
        }
    }

    /// The name used in reports (`camera_missing`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::CameraMissing => "camera_missing",
            Self::FrameLate => "frame_late",
            Self::TimestampNotAfterPrevious => "timestamp_not_after_previous",
            Self::ImageUnreadable => "image_unreadable",
            Self::ImageWrongSize => "image_wrong_size",
            Self::ImageTooLarge => "image_too_large",
            Self::OutputNotFinite => "output_not_finite",
            Self::InferenceFailed => "inference_failed",
            Self::DecodeFailed => "decode_failed",
            Self::StagePanicked => "stage_panicked",
            Self::SinkFailed => "sink_failed",
            Self::StageStuck => "stage_stuck",
            Self::Interrupted => "interrupted",
        }
    }
}

impl Serialize for FaultKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// One fault met on the way, with what was said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Its kind.
    pub kind: FaultKind,
    /// What happened, for people.
    pub message: String,
}

impl Fault {
    /// A fault of `kind`.
    pub fn new(kind: FaultKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl From<&PreprocessError> for Fault {
    fn from(error: &PreprocessError) -> Self {
        Self::new(FaultKind::of_preprocess(error), error.to_string())
    }
}

/// The faults a frame set's results carry: each camera's (missing, unreadable, wrong size,
/// NaN outputs skipped) with its name, then those survived on the way (a retried model run).
pub(crate) fn result_faults(
    record: &crate::record::FramePerception,
    survived: &[Fault],
) -> Vec<(Option<String>, Fault)> {
    let mut faults = Vec::new();
    for (camera, entry) in &record.cameras {
        if let Some(reason) = &entry.missing {
            let kind = entry.fault.unwrap_or(FaultKind::CameraMissing);
            faults.push((Some(camera.clone()), Fault::new(kind, reason.clone())));
        }
        if entry.non_finite > 0 {
            let message = format!(
                "{} NaN or infinite output values skipped while decoding",
                entry.non_finite
            );
            let fault = Fault::new(FaultKind::OutputNotFinite, message);
            faults.push((Some(camera.clone()), fault));
        }
    }
    faults.extend(survived.iter().map(|fault| (None, fault.clone())));
    faults
}

/// Where a fault can be injected into a running pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InjectionPoint {
    /// Before a frame set is pre-processed.
    Preprocess,
    /// Around each model run of a frame set.
    Inference,
    /// Before a frame set's outputs are decoded and fused.
    Decode,
    /// Before a frame set's results are written (replay only).
    Write,
}

/// What an injector makes happen at an [`InjectionPoint`].
#[derive(Debug, Clone, PartialEq)]
pub enum Injected {
    /// The step fails with this message (a model run that fails; elsewhere a panic).
    Fail(String),
    /// The step panics with this message.
    Panic(String),
    /// The step takes this much longer (a stuck stage, once past the stage timeout).
    Stall(Duration),
    /// Every model output of the frame set is replaced by NaN (inference only).
    NotFinite,
}

/// Decides, per frame set and point, what to inject. Called on the stage threads; must be
/// cheap and must not block.
pub trait FaultInjector: Send + Sync + std::fmt::Debug {
    /// What to inject at `point` for frame set `frame` (its index), if anything.
    fn inject(&self, point: InjectionPoint, frame: usize) -> Option<Injected>;
}

/// A fixed list of faults, each injected the first time its point and frame set are reached
/// (so a failed model run succeeds when retried).
#[derive(Debug, Default)]
pub struct FaultPlan {
    planned: Vec<(InjectionPoint, usize, Injected)>,
    fired: Mutex<BTreeSet<usize>>,
}

impl FaultPlan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `fault` at `point` for frame set `frame`.
    #[must_use]
    pub fn with(mut self, point: InjectionPoint, frame: usize, fault: Injected) -> Self {
        self.planned.push((point, frame, fault));
        self
    }
}

impl FaultInjector for FaultPlan {
    fn inject(&self, point: InjectionPoint, frame: usize) -> Option<Injected> {
        let position = self
            .planned
            .iter()
            .position(|(at, on, _)| *at == point && *on == frame)?;
        let mut fired = self.fired.lock().ok()?;
        fired
            .insert(position)
            .then(|| self.planned[position].2.clone())
    }
}

/// The message of a caught panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Runs `body`, turning a panic into its message.
pub(crate) fn catch<T>(body: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .map_err(|payload| panic_message(payload.as_ref()))
}

/// Carries out what does not need the step's own data: panics and stalls. Returns a failure
/// message for the caller to turn into its step's error.
pub(crate) fn apply(
    injector: Option<&dyn FaultInjector>,
    point: InjectionPoint,
    frame: usize,
) -> Option<Injected> {
    match injector?.inject(point, frame)? {
        Injected::Panic(message) => panic!("{message}"),
        // Only a model run has an error path of its own; elsewhere a failure is a panic.
        Injected::Fail(message) if point != InjectionPoint::Inference => panic!("{message}"),
        Injected::NotFinite if point != InjectionPoint::Inference => None,
        Injected::Stall(duration) => {
            std::thread::sleep(duration);
            None
        }
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planned_fault_fires_once() {
        let plan = FaultPlan::new().with(
            InjectionPoint::Inference,
            3,
            Injected::Fail("boom".to_owned()),
        );
        assert_eq!(plan.inject(InjectionPoint::Inference, 2), None);
        assert_eq!(plan.inject(InjectionPoint::Decode, 3), None);
        assert_eq!(
            plan.inject(InjectionPoint::Inference, 3),
            Some(Injected::Fail("boom".to_owned()))
        );
        assert_eq!(plan.inject(InjectionPoint::Inference, 3), None);
    }

    #[test]
    fn every_kind_is_listed_once_in_order() {
        let mut sorted = FaultKind::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted,
            FaultKind::ALL,
            "ALL is in declaration order, each once"
        );
        // A kind added to the enum without ALL fails to compile here.
        for kind in FaultKind::ALL {
            match kind {
                FaultKind::CameraMissing
                | FaultKind::FrameLate
                | FaultKind::TimestampNotAfterPrevious
                | FaultKind::ImageUnreadable
                | FaultKind::ImageWrongSize
                | FaultKind::ImageTooLarge
                | FaultKind::OutputNotFinite
                | FaultKind::InferenceFailed
                | FaultKind::DecodeFailed
                | FaultKind::StagePanicked
                | FaultKind::SinkFailed
                | FaultKind::StageStuck
                | FaultKind::Interrupted => assert!(!kind.name().is_empty()),
            }
        }
    }

    #[test]
    fn panics_become_their_messages() {
        assert_eq!(
            catch(|| panic!("at {}", 3)),
            Err::<(), _>("at 3".to_owned())
        );
        assert_eq!(catch(|| 4), Ok(4));
    }
}
