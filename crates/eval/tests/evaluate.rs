//! `evaluate` end to end: a drive written with known ground truth, a model with constant
//! outputs (tests/data/constant.onnx: class `road` and 10 m everywhere, one pedestrian box at
//! original pixels [16, 12, 32, 48] with score 0.9 and every keypoint at (32, 36)), metrics known
//! from the ground truth alone. Needs ONNX Runtime, as every model test does.
#![allow(clippy::unwrap_used)]

use image::{GrayImage, ImageBuffer, ImageFormat, Luma, RgbImage};
use panoptes_drive::{
    Annotations, BoundingBox, Cuboid, Drive, DriveWriter, FrameInput, Keypoint, PersonKeypoints,
    Visibility,
};
use panoptes_eval::{
    check_ground_truth, evaluate, load_evaluation_models, EvalError, EvalOptions, Evaluation,
};
use panoptes_pipeline::ModelRequest;
use panoptes_rig::{Camera, CameraModel, CameraRig};
use panoptes_runtime::{ExecutionTarget, Optimization};
use std::io::Cursor;
use std::path::Path;

const WIDTH: u32 = 128;
const HEIGHT: u32 = 72;
// Drive classes; the model's are sky, road, car.
const CLASSES: [&str; 4] = ["void", "road", "sidewalk", "car"];

fn png(write: impl FnOnce(&mut Cursor<Vec<u8>>)) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    write(&mut bytes);
    bytes.into_inner()
}

/// Camera A: top half void without depth, then road, then car, all at 5 m below the middle.
/// Camera B: 32 road columns then sidewalk; left half at 9 m, right half at 50 m (beyond the
/// head's 40 m).
fn ground_truth(camera: &str) -> (Vec<u8>, Vec<u8>) {
    let classes = GrayImage::from_fn(WIDTH, HEIGHT, |x, y| match camera {
        "A" if y < 36 => Luma([0]),
        "A" if y < 54 => Luma([1]),
        "A" => Luma([3]),
        _ if x < 32 => Luma([1]),
        _ => Luma([2]),
    });
    let depth = ImageBuffer::<Luma<u16>, Vec<u16>>::from_fn(WIDTH, HEIGHT, |x, y| match camera {
        "A" if y < 36 => Luma([0]),
        "A" => Luma([5000]),
        _ if x < 64 => Luma([9000]),
        _ => Luma([50000]),
    });
    (
        png(|bytes| classes.write_to(bytes, ImageFormat::Png).unwrap()),
        png(|bytes| depth.write_to(bytes, ImageFormat::Png).unwrap()),
    )
}

/// Camera A: a pedestrian exactly where the model sees one, 10 keypoints on the prediction,
/// 5 visible ones 12 px off (beyond 0.2 × the 57.7 px box diagonal) and 2 occluded.
/// Camera B: a pedestrian elsewhere (missed; the prediction is a false positive), 17 visible
/// keypoints. Both cameras list the pedestrian's 3D box, 5 m ahead.
fn annotations(camera: &str) -> Annotations {
    let (box_xywh, keypoints) = if camera == "A" {
        let mut keypoints = [Keypoint {
            x: 32.0,
            y: 36.0,
            visibility: Visibility::Visible,
        }; 17];
        for keypoint in &mut keypoints[10..15] {
            keypoint.x += 12.0;
        }
        for keypoint in &mut keypoints[15..] {
            keypoint.visibility = Visibility::Occluded;
        }
        ([16.0, 12.0, 32.0, 48.0], keypoints)
    } else {
        let keypoint = Keypoint {
            x: 96.0,
            y: 36.0,
            visibility: Visibility::Visible,
        };
        ([80.0, 12.0, 32.0, 48.0], [keypoint; 17])
    };
    Annotations {
        boxes: vec![BoundingBox {
            class: "pedestrian".to_string(),
            instance_id: 7,
            occlusion: 0.0,
            box_xywh,
        }],
        keypoints: vec![PersonKeypoints {
            instance_id: 7,
            keypoints,
        }],
        cuboids: vec![Cuboid {
            class: "pedestrian".to_string(),
            instance_id: 7,
            center: [5.0, 0.0, 0.875],
            size_lwh: [0.7, 0.7, 1.75],
            yaw: 0.0,
        }],
    }
}

fn write_drive(root: &Path) {
    let cameras = ["A", "B"]
        .map(|name| {
            Camera::new(
                name,
                CameraModel::pinhole(100.0, 100.0, 64.0, 36.0),
                WIDTH,
                HEIGHT,
                nalgebra::Isometry3::identity(),
            )
        })
        .to_vec();
    let mut writer = DriveWriter::create(root, &CameraRig::new(cameras).unwrap())
        .unwrap()
        .with_segmentation_classes(CLASSES.map(str::to_string).to_vec());
    let image = png(|bytes| {
        RgbImage::from_pixel(WIDTH, HEIGHT, image::Rgb([90, 120, 150]))
            .write_to(bytes, ImageFormat::Png)
            .unwrap()
    });
    for set in 0..3u64 {
        for camera in ["A", "B"] {
            let (classes, depth) = ground_truth(camera);
            // The third set's camera B image is corrupt: reported, skipped, the rest goes on.
            let bytes: &[u8] = if set == 2 && camera == "B" {
                b"not a png"
            } else {
                &image
            };
            let frame = FrameInput::new(camera, 1_000_000 * (set + 1), bytes, "png")
                .with_annotations(annotations(camera))
                .with_segmentation_png(&classes)
                .with_depth_png(&depth);
            writer.add_frame(frame).unwrap();
        }
    }
    writer.finish().unwrap();
}

#[test]
fn constant_model_metrics_match_the_ground_truth_counts() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    write_drive(&root);
    let drive = Drive::open(&root).unwrap();
    check_ground_truth(&drive, None).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let requests = [ModelRequest {
        manifest: data.join("constant.toml"),
        weights: None,
    }];
    let targets = ExecutionTarget::parse_list("cpu").unwrap();
    let models = load_evaluation_models(
        &requests,
        &targets,
        Optimization::All,
        drive.rig().len(),
        None,
    )
    .unwrap();
    let mut seen = Vec::new();
    let evaluation = evaluate(&drive, models, &EvalOptions::default(), &mut |progress| {
        seen.push((progress.done, progress.total))
    })
    .unwrap();
    assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
    assert_eq!((evaluation.frame_sets, evaluation.cameras), (3, 5));
    assert_eq!(evaluation.errors, 1, "{:?}", evaluation.problems);
    assert_eq!(evaluation.problems[0].camera.as_deref(), Some("B"));

    // One prediction per scored camera, all at 0.9: 3 hits on A, 2 false positives on B, 5
    // pedestrians. Tied scores form one point: recall 3/5, precision 3/5 → AP 0.36.
    let detection = evaluation.detection.as_ref().unwrap();
    assert!((detection.ap50["pedestrian"] - 0.36).abs() < 1e-12);
    assert_eq!(detection.map50, detection.ap50.get("pedestrian").copied());
    assert_eq!(detection.classes["pedestrian"].true_positives, 3);
    // PCK: A has 15 visible keypoints, 10 within the threshold; B's 17 are misses.
    let pose = evaluation.pose.as_ref().unwrap();
    assert_eq!((pose.people, pose.matched_people), (5, 3));
    assert_eq!(
        (pose.visible_keypoints, pose.correct_keypoints),
        (3 * 15 + 2 * 17, 30)
    );
    assert!((pose.pck.unwrap() - 30.0 / 79.0).abs() < 1e-12);

    // Per camera A: 4608 counted pixels, 2304 road; per B: 9216 pixels, 2304 road.
    // Road is predicted everywhere: IoU = road pixels / counted pixels; car and sidewalk 0.
    let segmentation = evaluation.segmentation.as_ref().unwrap();
    let counted = 3.0 * 4608.0 + 2.0 * 9216.0;
    let road = 3.0 * 2304.0 + 2.0 * 2304.0;
    assert_eq!(segmentation.pixels, counted as u64);
    assert_eq!(segmentation.ignored_pixels, 3 * 4608);
    assert!((segmentation.iou["road"] - road / counted).abs() < 1e-12);
    assert_eq!(segmentation.iou["car"], 0.0);
    assert_eq!(segmentation.iou["sidewalk"], 0.0);
    assert_eq!(segmentation.iou.len(), 3);
    assert!((segmentation.miou.unwrap() - road / counted / 3.0).abs() < 1e-12);

    // 10 m everywhere. A: 4608 px at 5 m (AbsRel 1, ratio 2); B: 4608 px at 9 m (AbsRel 1/9,
    // ratio 1.11), the 50 m half beyond max_depth.
    let depth = evaluation.depth.as_ref().unwrap();
    assert_eq!(depth.pixels, 5 * 4608);
    assert_eq!(depth.max_depth, Some(40.0));
    assert!((depth.abs_rel.unwrap() - (3.0 + 2.0 / 9.0) / 5.0).abs() < 1e-9);
    assert!((depth.delta1.unwrap() - 2.0 / 5.0).abs() < 1e-12);
    assert!((depth.rmse.unwrap() - (77.0f64 / 5.0).sqrt()).abs() < 1e-9);

    // Truth: the pedestrian once per frame set (both cameras list it). The cameras sit at the
    // ego origin looking up, so no cell of the bird's-eye view is seen: the truth grid is the
    // footprints alone (0.7 × 0.7 m, 16 cells of 0.2 m), and no grid has drivable cells.
    let ego = evaluation.ego.as_ref().unwrap();
    assert_eq!((ego.frame_sets, ego.ground_truth), (3, 3));
    let pedestrian = &ego.detection.classes["pedestrian"];
    assert_eq!(pedestrian.ground_truth, 3);
    assert_eq!(pedestrian.predictions, ego.predictions);
    assert_eq!(ego.position.matched_truth + ego.position.unmatched_truth, 3);
    let bev = ego.bev.as_ref().unwrap();
    assert_eq!(bev.frame_sets, 3);
    assert!(bev.categories["object"].either_cells >= 3 * 16);
    assert_eq!(bev.categories["drivable"].either_cells, 0);

    let json = serde_json::to_value(&evaluation).unwrap();
    assert!(json["ego"]["detection"]["map"].is_f64());
    assert!(json["segmentation"]["miou"].is_f64());
    assert!(json["depth"]["abs_rel"].is_f64());
    assert!(json["detection"]["map50"].is_f64());
    assert!(json["pose"]["pck"].is_f64());
}

fn evaluate_constant_model(
    options: &EvalOptions,
    score_threshold: Option<f32>,
) -> Result<Evaluation, EvalError> {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    write_drive(&root);
    let drive = Drive::open(&root).unwrap();
    let requests = [ModelRequest {
        manifest: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/constant.toml"),
        weights: None,
    }];
    let targets = ExecutionTarget::parse_list("cpu").unwrap();
    let models = load_evaluation_models(
        &requests,
        &targets,
        Optimization::All,
        drive.rig().len(),
        score_threshold,
    )?;
    evaluate(&drive, models, options, &mut |_| {})
}

#[test]
fn aliases_rename_model_classes_to_the_drive_classes() {
    // The model's `road` read as the drive's `sidewalk`: sidewalk is predicted everywhere.
    let mut options = EvalOptions::default();
    options
        .aliases
        .insert("road".to_string(), "sidewalk".to_string());
    let evaluation = evaluate_constant_model(&options, None).unwrap();
    let segmentation = evaluation.segmentation.unwrap();
    let counted = 3.0 * 4608.0 + 2.0 * 9216.0;
    let sidewalk = 2.0 * 6912.0;
    assert!((segmentation.iou["sidewalk"] - sidewalk / counted).abs() < 1e-12);
    assert_eq!(segmentation.iou["road"], 0.0);
}

#[test]
fn a_score_threshold_outside_zero_to_one_is_refused() {
    let error = evaluate_constant_model(&EvalOptions::default(), Some(1.5)).unwrap_err();
    assert!(
        matches!(
            error,
            EvalError::Setting {
                setting: "score_threshold",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_score_threshold_above_the_predictions_removes_them() {
    // The model's pedestrians score 0.9: at 0.95 none is left, at 0.5 all are.
    let high = evaluate_constant_model(&EvalOptions::default(), Some(0.95)).unwrap();
    assert_eq!(high.detection.unwrap().ap50["pedestrian"], 0.0);
    assert_eq!(high.pose.unwrap().correct_keypoints, 0);
    let low = evaluate_constant_model(&EvalOptions::default(), Some(0.5)).unwrap();
    assert!((low.detection.unwrap().ap50["pedestrian"] - 0.36).abs() < 1e-12);
}

#[test]
fn without_fusion_there_are_no_ego_metrics() {
    let options = EvalOptions {
        fusion: None,
        ..EvalOptions::default()
    };
    let evaluation = evaluate_constant_model(&options, None).unwrap();
    assert!(evaluation.ego.is_none());
    assert!(evaluation.detection.is_some());
}

#[test]
fn a_non_positive_ego_distance_is_refused() {
    let options = EvalOptions {
        ego_max_distance_m: 0.0,
        ..EvalOptions::default()
    };
    let error = evaluate_constant_model(&options, None).unwrap_err();
    assert!(
        matches!(
            error,
            EvalError::Setting {
                setting: "ego_max_distance_m",
                ..
            }
        ),
        "{error}"
    );
}
