//! The real nuScenes sample: rig, frame set and projection of annotated boxes.
#![allow(clippy::unwrap_used)]

use panoptes_drive::{CameraFrame, Drive, DriveFormat};
use panoptes_rig::Point3;

#[test]
fn sample_has_six_cameras_and_one_frame_set() {
    let root = panoptes_fixtures::real_or_skip!("nuscenes-sample");
    let drive = Drive::open(&root).unwrap();
    assert_eq!(
        drive.format(),
        &DriveFormat::NuScenes {
            version: "v1.0-mini".to_owned()
        }
    );
    let rig = drive.rig();
    assert_eq!(rig.len(), 6);
    for name in panoptes_fixtures::NUSCENES_CAMERAS {
        assert!(rig.camera(name).is_some(), "{name} missing from the rig");
    }
    let front = rig.camera("CAM_FRONT").unwrap();
    let (fx, fy, cx, cy) = front.model.focal_and_centre();
    assert!((fx - 1266.417203046554).abs() < 1e-9 && (fy - fx).abs() < 1e-12);
    assert!((cx - 816.2670197447984).abs() < 1e-9 && (cy - 491.50706579294757).abs() < 1e-9);
    assert_eq!((front.width, front.height), (1600, 900));
    // CAM_FRONT sits 1.70 m ahead of the ego origin, 1.51 m up, looking forward (+x).
    let position = front.sensor_to_ego.translation.vector;
    assert!((position.x - 1.7007912397384644).abs() < 1e-12);
    let optical_axis = front.sensor_to_ego.rotation * nalgebra::Vector3::z();
    assert!(optical_axis.x > 0.99, "optical axis {optical_axis}");

    let sets = drive.frame_sets();
    assert_eq!(sets.len(), 1);
    let set = &sets[0];
    assert_eq!(set.timestamp_us, 1_532_402_927_647_951);
    assert_eq!(set.missing(), 0);
    let times: Vec<u64> = set.present().map(|frame| frame.timestamp_us).collect();
    let spread = times.iter().max().unwrap() - times.iter().min().unwrap();
    assert!(spread > 40_000 && spread <= 43_000, "spread {spread} µs");
    let CameraFrame::Present(frame) = set.camera("CAM_FRONT").unwrap() else {
        panic!("CAM_FRONT missing");
    };
    assert_eq!(frame.timestamp_us, 1_532_402_927_612_460);
    let path = frame.image.path().unwrap();
    assert!(path.is_file() && path.starts_with(root.canonicalize().unwrap()));
    assert!(set.ego_pose.is_some());
}

#[test]
fn annotated_truck_projects_into_cam_front_near_its_pixel() {
    let root = panoptes_fixtures::real_or_skip!("nuscenes-sample");
    let drive = Drive::open(&root).unwrap();
    let text = std::fs::read_to_string(root.join("annotations_ego.json")).unwrap();
    let annotations: serde_json::Value = serde_json::from_str(&text).unwrap();
    let boxes = annotations["boxes"].as_array().unwrap();
    assert_eq!(boxes.len(), 69);
    let centre = |value: &serde_json::Value| {
        let c: Vec<f64> = value["center_ego"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        Point3::new(c[0], c[1], c[2])
    };
    // The big truck: the truck with the most LiDAR points.
    let truck = boxes
        .iter()
        .filter(|b| b["label"] == "truck")
        .max_by_key(|b| b["num_lidar_pts"].as_u64().unwrap())
        .unwrap();
    let rig = drive.rig();
    let seen_by: Vec<&str> = rig
        .cameras()
        .iter()
        .filter(|camera| camera.project_ego_in_image(&centre(truck)).is_some())
        .map(|camera| camera.name.as_str())
        .collect();
    assert_eq!(seen_by, ["CAM_FRONT"]);
    let pixel = rig
        .camera("CAM_FRONT")
        .unwrap()
        .project_ego(&centre(truck))
        .unwrap();
    // The gravity centre (annotations_ego.json, corrected 2026-12-01) lands at about
    // (432, 451), inside the truck's detected box (x 132–616, y 229–630).
    assert!(
        (pixel.x - 432.0).abs() < 1.5 && (pixel.y - 451.0).abs() < 1.5,
        "truck at {pixel}"
    );
    // Every box in front of some camera lands in at most one or two images, and most boxes
    // are seen by at least one camera of a 360° rig.
    let seen = boxes
        .iter()
        .filter(|b| {
            rig.cameras()
                .iter()
                .any(|camera| camera.project_ego_in_image(&centre(b)).is_some())
        })
        .count();
    assert!(seen >= 60, "only {seen} of 69 boxes land in an image");
}

/// A writable copy of the sample's tables in a temporary dataroot whose `samples/` links to
/// the real images (as nuScenes installs often do).
fn copy_of_sample(root: &std::path::Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    let tables = copy.path().join("v1.0-mini");
    std::fs::create_dir(&tables).unwrap();
    for entry in std::fs::read_dir(root.join("v1.0-mini")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tables.join(entry.file_name())).unwrap();
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        root.join("samples").canonicalize().unwrap(),
        copy.path().join("samples"),
    )
    .unwrap();
    copy
}

fn edit_table(dataroot: &std::path::Path, table: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dataroot.join("v1.0-mini").join(table);
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(&path, value.to_string()).unwrap();
}

#[cfg(unix)]
#[test]
fn bad_nuscenes_tables_are_named_by_file_and_field() {
    let root = panoptes_fixtures::real_or_skip!("nuscenes-sample");
    let copy = copy_of_sample(&root);
    assert_eq!(
        Drive::open(copy.path()).unwrap().frame_sets().len(),
        1,
        "linked samples/ must be accepted"
    );

    let check = |table: &str, field: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let copy = copy_of_sample(&root);
        edit_table(copy.path(), table, edit);
        let error = Drive::open(copy.path()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&format!("v1.0-mini/{table}")), "{message}");
        assert_eq!(error.field().as_deref(), Some(field), "{message}");
        message
    };
    let message = check("calibrated_sensor.json", "[0].rotation", &|tables| {
        tables[0]["rotation"] = serde_json::json!([0.9, -0.5, 0.5, -0.5]);
    });
    assert!(message.contains("unit length"), "{message}");
    let message = check("sample_data.json", "[0].filename", &|tables| {
        tables[0]["filename"] = serde_json::json!("../../etc/passwd");
    });
    assert!(message.contains("leaves the drive directory"), "{message}");
    let message = check("sample_data.json", "[1].filename", &|tables| {
        tables[1]["filename"] = serde_json::json!("samples/CAM_FRONT_RIGHT/absent.jpg");
    });
    assert!(message.contains("does not exist"), "{message}");
    let message = check(
        "calibrated_sensor.json",
        "[0].camera_intrinsic",
        &|tables| {
            tables[0]["camera_intrinsic"][0][0] = serde_json::json!(-1266.4);
        },
    );
    assert!(message.contains("-1266.4"), "{message}");
    check("sample_data.json", "[2].timestamp", &|tables| {
        tables[2]["timestamp"] = serde_json::json!("soon");
    });
}
