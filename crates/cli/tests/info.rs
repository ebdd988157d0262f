//! `panoptes info DRIVE` through the built binary.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use panoptes::{Camera, CameraModel, CameraRig};
use panoptes_drive::{DriveWriter, FrameInput};

fn panoptes_info(drive: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("info")
        .arg(drive)
        .output()
        .unwrap()
}

#[test]
fn info_on_the_nuscenes_sample_reports_six_cameras_and_one_frame_set() {
    let root = panoptes_fixtures::real_or_skip!("nuscenes-sample");
    let output = panoptes_info(&root);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["format"], "nuscenes");
    assert_eq!(report["frame_sets"], 1);
    assert_eq!(report["missing_frames"], 0);
    let cameras = report["cameras"].as_array().unwrap();
    assert_eq!(cameras.len(), 6);
    let front = cameras
        .iter()
        .find(|camera| camera["name"] == "CAM_FRONT")
        .unwrap();
    assert_eq!(front["model"], "pinhole");
    assert_eq!(
        (front["width"].as_u64(), front["height"].as_u64()),
        (Some(1600), Some(900))
    );
    let fx = front["intrinsics"]["fx"].as_f64().unwrap();
    assert!((fx - 1266.4).abs() < 0.05, "fx {fx}");
    let translation = front["sensor_to_ego"]["translation"].as_array().unwrap();
    assert!((translation[0].as_f64().unwrap() - 1.7008).abs() < 1e-3);
    // Third column of the rotation: the optical axis (sensor z) points along ego +x.
    let rotation = &front["sensor_to_ego"]["rotation"];
    assert!(rotation[0][2].as_f64().unwrap() > 0.99, "{rotation}");
}

#[test]
fn info_on_a_bad_rig_fails_with_one_line_naming_file_and_field() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    let camera = Camera::new(
        "FRONT",
        CameraModel::pinhole(500.0, 500.0, 320.0, 240.0),
        640,
        480,
        nalgebra::Isometry3::identity(),
    );
    let mut writer = DriveWriter::create(&root, &CameraRig::new(vec![camera]).unwrap()).unwrap();
    writer
        .add_frame(FrameInput::new("FRONT", 1_000, b"jpeg", "jpg"))
        .unwrap();
    writer.finish().unwrap();
    let output = panoptes_info(&root);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (report["format"].as_str(), report["frame_sets"].as_u64()),
        (Some("panoptes"), Some(1))
    );

    let rig_file = root.join("rig.json");
    let text = std::fs::read_to_string(&rig_file)
        .unwrap()
        .replace("\"fx\": 500.0", "\"fx\": -500.0");
    std::fs::write(&rig_file, text).unwrap();
    let output = panoptes_info(&root);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&rig_file.display().to_string()), "{stderr}");
    assert!(stderr.contains("intrinsics.fx"), "{stderr}");
}
