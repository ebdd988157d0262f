//! Detection formats with planted rows (known answers), thresholds, NaN rows, JSON fields.
#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_box, assert_close, decode_one, detection_config, identity};
use ndarray::{Array2, Array3, Array5};
use panoptes_heads::{
    DetectionFormat, HeadConfig, HeadOutput, HeadOutputs, InputSize, ModelToImage,
};

const YOLOX_ROWS: usize = 52 * 52 + 26 * 26 + 13 * 13;

fn input_416() -> InputSize {
    InputSize::new(416, 416).unwrap()
}

/// A YOLOX row of `classes` classes at stride-16 cell (5, 3): centre (88, 52), 64 × 32 pixels.
fn planted_yolox(classes: usize) -> Array3<f32> {
    let mut output = Array3::<f32>::zeros((1, YOLOX_ROWS, 5 + classes));
    let row = 52 * 52 + 3 * 26 + 5;
    let values = [0.5, 0.25, 4.0_f32.ln(), 2.0_f32.ln(), 0.9];
    for (column, value) in values.into_iter().enumerate() {
        output[[0, row, column]] = value;
    }
    output[[0, row, 5 + 2]] = 0.8;
    output[[0, row, 5 + 1]] = 0.1;
    output
}

#[test]
fn yolox_planted_box_maps_through_the_letterbox() {
    let output = planted_yolox(3);
    let outputs: HeadOutputs<'_> = [("output", output.view().into_dyn())].into_iter().collect();
    let transform = ModelToImage::letterbox(input_416(), 1600, 900, false).unwrap();
    let config = detection_config(DetectionFormat::Yolox, 3);
    let results = decode_one(
        HeadConfig::Detection(config),
        input_416(),
        &outputs,
        transform,
    );
    let detections: Vec<_> = results.detections().collect();
    assert_eq!(detections.len(), 1, "{detections:?}");
    let detection = detections[0];
    assert_eq!(
        (detection.class_id, detection.label.as_str()),
        (2, "class_2")
    );
    assert_close(detection.score, 0.72, 1e-5, "score");
    let ratio = 0.26; // min(416 / 1600, 416 / 900)
    assert_box(
        detection.box_xywh,
        [56.0 / ratio, 36.0 / ratio, 64.0 / ratio, 32.0 / ratio],
        1e-2,
    );
    assert_eq!(detection.keypoints, None);
}

#[test]
fn non_finite_rows_are_skipped_and_counted() {
    let mut output = planted_yolox(3);
    // Three broken rows with high objectness, one NaN objectness; none may become a box.
    for (row, column) in [(10, 0), (11, 3), (12, 6)] {
        output[[0, row, 4]] = 0.9;
        output[[0, row, 5]] = 0.9;
        output[[0, row, column]] = f32::NAN;
    }
    output[[0, 13, 4]] = f32::INFINITY;
    output[[0, 14, 2]] = 1.0e30; // exp overflows to +inf: skipped as well
    output[[0, 14, 4]] = 0.9;
    output[[0, 14, 5]] = 0.9;
    let outputs: HeadOutputs<'_> = [("output", output.view().into_dyn())].into_iter().collect();
    let config = detection_config(DetectionFormat::Yolox, 3);
    let results = decode_one(
        HeadConfig::Detection(config),
        input_416(),
        &outputs,
        identity(input_416()),
    );
    assert_eq!(results.heads[0].non_finite, 5);
    let detections: Vec<_> = results.detections().collect();
    assert_eq!(detections.len(), 1);
    assert!(detections
        .iter()
        .all(|d| d.box_xywh.iter().all(|v| v.is_finite())));
}

#[test]
fn threshold_and_max_detections_limit_the_output() {
    let mut output = Array3::<f32>::zeros((1, YOLOX_ROWS, 6));
    // Ten separate boxes on the stride-8 grid, scores 0.1 … 1.0.
    for index in 0..10 {
        let row = index * 5;
        output[[0, row, 4]] = 1.0;
        output[[0, row, 5]] = (index + 1) as f32 / 10.0;
    }
    let outputs: HeadOutputs<'_> = [("output", output.view().into_dyn())].into_iter().collect();
    let mut config = detection_config(DetectionFormat::Yolox, 1);
    config.score_threshold = 0.45;
    let all = decode_one(
        HeadConfig::Detection(config.clone()),
        input_416(),
        &outputs,
        identity(input_416()),
    );
    let scores: Vec<f32> = all.detections().map(|d| d.score).collect();
    assert_eq!(scores, [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]);
    config.max_detections = 2;
    let limited = decode_one(
        HeadConfig::Detection(config),
        input_416(),
        &outputs,
        identity(input_416()),
    );
    let scores: Vec<f32> = limited.detections().map(|d| d.score).collect();
    assert_eq!(scores, [1.0, 0.9]);
}

fn sigmoid_inverse(probability: f32) -> f32 {
    (probability / (1.0 - probability)).ln()
}

/// Raw YOLOv5 logits for one box at stride 32, anchor 1, cell (4, 2): σ = 0.75 for xy
/// (offset 1.0), σ = 0.5 for wh (factor 1 × anchor).
fn yolov5_row(classes: usize) -> Vec<f32> {
    let mut row = vec![-10.0; 5 + classes];
    row[0] = sigmoid_inverse(0.75);
    row[1] = sigmoid_inverse(0.75);
    row[2] = 0.0;
    row[3] = 0.0;
    row[4] = sigmoid_inverse(0.9);
    row[5 + 1] = sigmoid_inverse(0.5);
    row
}

fn yolov5_config() -> panoptes_heads::DetectionConfig {
    let mut config = detection_config(DetectionFormat::Yolov5Raw, 2);
    config.anchors = Some(vec![
        vec![[10.0, 13.0], [16.0, 30.0]],
        vec![[30.0, 61.0], [62.0, 45.0]],
        vec![[116.0, 90.0], [156.0, 198.0]],
    ]);
    config
}

#[test]
fn yolov5_flattened_and_per_stride_outputs_agree_with_the_known_box() {
    let input = InputSize::new(256, 128).unwrap();
    let grids = [(32, 16), (16, 8), (8, 4)];
    let anchors = 2;
    let rows: usize = grids.iter().map(|(w, h)| w * h * anchors).sum();
    let mut flat = Array3::<f32>::from_elem((1, rows, 7), -10.0);
    let stride_32_start = (32 * 16 + 16 * 8) * anchors;
    let row = stride_32_start + 8 * 4 + 2 * 8 + 4; // anchor 1, y 2, x 4
    flat.slice_mut(ndarray::s![0, row, ..])
        .assign(&ndarray::arr1(&yolov5_row(2)));
    // Expected: centre ((2·0.75 − 0.5 + 4)·32, (… + 2)·32) = (160, 96); size = anchor (156, 198).
    let expected = [160.0 - 78.0, 96.0 - 99.0, 156.0, 198.0];
    let transform = ModelToImage::new([1.0, 1.0], [0.0, 0.0], 1000, 1000).unwrap();
    let outputs: HeadOutputs<'_> = [("output", flat.view().into_dyn())].into_iter().collect();
    let results = decode_one(
        HeadConfig::Detection(yolov5_config()),
        input,
        &outputs,
        transform,
    );
    let detections: Vec<_> = results.detections().collect();
    assert_eq!(detections.len(), 1, "{detections:?}");
    assert_eq!(detections[0].class_id, 1);
    assert_close(detections[0].score, 0.45, 1e-5, "score");
    // Clipped at y = 0: the box starts at −3.
    assert_box(
        detections[0].box_xywh,
        [expected[0], 0.0, 156.0, 198.0 + expected[1]],
        1e-3,
    );

    // The same values as one [N, A, H, W, 5 + C] output per stride.
    let per_stride: Vec<Array5<f32>> = grids
        .iter()
        .scan(0, |start, &(w, h)| {
            let count = w * h * anchors;
            let values = flat
                .slice(ndarray::s![0, *start..*start + count, ..])
                .to_owned();
            *start += count;
            Some(values.into_shape_with_order((1, anchors, h, w, 7)).unwrap())
        })
        .collect();
    let names = ["p3", "p4", "p5"];
    let mut config = yolov5_config();
    config.outputs = names.iter().map(|name| (*name).to_owned()).collect();
    let outputs: HeadOutputs<'_> = names
        .iter()
        .zip(&per_stride)
        .map(|(name, values)| (*name, values.view().into_dyn()))
        .collect();
    let results = decode_one(HeadConfig::Detection(config), input, &outputs, transform);
    let again: Vec<_> = results.detections().collect();
    assert_eq!(again, detections);
}

#[test]
fn yolov8_transposed_layout_with_pose_keypoints() {
    let input = InputSize::new(64, 64).unwrap();
    let rows = 8 * 8 + 4 * 4 + 2 * 2;
    let classes = 2;
    let keypoints = 2;
    let mut output = Array3::<f32>::zeros((1, 4 + classes + 3 * keypoints, rows));
    let row = 70;
    let values = [
        20.0, 30.0, 10.0, 8.0, 0.2, 0.7, 18.0, 29.0, 0.9, 22.0, 31.0, 0.4,
    ];
    for (channel, value) in values.into_iter().enumerate() {
        output[[0, channel, row]] = value;
    }
    // A weaker duplicate of the same class is suppressed; one of the other class is not.
    for (channel, value) in [21.0, 30.0, 10.0, 8.0, 0.0, 0.6].into_iter().enumerate() {
        output[[0, channel, 71]] = value;
    }
    for (channel, value) in [20.0, 30.0, 10.0, 8.0, 0.5, 0.0].into_iter().enumerate() {
        output[[0, channel, 72]] = value;
    }
    let mut config = detection_config(DetectionFormat::Yolov8, classes);
    config.keypoints = keypoints;
    let transform = ModelToImage::new([0.5, 0.5], [0.0, 0.0], 128, 128).unwrap();
    let outputs: HeadOutputs<'_> = [("output", output.view().into_dyn())].into_iter().collect();
    let results = decode_one(HeadConfig::Detection(config), input, &outputs, transform);
    let detections: Vec<_> = results.detections().collect();
    assert_eq!(detections.len(), 2, "{detections:?}");
    assert_eq!((detections[0].class_id, detections[0].score), (1, 0.7));
    assert_box(detections[0].box_xywh, [30.0, 52.0, 20.0, 16.0], 1e-4);
    assert_eq!(
        detections[0].keypoints,
        Some(vec![[36.0, 58.0, 0.9], [44.0, 62.0, 0.4]])
    );
    assert_eq!((detections[1].class_id, detections[1].score), (0, 0.5));
}

#[test]
fn panoptes_format_keypoints_and_json_fields() {
    let input = InputSize::new(100, 100).unwrap();
    let mut output = Array2::<f32>::zeros((5, 5 + 2 + 3));
    let row = [50.0, 40.0, 20.0, 10.0, 0.5, 0.25, 0.5, 45.0, 38.0, 0.75];
    output.row_mut(3).assign(&ndarray::arr1(&row));
    let output = output.insert_axis(ndarray::Axis(0));
    let mut config = detection_config(DetectionFormat::Panoptes, 2);
    config.keypoints = 1;
    config.score_threshold = 0.2;
    config.name = "people".into();
    // Centred letterbox of a 200 × 100 image: scale 0.5, offset (0, 25).
    let transform = ModelToImage::letterbox(input, 200, 100, true).unwrap();
    assert_eq!(transform.offset, [0.0, 25.0]);
    let outputs: HeadOutputs<'_> = [("output", output.view().into_dyn())].into_iter().collect();
    let results = decode_one(HeadConfig::Detection(config), input, &outputs, transform);
    let HeadOutput::Detections(detections) = &results.heads[0].output else {
        panic!()
    };
    assert_eq!(detections.len(), 1);
    let json = serde_json::to_value(&detections[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "head": "people", "class_id": 1, "label": "class_1", "score": 0.25,
            "box_xywh": [80.0, 20.0, 40.0, 20.0], "keypoints": [[90.0, 26.0, 0.75]],
        })
    );
    let mut plain = detections[0].clone();
    plain.keypoints = None;
    let json = serde_json::to_value(&plain).unwrap();
    assert!(json.get("keypoints").is_none(), "{json}");
}
