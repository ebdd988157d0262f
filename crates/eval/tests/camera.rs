//! Ground-truth PNGs read back exactly, and a camera frame scored through `Tally`.
#![allow(clippy::unwrap_used)]

use image::{GrayImage, ImageBuffer, Luma, RgbImage};
use panoptes_drive::{Annotations, BoundingBox, GroundTruth};
use panoptes_eval::{
    CameraPrediction, CameraTruth, ClassMapping, EvalError, IgnoreRule, Tally, TaskSettings,
};
use panoptes_heads::Detection;

fn settings(segmentation: Option<ClassMapping>) -> TaskSettings {
    TaskSettings {
        detection: true,
        pose_alpha: Some(0.2),
        segmentation,
        max_depth: Some(80.0),
        ignore: IgnoreRule::default(),
    }
}

#[test]
fn ground_truth_pngs_are_read_back_pixel_for_pixel() {
    let directory = tempfile::tempdir().unwrap();
    let segmentation = directory.path().join("segmentation.png");
    let depth = directory.path().join("depth.png");
    GrayImage::from_fn(5, 3, |x, y| Luma([(x + 10 * y) as u8]))
        .save(&segmentation)
        .unwrap();
    ImageBuffer::<Luma<u16>, Vec<u16>>::from_fn(5, 3, |x, y| Luma([(x * 1000 + y * 7) as u16]))
        .save(&depth)
        .unwrap();
    let truth = CameraTruth::load(&GroundTruth {
        annotations: Annotations::default(),
        segmentation: Some(segmentation),
        depth: Some(depth),
    })
    .unwrap();
    let classes = truth.segmentation.unwrap();
    let millimetres = truth.depth.unwrap();
    assert_eq!(classes.dim(), (3, 5));
    assert_eq!(classes[[2, 4]], 24);
    assert_eq!(millimetres.dim(), (3, 5));
    assert_eq!(millimetres[[1, 3]], 3007);
}

#[test]
fn a_colour_png_as_segmentation_is_refused_naming_the_file() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("segmentation.png");
    RgbImage::new(4, 4).save(&path).unwrap();
    let error = CameraTruth::load(&GroundTruth {
        annotations: Annotations::default(),
        segmentation: Some(path.clone()),
        depth: None,
    })
    .unwrap_err();
    assert!(
        matches!(error, EvalError::GroundTruthImage { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&path.display().to_string()));
    assert!(error.to_string().contains("8-bit grey"), "{error}");
}

#[test]
fn a_camera_frame_is_scored_and_a_missing_map_is_an_error() {
    let truth = CameraTruth {
        annotations: Annotations {
            boxes: vec![BoundingBox {
                class: "car".to_string(),
                instance_id: 1,
                occlusion: 0.1,
                box_xywh: [10.0, 20.0, 30.0, 40.0],
            }],
            ..Annotations::default()
        },
        segmentation: None,
        depth: None,
    };
    let detections = [Detection {
        head: "detection".to_string(),
        class_id: 0,
        label: "car".to_string(),
        score: 0.5,
        box_xywh: [10.0, 20.0, 30.0, 40.0],
        keypoints: None,
        ego: None,
        mask: None,
    }];
    let prediction = CameraPrediction {
        detections: &detections,
        segmentation: None,
        depth: None,
    };
    let mut tally = Tally::default();
    tally
        .add_camera(&prediction, &truth, &settings(None))
        .unwrap();
    let metrics = tally.detection.summarize(&IgnoreRule::default());
    assert_eq!(metrics.map50, Some(1.0));

    // With segmentation ground truth but no segmentation prediction, the camera is an error.
    let classes = vec!["road".to_string()];
    let with_map = CameraTruth {
        segmentation: Some(ndarray::Array2::zeros((2, 2))),
        ..truth
    };
    let error = Tally::default()
        .add_camera(
            &prediction,
            &with_map,
            &settings(Some(ClassMapping::new(&classes, &classes))),
        )
        .unwrap_err();
    assert!(
        matches!(
            error,
            EvalError::MissingPrediction {
                what: "segmentation"
            }
        ),
        "{error}"
    );
}
