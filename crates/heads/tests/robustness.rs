//! Outputs full of garbage (NaN, ±inf, huge and negative values) never panic and never yield a
//! non-finite box, in every detection format and dense head.
#![allow(clippy::unwrap_used)]

mod common;

use common::{decode_one, detection_config};
use ndarray::{ArrayD, IxDyn};
use panoptes_heads::{
    DepthConfig, DepthEncoding, DetectionFormat, HeadConfig, HeadOutput, HeadOutputs, InputSize,
    KeypointsConfig, ModelToImage, SegmentationConfig, Upsample,
};

/// Deterministic values: mostly plausible probabilities/logits, with every kind of garbage.
fn garbage(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut state = seed;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let unit = ((state >> 40) as f32) / ((1_u64 << 24) as f32);
        match (state >> 32) % 16 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => f32::NEG_INFINITY,
            3 => 1.0e30,
            4 => -1.0e30,
            5 => -unit * 50.0,
            _ => unit,
        }
    })
}

#[test]
fn every_detection_format_survives_garbage() {
    let input = InputSize::new(64, 32).unwrap();
    let transform = ModelToImage::letterbox(input, 160, 90, true).unwrap();
    let rows = 8 * 4 + 4 * 2 + 2; // grids of strides 8, 16, 32 on 64 × 32
    let formats = [
        (DetectionFormat::Yolox, vec![1, rows, 8], 0),
        (DetectionFormat::Yolov5Raw, vec![1, rows * 2, 8], 0),
        (DetectionFormat::Yolov8, vec![1, 4 + 3 + 6, rows], 2),
        (DetectionFormat::Panoptes, vec![1, 50, 5 + 3 + 6], 2),
    ];
    for (format, shape, keypoints) in formats {
        for seed in 0..20 {
            let mut config = detection_config(format, 3);
            config.keypoints = keypoints;
            config.score_threshold = 0.01;
            if format == DetectionFormat::Yolov5Raw {
                config.anchors = Some(vec![vec![[4.0, 5.0], [8.0, 3.0]]; 3]);
            }
            let values = garbage(&shape, seed);
            let outputs: HeadOutputs<'_> = [("output", values.view())].into_iter().collect();
            let results = decode_one(HeadConfig::Detection(config), input, &outputs, transform);
            assert!(
                results.heads[0].non_finite > 0,
                "{format:?} seed {seed}: nothing counted"
            );
            for detection in results.detections() {
                let [x, y, w, h] = detection.box_xywh;
                let inside =
                    x >= 0.0 && y >= 0.0 && w > 0.0 && h > 0.0 && x + w <= 160.0 && y + h <= 90.0;
                assert!(
                    inside && detection.score.is_finite(),
                    "{format:?} seed {seed}: {detection:?}"
                );
                for [kx, ky, score] in detection.keypoints.iter().flatten() {
                    assert!(
                        kx.is_finite() && ky.is_finite() && score.is_finite(),
                        "{detection:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn dense_heads_survive_garbage() {
    let input = InputSize::new(16, 8).unwrap();
    let transform = ModelToImage::stretch(input, 40, 20).unwrap();
    let heads = [
        HeadConfig::Segmentation(SegmentationConfig {
            name: "seg".into(),
            outputs: vec!["output".into()],
            classes: vec!["a".into(), "b".into(), "c".into()],
            upsample: Upsample::Bilinear,
        }),
        HeadConfig::Depth(DepthConfig {
            name: "depth".into(),
            outputs: vec!["output".into()],
            classes: Vec::new(),
            encoding: DepthEncoding::Inverse,
            measured_along: None,
            min_depth: 0.5,
            max_depth: 80.0,
        }),
        HeadConfig::Keypoints(KeypointsConfig {
            name: "pose".into(),
            outputs: vec!["output".into()],
            classes: Vec::new(),
            keypoints: 3,
            score_threshold: 0.1,
        }),
    ];
    let shapes = [vec![1, 3, 8, 16], vec![1, 1, 8, 16], vec![1, 3, 4, 8]];
    for (head, shape) in heads.into_iter().zip(shapes) {
        let values = garbage(&shape, 3);
        let outputs: HeadOutputs<'_> = [("output", values.view())].into_iter().collect();
        let results = decode_one(head, input, &outputs, transform);
        let expected = values.iter().filter(|v| !v.is_finite()).count();
        let result = &results.heads[0];
        match &result.output {
            HeadOutput::Segmentation(map) => {
                assert_eq!(result.non_finite, expected);
                assert!(map.ids().iter().all(|&id| id < 3));
                let total: f32 = map.fractions().iter().sum();
                assert!((total - 1.0).abs() < 1e-5);
            }
            HeadOutput::Depth(depth) => {
                // Inverse encoding: NaN, ±inf, 0 and negatives are all invalid.
                assert!(result.non_finite >= expected);
                assert!(depth
                    .metres()
                    .iter()
                    .all(|m| m.is_nan() || (0.5..=80.0).contains(m)));
            }
            HeadOutput::Keypoints(points) => {
                assert_eq!(result.non_finite, expected);
                for [x, y, score] in points.iter().flatten() {
                    assert!(x.is_finite() && y.is_finite() && score.is_finite());
                }
            }
            HeadOutput::Detections(_) => unreachable!(),
        }
    }
}
