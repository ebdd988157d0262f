//! Instance segmentation with known answers: prototypes whose mask logits are a ramp across
//! the image, read through a centred letterbox (the padding must not leak into the mask), cropped
//! to the box; the run-length mask's own accessors; the head's configuration checks.
#![allow(clippy::unwrap_used)]

mod common;

use common::{decode_one, detection_config};
use ndarray::{Array3, Array4};
use panoptes_heads::{
    DetectionConfig, DetectionFormat, HeadConfig, HeadOutputs, InputSize, InstanceMask,
    ModelToImage,
};

/// 64 × 64 input: stride 8, 16, 32 grids.
const ROWS: usize = 64 + 16 + 4;

fn config() -> DetectionConfig {
    DetectionConfig {
        outputs: vec!["rows".into(), "prototypes".into()],
        mask_coefficients: 1,
        ..detection_config(DetectionFormat::Yolov8, 1)
    }
}

/// One row scoring 0.9 with coefficient 1 and centre box `center_box` (model pixels); one
/// prototype `[16, 16]` whose value is `column - 7.5` in the image and −100 in the letterbox
/// padding rows (0..4 and 12..16 for a 2:1 image).
fn outputs(center_box: [f32; 4]) -> (Array3<f32>, Array4<f32>) {
    let mut rows = Array3::<f32>::zeros((1, 4 + 1 + 1, ROWS));
    for (channel, value) in center_box.into_iter().chain([0.9, 1.0]).enumerate() {
        rows[[0, channel, 0]] = value;
    }
    let prototypes = Array4::from_shape_fn((1, 1, 16, 16), |(_, _, row, column)| {
        if (4..12).contains(&row) {
            column as f32 - 7.5
        } else {
            -100.0
        }
    });
    (rows, prototypes)
}

fn decode(center_box: [f32; 4]) -> InstanceMask {
    let input = InputSize::new(64, 64).unwrap();
    // A 128 × 64 image letterboxed into 64 × 64: scale 0.5, 16 rows of padding above and below.
    let transform = ModelToImage::letterbox(input, 128, 64, true).unwrap();
    let (rows, prototypes) = outputs(center_box);
    let outputs: HeadOutputs<'_> = [
        ("rows", rows.view().into_dyn()),
        ("prototypes", prototypes.view().into_dyn()),
    ]
    .into_iter()
    .collect();
    let results = decode_one(
        HeadConfig::InstanceSegmentation(config()),
        input,
        &outputs,
        transform,
    );
    let detections: Vec<_> = results.detections().collect();
    assert_eq!(detections.len(), 1);
    detections[0].mask.clone().unwrap()
}

#[test]
fn ramp_prototype_gives_the_right_half_of_the_image() {
    // The whole input: the whole 128 × 64 image after clipping.
    let mask = decode([32.0, 32.0, 64.0, 64.0]);
    assert_eq!(mask.rectangle, [0, 0, 128, 64]);
    // Proto column u = (x + 0.5) / 8 − 0.5, logit u − 7.5 > 0 ⇔ x ≥ 64, on every row: the
    // padding's −100 is never sampled.
    assert_eq!(mask.area(), 64 * 64);
    for y in [0, 1, 31, 62, 63] {
        assert!(!mask.contains(63, y) && mask.contains(64, y), "row {y}");
    }
    let spans: Vec<_> = mask.spans().collect();
    assert_eq!(spans.len(), 64);
    assert!(spans
        .iter()
        .all(|&(_, start, end)| (start, end) == (64, 128)));
}

#[test]
fn mask_is_cropped_to_the_box_pixels() {
    // Box x 5.25..50 and y 18.5..46.1 in model pixels → original x 10.5..100, y 5..60.2:
    // pixel columns 11..100 and rows 5..61 (a pixel is kept when x1 ≤ i < x2).
    let mask = decode([27.625, 32.3, 44.75, 27.6]);
    assert_eq!(mask.rectangle, [11, 5, 89, 56]);
    assert_eq!(mask.area(), 56 * (100 - 64));
    assert!(mask.contains(99, 5) && !mask.contains(100, 5) && !mask.contains(99, 61));
    assert_eq!(
        mask.counts.iter().map(|&c| c as usize).sum::<usize>(),
        89 * 56
    );
}

#[test]
fn masks_appear_in_the_json_as_rectangle_and_counts() {
    let mask = InstanceMask {
        rectangle: [2, 3, 4, 2],
        counts: vec![0, 2, 4, 2],
    };
    let json = serde_json::to_value(&mask).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"rectangle": [2, 3, 4, 2], "counts": [0, 2, 4, 2]})
    );
    let spans: Vec<_> = mask.spans().collect();
    assert_eq!(spans, [(3, 2, 4), (4, 4, 6)]);
    assert_eq!(mask.area(), 4);
}

#[test]
fn instance_heads_need_yolov8_rows_and_mask_coefficients() {
    let input = InputSize::new(64, 64).unwrap();
    let check = |config: DetectionConfig| {
        panoptes_heads::Decoder::new(vec![HeadConfig::InstanceSegmentation(config)], input)
            .err()
            .map(|error| error.to_string())
    };
    assert_eq!(check(config()), None);
    let error = check(DetectionConfig {
        mask_coefficients: 0,
        ..config()
    })
    .unwrap();
    assert!(error.contains("mask_coefficients"), "{error}");
    let error = check(DetectionConfig {
        format: DetectionFormat::Panoptes,
        ..config()
    })
    .unwrap();
    assert!(error.contains("yolov8"), "{error}");
    let error = check(DetectionConfig {
        outputs: vec!["rows".into()],
        ..config()
    })
    .unwrap();
    assert!(error.contains("outputs"), "{error}");
    // A plain detection head does not read coefficients.
    let plain = HeadConfig::Detection(config());
    assert!(panoptes_heads::Decoder::new(vec![plain], input).is_err());
}
