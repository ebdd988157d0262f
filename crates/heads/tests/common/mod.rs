//! Shared builders for the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use panoptes_heads::{
    CameraInput, CameraResults, Decoder, DetectionConfig, DetectionFormat, HeadConfig, HeadOutputs,
    InputSize, ModelToImage,
};

pub fn detection_config(format: DetectionFormat, classes: usize) -> DetectionConfig {
    DetectionConfig {
        name: "objects".into(),
        outputs: vec!["output".into()],
        format,
        classes: (0..classes).map(|class| format!("class_{class}")).collect(),
        score_threshold: 0.3,
        nms_iou: 0.45,
        class_agnostic_nms: false,
        max_detections: 100,
        strides: vec![8, 16, 32],
        anchors: None,
        keypoints: 0,
        mask_coefficients: 0,
    }
}

/// Decodes one camera (batch index 0) of `outputs` with one head.
pub fn decode_one(
    head: HeadConfig,
    input: InputSize,
    outputs: &HeadOutputs<'_>,
    transform: ModelToImage,
) -> CameraResults {
    let mut decoder = Decoder::new(vec![head], input).unwrap();
    let camera = CameraInput {
        outputs,
        batch_index: 0,
        transform,
    };
    decoder.decode_frame_set(&[camera]).unwrap()[0].clone()
}

/// The identity transform for a model input of `input` pixels.
pub fn identity(input: InputSize) -> ModelToImage {
    ModelToImage::new([1.0, 1.0], [0.0, 0.0], input.width, input.height).unwrap()
}

pub fn assert_close(got: f32, expected: f32, tolerance: f32, what: &str) {
    assert!(
        (got - expected).abs() <= tolerance,
        "{what}: got {got}, expected {expected} ± {tolerance}"
    );
}

pub fn assert_box(got: [f32; 4], expected: [f32; 4], tolerance: f32) {
    for (index, (got, expected)) in got.iter().zip(expected).enumerate() {
        assert_close(
            *got,
            expected,
            tolerance,
            &format!("box value {index} of {got:?}"),
        );
    }
}
