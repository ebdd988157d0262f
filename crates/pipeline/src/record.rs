//! What one frame set produced: the `perception.jsonl` line (see DESIGN.md's contract).

use panoptes_fusion::EgoObject;
use panoptes_heads::Detection;
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of `perception.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FramePerception {
    /// Frame-set index in the drive.
    pub frame: usize,
    /// The frame set's time, µs.
    pub timestamp_us: u64,
    /// Per camera, by name.
    pub cameras: BTreeMap<String, CameraPerception>,
    /// The objects around the vehicle, each once (fusion on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects_ego: Option<Vec<EgoObject>>,
    /// The bird's-eye-view PNG, relative to the output directory (fusion on, BEV on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bev: Option<String>,
    /// Milliseconds spent per stage on this frame set.
    pub timing_ms: StageTimes,
}

/// One camera's results in one frame set.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CameraPerception {
    /// Capture time, µs (absent when the camera is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_us: Option<u64>,
    /// Detections of every detection head, in original image pixels.
    pub detections: Vec<Detection>,
    /// Segmentation head name → class-id PNG, relative to the output directory.
    pub masks: BTreeMap<String, String>,
    /// 16-bit depth PNG in millimetres, relative to the output directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<String>,
    /// Heatmap keypoint head name → one `[x, y, score]` per keypoint in original image pixels
    /// (`null` where the peak is below the head's threshold).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub keypoints: BTreeMap<String, Vec<Option<[f32; 3]>>>,
    /// Why the camera has no results in this set (missing frame, unreadable image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// The kind of that fault (`camera_missing`, `image_unreadable`, ...), as counted in
    /// `report.json`'s `faults`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<crate::fault::FaultKind>,
    /// Non-finite output values met while decoding (skipped, never reported as boxes).
    #[serde(skip_serializing_if = "is_zero")]
    pub non_finite: usize,
}

fn is_zero(value: &usize) -> bool {
    *value == 0
}

/// Milliseconds per stage for one frame set.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct StageTimes {
    /// Reading, decoding and resizing images into batches.
    pub preprocess: f64,
    /// Model runs.
    pub inference: f64,
    /// Head decoding.
    pub decode: f64,
    /// Ego-frame lifting, merge, tracking and the bird's-eye view.
    pub fusion: f64,
    /// Writing masks, depth maps and the JSON line.
    pub write: f64,
    /// From the frame set entering the pipeline to its results being written.
    pub total: f64,
}

impl StageTimes {
    /// The stage names and values, in pipeline order.
    pub fn stages(&self) -> [(&'static str, f64); 6] {
        [
            ("preprocess", self.preprocess),
            ("inference", self.inference),
            ("decode", self.decode),
            ("fusion", self.fusion),
            ("write", self.write),
            ("total", self.total),
        ]
    }
}
