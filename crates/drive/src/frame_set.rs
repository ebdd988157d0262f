//! Synchronized frame sets: one entry per rig camera, present or missing.

use panoptes_preprocess::ImageData;

use crate::ground_truth::{EgoPose, GroundTruth};
use crate::sync::MissingReason;

/// One camera's recorded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Camera name.
    pub camera: String,
    /// Capture time, µs.
    pub timestamp_us: u64,
    /// The image: a file of a recorded drive (absolute path), or bytes handed over by a
    /// caller.
    pub image: ImageData,
    /// Ground truth, when the drive has it.
    pub ground_truth: Option<GroundTruth>,
}

/// A camera's entry in a frame set.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraFrame {
    /// The camera's frame.
    Present(Frame),
    /// The camera has no frame in this set.
    Missing {
        /// Camera name.
        camera: String,
        /// Why.
        reason: MissingReason,
    },
}

impl CameraFrame {
    /// The camera's name.
    pub fn camera(&self) -> &str {
        match self {
            Self::Present(frame) => &frame.camera,
            Self::Missing { camera, .. } => camera,
        }
    }

    /// The frame, when present.
    pub fn frame(&self) -> Option<&Frame> {
        match self {
            Self::Present(frame) => Some(frame),
            Self::Missing { .. } => None,
        }
    }
}

/// Frames of all cameras taken together.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameSet {
    /// Position in the drive, from 0.
    pub index: usize,
    /// The set's time, µs: the nuScenes sample's timestamp, or the earliest frame's.
    pub timestamp_us: u64,
    /// One entry per rig camera, in rig order.
    pub frames: Vec<CameraFrame>,
    /// Ego pose nearest to the set's time, when the drive records poses.
    pub ego_pose: Option<EgoPose>,
}

impl FrameSet {
    /// The entry of a camera.
    pub fn camera(&self, name: &str) -> Option<&CameraFrame> {
        self.frames.iter().find(|frame| frame.camera() == name)
    }

    /// The frames present.
    pub fn present(&self) -> impl Iterator<Item = &Frame> {
        self.frames.iter().filter_map(CameraFrame::frame)
    }

    /// Number of cameras missing.
    pub fn missing(&self) -> usize {
        self.frames.len() - self.present().count()
    }
}

/// The ego pose nearest in time, from poses sorted by time.
pub(crate) fn nearest_pose(poses: &[EgoPose], timestamp_us: u64) -> Option<EgoPose> {
    let after = poses.partition_point(|pose| pose.timestamp_us < timestamp_us);
    let candidates = [after.checked_sub(1), Some(after)];
    candidates
        .into_iter()
        .flatten()
        .filter_map(|position| poses.get(position))
        .min_by_key(|pose| pose.timestamp_us.abs_diff(timestamp_us))
        .copied()
}
