//! Graphs exported by the tools people train with (models/exports, made by its recipe.py),
//! decoded by Panoptes and compared with those tools' own post-processing, stored in
//! models/exports/reference: on the same input tensor, detections within IoU 0.99 and score
//! 1e-4, keypoints within 0.5 px, masks (instance and semantic) on at least 99.5 % of their
//! pixels. The references also hold the tool's whole pipeline from the JPEG
//! (`own_preprocessing`: OpenCV's decode and the tool's letterbox); each side's boxes scoring
//! clear of the threshold (by 0.1: a box near the threshold, or its neighbour in suppression,
//! appears on one side only under any pre-processing difference) have a box of the same class on the other side at IoU ≥ 0.9.
//! Skipped with a notice without ../shared.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use panoptes_heads::{CameraInput, Detection, HeadConfig, HeadOutput, InstanceMask};
use panoptes_runtime::{Engine, Manifest};
use serde_json::Value;
use std::path::PathBuf;

const CAMERAS: [&str; 3] = ["CAM_FRONT", "CAM_BACK", "CAM_FRONT_LEFT"];

fn exports(name: &str) -> PathBuf {
    panoptes_fixtures::workspace_root()
        .join("models/exports")
        .join(name)
}

/// Boxes scoring within this of the threshold are not expected on both sides of two
/// pre-processings.
const BORDERLINE: f32 = 0.1;

/// Every camera's decoded heads, by camera, the reference, and the detection head's threshold.
fn decode(model: &str) -> Option<(Vec<panoptes_heads::CameraResults>, Value, f32)> {
    let frames: Vec<PathBuf> = CAMERAS
        .iter()
        .map(|camera| panoptes_fixtures::nuscenes_frame(camera))
        .collect::<Option<_>>()?;
    let manifest = Manifest::load(&exports(&format!("{model}.toml")), None).unwrap();
    let (preprocessor, transforms) = common::preprocess(&manifest, &frames);
    let mut decoder = panoptes_pipeline::decoder(&manifest).unwrap();
    let threshold = decoder
        .heads()
        .iter()
        .find_map(|head| match head {
            HeadConfig::Detection(config) | HeadConfig::InstanceSegmentation(config) => {
                Some(config.score_threshold)
            }
            _ => None,
        })
        .unwrap();
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
    Some((
        results,
        serde_json::from_str(&reference).unwrap(),
        threshold,
    ))
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

/// A mask stored as JSON (`rectangle`, `counts`: the layout Panoptes writes).
fn json_mask(value: &Value) -> InstanceMask {
    let numbers = |key: &str| -> Vec<u64> {
        value[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    let rectangle = numbers("rectangle");
    InstanceMask {
        rectangle: [0, 1, 2, 3].map(|i| rectangle[i] as usize),
        counts: numbers("counts").into_iter().map(|c| c as u32).collect(),
    }
}

/// Pixels where two masks disagree, and pixels either covers.
fn mask_difference(first: &InstanceMask, second: &InstanceMask) -> (usize, usize) {
    let mut on = std::collections::HashMap::<(usize, usize), u8>::new();
    for (bit, mask) in [(1_u8, first), (2, second)] {
        for (y, start, end) in mask.spans() {
            for x in start..end {
                *on.entry((y, x)).or_default() |= bit;
            }
        }
    }
    let differ = on.values().filter(|bits| **bits != 3).count();
    (differ, on.len())
}

/// Pixels of an instance mask's box where it and the tool's disagree, and the box's pixels.
fn check_instance_mask(label: &str, mine: &InstanceMask, tool: &InstanceMask) -> (usize, usize) {
    let (differ, _) = mask_difference(mine, tool);
    let [_, _, width, height] = mine.rectangle;
    let area = width * height;
    assert!(
        differ as f64 <= 0.005 * area as f64,
        "{label}: the masks differ on {differ} of the box's {area} pixels"
    );
    (differ, area)
}

/// Same tensor: one-to-one, IoU ≥ 0.99, score within 1e-4, keypoints within 0.5 px, masks on
/// ≥ 99.5 % of their box's pixels; returns the masks' differing and compared pixels.
fn check_same_tensor(
    model: &str,
    camera: &str,
    found: &[&Detection],
    expected: &[Value],
) -> (usize, usize) {
    let mut masks = (0, 0);
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
        if let Some(mask) = entry.get("mask") {
            let label = format!(
                "{model} {camera} {entry_box:?}",
                entry_box = common::json_box(entry)
            );
            let mine = detection
                .mask
                .as_ref()
                .unwrap_or_else(|| panic!("{label}: no mask"));
            let (differ, area) = check_instance_mask(&label, mine, &json_mask(mask));
            masks = (masks.0 + differ, masks.1 + area);
        }
    }
    masks
}

/// Each side doing its own pre-processing: every box scoring at least `clear` on one side has
/// a box of its class on the other at IoU ≥ 0.9; returns the tool's boxes checked.
fn check_own_preprocessing(
    model: &str,
    camera: &str,
    found: &[&Detection],
    tool: &[Value],
    clear: f32,
) -> usize {
    let score = |entry: &Value| entry["score"].as_f64().unwrap() as f32;
    let confident: Vec<Value> = tool.iter().filter(|e| score(e) >= clear).cloned().collect();
    for (entry, best) in pairs(found, &confident) {
        let iou = best.map_or(0.0, |(_, iou)| iou);
        assert!(
            iou >= 0.9,
            "{model} {camera}, own pre-processing: the tool's {entry} has IoU {iou} at best"
        );
    }
    for detection in found.iter().filter(|d| d.score >= clear) {
        let best = tool
            .iter()
            .filter(|entry| entry["class_id"].as_u64() == Some(detection.class_id as u64))
            .map(|entry| common::iou(detection.box_xywh, common::json_box(entry)))
            .fold(0.0_f32, f32::max);
        assert!(
            best >= 0.9,
            "{model} {camera}, own pre-processing: Panoptes' {:?} ({}) has IoU {best} at best",
            detection.box_xywh,
            detection.score
        );
    }
    confident.len()
}

/// A semantic head's class-1 pixels as a mask over the whole image.
fn class_mask(results: &panoptes_heads::CameraResults, head: &str) -> InstanceMask {
    let map = results
        .heads
        .iter()
        .find_map(|result| match &result.output {
            HeadOutput::Segmentation(map) if result.name == head => Some(map),
            _ => None,
        })
        .unwrap();
    let ids = map.ids();
    let (height, width) = ids.dim();
    InstanceMask::from_pixels([0, 0, width, height], ids.iter().map(|&id| id == 1))
}

/// Checks every frame's detections (and masks); returns the instance-mask box pixels and the
/// semantic masks compared.
fn check_detections(model: &str) -> (usize, usize) {
    let Some((results, reference, threshold)) = decode(model) else {
        return (0, 0);
    };
    let clear = threshold + BORDERLINE;
    let mut own = 0;
    let (mut total, mut instance, mut semantic) = (0, (0, 0), 0);
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
        let masks = check_same_tensor(model, camera, &found, &tool("same_tensor"));
        own += check_own_preprocessing(model, camera, &found, &tool("own_preprocessing"), clear);
        instance = (instance.0 + masks.0, instance.1 + masks.1);
        for head in ["drivable", "lanes"] {
            let Some(tool_mask) = images["same_tensor"].get(head) else {
                continue;
            };
            let mine = class_mask(result, head);
            let (differ, covered) = mask_difference(&mine, &json_mask(tool_mask));
            let [_, _, width, height] = mine.rectangle;
            let pixels = width * height;
            assert!(
                differ as f64 <= 0.005 * pixels as f64,
                "{model} {camera} {head}: the masks differ on {differ} of {pixels} pixels"
            );
            eprintln!(
                "{model} {camera} {head}: {differ} of {pixels} pixels differ ({covered} covered by either)"
            );
            semantic += 1;
        }
        total += found.len();
    }
    assert!(
        total >= 30,
        "{model}: only {total} detections on three frames"
    );
    assert!(
        own >= 2,
        "{model}: only {own} boxes clear of the threshold from the tool's own pre-processing"
    );
    eprintln!("{model}: {own} of the tool's boxes clear of the threshold, each matched");
    if instance.1 > 0 {
        eprintln!(
            "{model}: instance masks differ on {} of {} box pixels",
            instance.0, instance.1
        );
    }
    (instance.1, semantic)
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
fn yolo11_seg_export_decodes_masks_as_ultralytics_does() {
    let (pixels, _) = check_detections("yolo11-seg-tiny");
    if panoptes_fixtures::real_root().is_dir() {
        assert!(pixels > 100_000, "only {pixels} mask pixels compared");
    }
}

#[test]
fn yolop_style_multitask_decodes_boxes_and_both_masks_as_its_tools_do() {
    let (_, semantic) = check_detections("multitask-tiny");
    if panoptes_fixtures::real_root().is_dir() {
        assert_eq!(semantic, 6, "two masks on each of three frames");
    }
}
