//! Graphs exported by the tools people train with (models/exports, made by its recipe.py),
//! decoded by Panoptes and compared with those tools' own post-processing, stored in
//! models/exports/reference: on the same input tensor, detections within IoU 0.99 and score
//! 1e-4, keypoints within 0.5 px. The references also hold the tool's whole pipeline from the
//! JPEG (`own_preprocessing`); with random weights those boxes move too much under the small
//! decode and resize differences to be compared at IoU 0.9 (see models/exports/README.md).
//! Skipped with a notice without ../shared.
#![allow(clippy::unwrap_used)]

mod common;

use panoptes_heads::{CameraInput, Detection};
use panoptes_runtime::{Engine, Manifest};
use serde_json::Value;
use std::path::PathBuf;

const CAMERAS: [&str; 3] = ["CAM_FRONT", "CAM_BACK", "CAM_FRONT_LEFT"];

fn exports(name: &str) -> PathBuf {
    panoptes_fixtures::workspace_root()
        .join("models/exports")
        .join(name)
}

/// Every camera's decoded heads, by camera.
fn decode(model: &str) -> Option<(Vec<panoptes_heads::CameraResults>, Value)> {
    let frames: Vec<PathBuf> = CAMERAS
        .iter()
        .map(|camera| panoptes_fixtures::nuscenes_frame(camera))
        .collect::<Option<_>>()?;
    let manifest = Manifest::load(&exports(&format!("{model}.toml")), None).unwrap();
    let (preprocessor, transforms) = common::preprocess(&manifest, &frames);
    let mut decoder = panoptes_pipeline::decoder(&manifest).unwrap();
    let mut engine = Engine::builder(manifest)
        .with_batch_size(frames.len())
        .build()
        .unwrap();
    let outputs = engine.run(preprocessor.batch()).unwrap();
    let outputs: panoptes_heads::HeadOutputs<'_> = outputs.iter().collect();
    let cameras: Vec<CameraInput<'_, '_>> = transforms
        .iter()
        .enumerate()
        .map(|(batch_index, transform)| CameraInput {
            outputs: &outputs,
            batch_index,
            transform: panoptes_pipeline::model_to_image(transform),
        })
        .collect();
    let results = decoder.decode_frame_set(&cameras).unwrap().to_vec();
    let reference = std::fs::read_to_string(exports(&format!("reference/{model}.json"))).unwrap();
    Some((results, serde_json::from_str(&reference).unwrap()))
}

/// Each reference detection paired with Panoptes' best-overlapping one of the same class.
fn pairs<'a>(
    found: &'a [&'a Detection],
    expected: &'a [Value],
) -> impl Iterator<Item = (&'a Value, Option<(&'a Detection, f32)>)> {
    expected.iter().map(move |entry| {
        let class = entry["class_id"].as_u64().unwrap() as usize;
        let wanted = common::json_box(entry);
        let best = found
            .iter()
            .filter(|d| d.class_id == class)
            .map(|d| (*d, common::iou(d.box_xywh, wanted)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        (entry, best)
    })
}

/// Same tensor: one-to-one, IoU ≥ 0.99, score within 1e-4, keypoints within 0.5 px.
fn check_same_tensor(model: &str, camera: &str, found: &[&Detection], expected: &[Value]) {
    assert_eq!(
        found.len(),
        expected.len(),
        "{model} {camera}: {} detections, the tool kept {}",
        found.len(),
        expected.len()
    );
    for (entry, best) in pairs(found, expected) {
        let (detection, iou) =
            best.unwrap_or_else(|| panic!("{model} {camera}: {entry} unmatched"));
        assert!(iou >= 0.99, "{model} {camera}: IoU {iou} for {entry}");
        let score = entry["score"].as_f64().unwrap() as f32;
        assert!(
            (detection.score - score).abs() <= 1e-4,
            "{model} {camera}: score {} vs {score}",
            detection.score
        );
        if let Some(points) = entry.get("keypoints").and_then(Value::as_array) {
            let ours = detection.keypoints.as_ref().unwrap();
            for (point, mine) in points.iter().zip(ours) {
                let [x, y] = [0, 1].map(|i| point[i].as_f64().unwrap() as f32);
                let distance = ((mine[0] - x).powi(2) + (mine[1] - y).powi(2)).sqrt();
                assert!(
                    distance <= 0.5,
                    "{model} {camera}: keypoint {distance} px off"
                );
            }
        }
    }
}

fn check_detections(model: &str) {
    let Some((results, reference)) = decode(model) else {
        return;
    };
    let mut total = 0;
    for (camera, result) in CAMERAS.iter().zip(&results) {
        let images = &reference["images"][camera];
        let found: Vec<&Detection> = result.detections().collect();
        let tool = |key: &str| -> Vec<Value> {
            let value = &images[key];
            let list = value.get("objects").unwrap_or(value);
            // The tools keep boxes that lie wholly in the letterbox padding, clipped to zero
            // height; Panoptes drops them.
            let inside = |entry: &&Value| {
                let [_, _, width, height] = common::json_box(entry);
                width > 0.0 && height > 0.0
            };
            list.as_array()
                .unwrap()
                .iter()
                .filter(inside)
                .cloned()
                .collect()
        };
        check_same_tensor(model, camera, &found, &tool("same_tensor"));
        total += found.len();
    }
    assert!(
        total >= 30,
        "{model}: only {total} detections on three frames"
    );
}

#[test]
fn yolov5_export_decodes_as_yolov5_does() {
    check_detections("yolov5-tiny");
}

#[test]
fn yolov8_export_decodes_as_ultralytics_does() {
    check_detections("yolov8-tiny");
}

#[test]
fn yolo11_export_decodes_as_ultralytics_does() {
    check_detections("yolo11-tiny");
}

#[test]
fn yolo11_pose_export_decodes_keypoints_as_ultralytics_does() {
    check_detections("yolo11-pose-tiny");
}

#[test]
fn yolop_style_multitask_decodes_boxes_and_both_masks_as_its_tools_do() {
    check_detections("multitask-tiny");
}
