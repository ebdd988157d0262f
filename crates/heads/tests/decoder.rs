//! The frame-set decoder: shape checks at load, errors that name the output, parallel cameras,
//! buffer reuse.
#![allow(clippy::unwrap_used)]

mod common;

use common::{detection_config, identity};
use ndarray::{Array3, Array4};
use panoptes_heads::{
    check_output_shape, CameraInput, Decoder, DetectionFormat, HeadConfig, HeadOutputs, HeadsError,
    InputSize, ModelToImage, SegmentationConfig, Upsample,
};

fn yolox_head() -> HeadConfig {
    HeadConfig::Detection(detection_config(DetectionFormat::Yolox, 80))
}

fn lanes_head() -> HeadConfig {
    HeadConfig::Segmentation(SegmentationConfig {
        name: "lanes".into(),
        outputs: vec!["ll".into()],
        classes: vec!["background".into(), "lane".into()],
        upsample: Upsample::Nearest,
    })
}

#[test]
fn load_time_shape_check_reports_expected_and_got() {
    let input = InputSize::new(416, 416).unwrap();
    let head = yolox_head();
    check_output_shape(&head, input, "output", &[Some(1), Some(3549), Some(85)]).unwrap();
    check_output_shape(&head, input, "output", &[None, Some(3549), None]).unwrap();
    match check_output_shape(&head, input, "output", &[Some(1), Some(8400), Some(85)]) {
        Err(HeadsError::OutputShape {
            head,
            output,
            expected,
            got,
            ..
        }) => {
            assert_eq!((head.as_str(), output.as_str()), ("objects", "output"));
            assert_eq!(
                (expected.as_str(), got.as_str()),
                ("[N, 3549, 85]", "[1, 8400, 85]")
            );
        }
        other => panic!("{other:?}"),
    }
    let error = check_output_shape(&head, input, "boxes", &[Some(1)]).unwrap_err();
    assert!(
        matches!(
            error,
            HeadsError::Config {
                field: "outputs",
                ..
            }
        ),
        "{error}"
    );

    let twinlite = InputSize::new(640, 360).unwrap();
    let decoder = Decoder::new(vec![lanes_head()], twinlite).unwrap();
    decoder
        .check_output_shape("ll", &[None, Some(2), Some(360), Some(640)])
        .unwrap();
    let error = decoder
        .check_output_shape("ll", &[None, Some(3), Some(360), Some(640)])
        .unwrap_err();
    assert!(
        error.to_string().contains("expected [N, 2, >0, >0]"),
        "{error}"
    );
    // An empty resolution would leave nothing to upsample from.
    let error = decoder
        .check_output_shape("ll", &[None, Some(2), Some(0), Some(640)])
        .unwrap_err();
    assert!(matches!(error, HeadsError::OutputShape { .. }), "{error}");
    // Outputs no head reads are not this crate's business.
    decoder.check_output_shape("da", &[Some(7)]).unwrap();
    assert_eq!(decoder.required_outputs(), ["ll"]);
}

#[test]
fn decoder_rejects_duplicate_names_and_invalid_heads() {
    let input = InputSize::new(640, 360).unwrap();
    let error = Decoder::new(vec![lanes_head(), lanes_head()], input).unwrap_err();
    assert!(
        matches!(error, HeadsError::Config { field: "name", .. }),
        "{error}"
    );
    let mut bad = detection_config(DetectionFormat::Yolox, 1);
    bad.nms_iou = 2.0;
    let error = Decoder::new(vec![HeadConfig::Detection(bad)], input).unwrap_err();
    assert!(
        matches!(
            error,
            HeadsError::Config {
                field: "nms_iou",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn per_frame_errors_name_the_output() {
    let input = InputSize::new(4, 2).unwrap();
    let mut decoder = Decoder::new(vec![lanes_head()], input).unwrap();
    let logits = Array4::<f32>::zeros((2, 2, 2, 4)).into_dyn();
    let transform = identity(input);
    let wrong_name: HeadOutputs<'_> = [("da", logits.view())].into_iter().collect();
    let error = decoder
        .decode_frame_set(&[CameraInput {
            outputs: &wrong_name,
            batch_index: 0,
            transform,
        }])
        .unwrap_err();
    assert!(
        matches!(&error, HeadsError::MissingOutput { output, available, .. } if output == "ll" && available == "da"),
        "{error}"
    );
    let outputs: HeadOutputs<'_> = [("ll", logits.view())].into_iter().collect();
    let error = decoder
        .decode_frame_set(&[CameraInput {
            outputs: &outputs,
            batch_index: 2,
            transform,
        }])
        .unwrap_err();
    assert!(
        matches!(
            error,
            HeadsError::BatchIndex {
                index: 2,
                batch: 2,
                ..
            }
        ),
        "{error}"
    );
    let three_channels = Array4::<f32>::zeros((1, 3, 2, 4)).into_dyn();
    let outputs: HeadOutputs<'_> = [("ll", three_channels.view())].into_iter().collect();
    let error = decoder
        .decode_frame_set(&[CameraInput {
            outputs: &outputs,
            batch_index: 0,
            transform,
        }])
        .unwrap_err();
    assert!(matches!(error, HeadsError::OutputShape { .. }), "{error}");
}

/// Batch of `cameras` lane logits; camera `c` has class 1 in column `c` only.
fn lane_batch(cameras: usize, shift: usize) -> Array4<f32> {
    Array4::from_shape_fn((cameras, 2, 2, 4), |(camera, class, _, x)| {
        let lane = x == (camera + shift) % 4;
        if lane == (class == 1) {
            1.0
        } else {
            -1.0
        }
    })
}

#[test]
fn cameras_decode_in_parallel_into_their_own_results_and_buffers_are_reused() {
    let input = InputSize::new(4, 2).unwrap();
    let transform = ModelToImage::stretch(input, 8, 4).unwrap();
    let mut decoder = Decoder::new(vec![lanes_head()], input).unwrap();
    for shift in [0, 1] {
        let logits = lane_batch(3, shift).into_dyn();
        let outputs: HeadOutputs<'_> = [("ll", logits.view())].into_iter().collect();
        let cameras: Vec<CameraInput<'_, '_>> = (0..3)
            .map(|batch_index| CameraInput {
                outputs: &outputs,
                batch_index,
                transform,
            })
            .collect();
        let results = decoder.decode_frame_set(&cameras).unwrap();
        assert_eq!(results.len(), 3);
        for (camera, result) in results.iter().enumerate() {
            let (name, map) = result.masks().next().unwrap();
            assert_eq!(name, "lanes");
            let lane_column = (camera + shift) % 4;
            for ((_, x), &id) in map.ids().indexed_iter() {
                assert_eq!(
                    usize::from(id),
                    usize::from(x / 2 == lane_column),
                    "camera {camera}, x {x}"
                );
            }
            assert_eq!(map.fractions(), [0.75, 0.25]);
        }
    }
    // Fewer cameras next time: only those results are returned.
    let logits = lane_batch(1, 3).into_dyn();
    let outputs: HeadOutputs<'_> = [("ll", logits.view())].into_iter().collect();
    let results = decoder
        .decode_frame_set(&[CameraInput {
            outputs: &outputs,
            batch_index: 0,
            transform,
        }])
        .unwrap();
    assert_eq!(results.len(), 1);
    let (_, map) = results[0].masks().next().unwrap();
    assert_eq!(map.ids()[[0, 7]], 1);
}

#[test]
fn separate_batch_one_runs_per_camera_match_their_own_rows() {
    let input = InputSize::new(416, 416).unwrap();
    let mut decoder = Decoder::new(vec![yolox_head()], input).unwrap();
    // Camera c: one box of class c at stride-8 cell (c, 0).
    let values: Vec<Array3<f32>> = (0..4)
        .map(|camera| {
            let mut output = Array3::<f32>::zeros((1, 3549, 85));
            output[[0, camera, 4]] = 0.9;
            output[[0, camera, 5 + camera]] = 0.9;
            output
        })
        .collect();
    let outputs: Vec<HeadOutputs<'_>> = values
        .iter()
        .map(|value| [("output", value.view().into_dyn())].into_iter().collect())
        .collect();
    let transform = identity(input);
    let cameras: Vec<CameraInput<'_, '_>> = outputs
        .iter()
        .map(|outputs| CameraInput {
            outputs,
            batch_index: 0,
            transform,
        })
        .collect();
    let results = decoder.decode_frame_set(&cameras).unwrap();
    for (camera, result) in results.iter().enumerate() {
        let detections: Vec<_> = result.detections().collect();
        assert_eq!(detections.len(), 1);
        assert_eq!(detections[0].class_id, camera);
        // Centre (8c, 0), 8 × 8, clipped to the image: x from max(8c − 4, 0), y from 0.
        let left = (camera as f32 * 8.0 - 4.0).max(0.0);
        assert_eq!(
            detections[0].box_xywh,
            [left, 0.0, camera as f32 * 8.0 + 4.0 - left, 4.0]
        );
    }
}
