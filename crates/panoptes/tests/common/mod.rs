//! Shared helpers of the end-to-end tests.
#![allow(dead_code, clippy::unwrap_used)]

use panoptes_preprocess::{ImageSource, PixelTransform, Preprocessor};
use panoptes_runtime::Manifest;
use std::path::PathBuf;

pub fn zoo(name: &str) -> PathBuf {
    panoptes_fixtures::workspace_root()
        .join("models/zoo")
        .join(name)
}

pub fn yolox_weights() -> Option<PathBuf> {
    panoptes_fixtures::real("models/yolox-nano/yolox_nano_416x416.onnx")
}

pub fn twinlitenet_weights() -> Option<PathBuf> {
    panoptes_fixtures::real("models/twinlitenet/twinlitenet_dynbatch.onnx")
}

/// The six nuScenes frames in the fixture's camera order.
pub fn nuscenes_frames() -> Option<Vec<PathBuf>> {
    panoptes_fixtures::NUSCENES_CAMERAS
        .iter()
        .map(|camera| panoptes_fixtures::nuscenes_frame(camera))
        .collect()
}

/// Pre-processes `frames` as `manifest` says; returns the pre-processor (holding the batch) and
/// each camera's transform.
pub fn preprocess(manifest: &Manifest, frames: &[PathBuf]) -> (Preprocessor, Vec<PixelTransform>) {
    let layout = panoptes_pipeline::input_layout(manifest).unwrap();
    let mut preprocessor = Preprocessor::new(layout, frames.len()).unwrap();
    let sources: Vec<ImageSource<'_>> = frames.iter().map(|path| ImageSource::File(path)).collect();
    let transforms = preprocessor
        .preprocess(&sources)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    (preprocessor, transforms)
}

/// The `box_xywh` of a detection written as JSON.
pub fn json_box(detection: &serde_json::Value) -> [f32; 4] {
    let values: Vec<f32> = detection["box_xywh"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    [values[0], values[1], values[2], values[3]]
}

/// Intersection over union of two `[x, y, w, h]` boxes.
pub fn iou(first: [f32; 4], second: [f32; 4]) -> f32 {
    let left = first[0].max(second[0]);
    let top = first[1].max(second[1]);
    let right = (first[0] + first[2]).min(second[0] + second[2]);
    let bottom = (first[1] + first[3]).min(second[1] + second[3]);
    let inter = (right - left).max(0.0) * (bottom - top).max(0.0);
    inter / (first[2] * first[3] + second[2] * second[3] - inter)
}
