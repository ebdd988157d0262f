//! Writing a drive and reading it back.
#![allow(clippy::unwrap_used)]

use panoptes_drive::{
    Annotations, BoundingBox, CameraFrame, Cuboid, Drive, DriveFormat, DriveWriter, EgoPose,
    FrameInput, Keypoint, MissingReason, PersonKeypoints, Visibility,
};
use panoptes_rig::{Camera, CameraModel, CameraRig, Isometry3, Translation3, UnitQuaternion};

fn rig() -> CameraRig {
    let fisheye = |name: &str, yaw: f64| {
        Camera::new(
            name,
            CameraModel::KannalaBrandt {
                fx: 330.0,
                fy: 330.0,
                cx: 640.0,
                cy: 483.0,
                k: [0.04, -0.007, 0.002, -0.0004],
            },
            1280,
            966,
            Isometry3::from_parts(
                Translation3::new(yaw.cos() * 2.0, yaw.sin() * 1.0, 0.8),
                UnitQuaternion::from_euler_angles(
                    -std::f64::consts::FRAC_PI_2,
                    0.0,
                    yaw - std::f64::consts::FRAC_PI_2,
                ),
            ),
        )
    };
    CameraRig::new(vec![
        fisheye("FRONT", 0.0),
        fisheye("LEFT", 1.5),
        fisheye("REAR", 3.0),
    ])
    .unwrap()
}

fn annotations(seed: u32) -> Annotations {
    let keypoint = |index: u32| Keypoint {
        x: f64::from(index) * 3.5 + f64::from(seed),
        y: 100.25 - f64::from(index),
        visibility: [
            Visibility::Visible,
            Visibility::Occluded,
            Visibility::Unlabelled,
        ][index as usize % 3],
    };
    Annotations {
        boxes: vec![BoundingBox {
            class: "person".to_owned(),
            instance_id: seed,
            occlusion: 0.375,
            box_xywh: [10.5, 20.25, 30.0, 80.0 + f64::from(seed)],
        }],
        keypoints: vec![PersonKeypoints {
            instance_id: seed,
            keypoints: std::array::from_fn(|index| keypoint(index as u32)),
        }],
        cuboids: vec![Cuboid {
            class: "car".to_owned(),
            instance_id: seed + 100,
            center: [12.0, -3.5, 0.75],
            size_lwh: [4.5, 1.9, 1.5],
            yaw: 0.1 * f64::from(seed),
        }],
    }
}

/// Same names, models and sizes; poses equal to rounding (rig.json stores rotation matrices).
fn assert_same_rig(read: &CameraRig, written: &CameraRig) {
    assert_eq!(read.len(), written.len());
    for (read, written) in read.cameras().iter().zip(written.cameras()) {
        assert_eq!(read.name, written.name);
        assert_eq!(read.model, written.model);
        assert_eq!((read.width, read.height), (written.width, written.height));
        assert_eq!(
            read.sensor_to_ego.translation,
            written.sensor_to_ego.translation
        );
        assert!(
            read.sensor_to_ego
                .rotation
                .angle_to(&written.sensor_to_ego.rotation)
                < 1e-12
        );
    }
}

#[test]
fn written_drive_reads_back_with_same_rig_timestamps_and_ground_truth() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    let rig = rig();
    let mut writer = DriveWriter::create(&root, &rig)
        .unwrap()
        .with_segmentation_classes(vec!["road".to_owned(), "car".to_owned()]);
    // Three sets 100 ms apart; cameras fire 0, 7 and 15 ms after each set; REAR drops set 1.
    let mut expected = Vec::new();
    for set in 0..3_u64 {
        for (offset, camera) in [(0, "FRONT"), (7_000, "LEFT"), (15_000, "REAR")] {
            if set == 1 && camera == "REAR" {
                continue;
            }
            let timestamp = 1_000_000 + set * 100_000 + offset;
            let image = format!("image {camera} {timestamp}").into_bytes();
            let truth = annotations(u32::try_from(set).unwrap());
            let frame = FrameInput::new(camera, timestamp, &image, "jpg")
                .with_annotations(truth.clone())
                .with_segmentation_png(b"segmentation")
                .with_depth_png(b"depth");
            writer.add_frame(frame).unwrap();
            expected.push((camera, timestamp, image, truth));
        }
        writer
            .add_ego_pose(EgoPose {
                timestamp_us: 1_000_000 + set * 100_000,
                translation: [set as f64, 0.0, 0.0],
                rotation_wxyz: [1.0, 0.0, 0.0, 0.0],
            })
            .unwrap();
    }
    writer.finish().unwrap();

    let drive = Drive::open(&root).unwrap();
    assert_eq!(drive.format(), &DriveFormat::Panoptes);
    assert_same_rig(drive.rig(), &rig);
    assert_eq!(drive.segmentation_classes(), ["road", "car"]);
    let sets = drive.frame_sets();
    assert_eq!(sets.len(), 3);
    let mut read = Vec::new();
    for (index, set) in sets.iter().enumerate() {
        assert_eq!(set.index, index);
        assert_eq!(set.timestamp_us, 1_000_000 + index as u64 * 100_000);
        assert_eq!(set.ego_pose.unwrap().translation[0], index as f64);
        for entry in &set.frames {
            match entry {
                CameraFrame::Present(frame) => {
                    let truth = frame.ground_truth.clone().unwrap();
                    assert_eq!(
                        std::fs::read(truth.segmentation.unwrap()).unwrap(),
                        b"segmentation"
                    );
                    assert_eq!(std::fs::read(truth.depth.unwrap()).unwrap(), b"depth");
                    read.push((
                        frame.camera.as_str(),
                        frame.timestamp_us,
                        std::fs::read(frame.image.path().unwrap()).unwrap(),
                        truth.annotations,
                    ));
                }
                CameraFrame::Missing { camera, reason } => {
                    assert_eq!((index, camera.as_str()), (1, "REAR"));
                    assert_eq!(*reason, MissingReason::NoFrameInWindow);
                }
            }
        }
    }
    assert_eq!(read.len(), expected.len());
    for (got, want) in read.iter().zip(&expected) {
        assert_eq!(got.0, want.0);
        assert_eq!(got.1, want.1);
        assert_eq!(got.2, want.2);
        assert_eq!(got.3, want.3);
    }
}

#[test]
fn writer_refuses_backwards_time_unknown_cameras_and_non_empty_directories() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    let mut writer = DriveWriter::create(&root, &rig()).unwrap();
    writer
        .add_frame(FrameInput::new("FRONT", 2_000, b"a", "jpg"))
        .unwrap();
    let error = writer
        .add_frame(FrameInput::new("FRONT", 1_000, b"b", "jpg"))
        .unwrap_err();
    assert_eq!(
        error.field().as_deref(),
        Some("frames[1].timestamp_us"),
        "{error}"
    );
    let error = writer
        .add_frame(FrameInput::new("SIDE", 3_000, b"c", "jpg"))
        .unwrap_err();
    assert_eq!(
        error.field().as_deref(),
        Some("frames[1].camera"),
        "{error}"
    );
    let error = writer
        .add_frame(FrameInput::new("LEFT", 3_000, b"c", "../x"))
        .unwrap_err();
    assert!(error.to_string().contains("../x"), "{error}");
    writer.finish().unwrap();
    assert!(DriveWriter::create(&root, &rig()).is_err());
}
