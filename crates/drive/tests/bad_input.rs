//! Each kind of bad drive input gets an error that names the file and the field.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use panoptes_drive::{Drive, DriveError, DriveWriter, FrameInput};
use panoptes_rig::{Camera, CameraModel, CameraRig, Isometry3};

/// A valid two-camera drive with two frames per camera.
fn valid_drive(directory: &Path) -> PathBuf {
    let root = directory.join("drive");
    let camera = |name: &str| {
        Camera::new(
            name,
            CameraModel::pinhole(500.0, 500.0, 320.0, 240.0),
            640,
            480,
            Isometry3::identity(),
        )
    };
    let rig = CameraRig::new(vec![camera("A"), camera("B")]).unwrap();
    let mut writer = DriveWriter::create(&root, &rig).unwrap();
    for timestamp in [10_000, 110_000] {
        writer
            .add_frame(FrameInput::new("A", timestamp, b"a", "jpg"))
            .unwrap();
        writer
            .add_frame(FrameInput::new("B", timestamp + 5_000, b"b", "jpg"))
            .unwrap();
    }
    writer.finish().unwrap();
    root
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(path, value.to_string()).unwrap();
}

/// Opens the drive and checks the error's file and field.
fn assert_error(root: &Path, file: &str, field: &str) -> DriveError {
    let error = Drive::open(root).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(&root.join(file).display().to_string()),
        "no file in: {message}"
    );
    assert!(message.contains(field), "no field `{field}` in: {message}");
    assert_eq!(error.field().as_deref(), Some(field), "{message}");
    error
}

#[test]
fn valid_drive_opens() {
    let directory = tempfile::tempdir().unwrap();
    let drive = Drive::open(&valid_drive(directory.path())).unwrap();
    assert_eq!(drive.frame_sets().len(), 2);
    assert_eq!(drive.frame_sets()[1].missing(), 0);
}

#[test]
fn non_orthonormal_rotation_in_rig_json() {
    let directory = tempfile::tempdir().unwrap();
    let root = valid_drive(directory.path());
    edit_json(&root.join("rig.json"), |rig| {
        rig["cameras"][1]["sensor_to_ego"]["rotation"][1] = serde_json::json!([0.0, 0.9, 0.3]);
    });
    let error = assert_error(&root, "rig.json", "sensor_to_ego.rotation");
    assert!(error.to_string().contains("camera `B`"), "{error}");
}

#[test]
fn negative_focal_length_in_rig_json() {
    let directory = tempfile::tempdir().unwrap();
    let root = valid_drive(directory.path());
    edit_json(&root.join("rig.json"), |rig| {
        rig["cameras"][0]["intrinsics"]["fx"] = serde_json::json!(-500.0);
    });
    let error = assert_error(&root, "rig.json", "intrinsics.fx");
    assert!(error.to_string().contains("-500"), "{error}");
}

#[test]
fn index_naming_a_missing_file() {
    let directory = tempfile::tempdir().unwrap();
    let root = valid_drive(directory.path());
    edit_json(&root.join("index.json"), |index| {
        index["frames"][2]["image"] = serde_json::json!("images/A/gone.jpg");
    });
    let error = assert_error(&root, "index.json", "frames[2].image");
    assert!(matches!(error, DriveError::MissingFile { .. }), "{error}");
    assert!(error.to_string().contains("images/A/gone.jpg"), "{error}");
}

#[test]
fn path_escaping_the_drive_directory() {
    let directory = tempfile::tempdir().unwrap();
    let root = valid_drive(directory.path());
    for escaping in [
        "../../etc/passwd",
        "/etc/passwd",
        "images/../../outside.jpg",
    ] {
        edit_json(&root.join("index.json"), |index| {
            index["frames"][1]["image"] = serde_json::json!(escaping);
        });
        let error = assert_error(&root, "index.json", "frames[1].image");
        assert!(
            matches!(error, DriveError::PathEscapes { .. }),
            "{escaping}: {error}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symbolic_link_leading_outside_the_drive() {
    let directory = tempfile::tempdir().unwrap();
    let root = valid_drive(directory.path());
    std::fs::write(directory.path().join("secret.jpg"), b"outside").unwrap();
    std::os::unix::fs::symlink(
        directory.path().join("secret.jpg"),
        root.join("images/A/link.jpg"),
    )
    .unwrap();
    edit_json(&root.join("index.json"), |index| {
        index["frames"][0]["image"] = serde_json::json!("images/A/link.jpg");
    });
    let error = assert_error(&root, "index.json", "frames[0].image");
    assert!(matches!(error, DriveError::PathEscapes { .. }), "{error}");
}

#[test]
fn timestamps_going_backwards() {
    let directory = tempfile::tempdir().unwrap();
    let root = valid_drive(directory.path());
    // frames[2] is camera A's second frame; put it before the first.
    edit_json(&root.join("index.json"), |index| {
        index["frames"][2]["timestamp_us"] = serde_json::json!(5_000);
    });
    let error = assert_error(&root, "index.json", "frames[2].timestamp_us");
    assert!(
        matches!(
            error,
            DriveError::TimestampsBackwards {
                previous_us: 10_000,
                timestamp_us: 5_000,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn malformed_index_names_the_field() {
    let directory = tempfile::tempdir().unwrap();
    let root = valid_drive(directory.path());
    edit_json(&root.join("index.json"), |index| {
        index["frames"][3]["timestamp_us"] = serde_json::json!(-3);
    });
    assert_error(&root, "index.json", "frames[3].timestamp_us");
}

#[test]
fn directory_that_is_no_drive() {
    let directory = tempfile::tempdir().unwrap();
    let error = Drive::open(directory.path()).unwrap_err();
    assert!(matches!(error, DriveError::NotADrive { .. }), "{error}");
}
