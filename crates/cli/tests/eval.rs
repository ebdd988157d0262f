//! `panoptes eval` through the built binary: drives without ground truth are refused at once;
//! the fusion flags are taken.
#![allow(clippy::unwrap_used)]

use panoptes::{Camera, CameraModel, CameraRig};
use panoptes_drive::{Annotations, BoundingBox, DriveWriter, FrameInput};
use std::path::Path;
use std::process::Command;

fn write_drive(root: &Path, annotations: Option<Annotations>) {
    let camera = Camera::new(
        "FRONT",
        CameraModel::pinhole(500.0, 500.0, 320.0, 240.0),
        640,
        480,
        nalgebra::Isometry3::identity(),
    );
    let mut writer = DriveWriter::create(root, &CameraRig::new(vec![camera]).unwrap()).unwrap();
    let mut frame = FrameInput::new("FRONT", 1_000, b"jpeg", "jpg");
    if let Some(annotations) = annotations {
        frame = frame.with_annotations(annotations);
    }
    writer.add_frame(frame).unwrap();
    writer.finish().unwrap();
}

fn panoptes_eval(drive: &Path, manifest: &Path, json: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("eval")
        .arg(drive)
        .arg("--model")
        .arg(manifest)
        .arg("--json")
        .arg(json)
        .output()
        .unwrap()
}

#[test]
fn eval_on_a_drive_without_ground_truth_fails_with_one_line() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    write_drive(&root, None);
    let json = directory.path().join("eval.json");
    // The manifest does not exist: the ground-truth check comes before loading models.
    let manifest = directory.path().join("absent.toml");
    let output = panoptes_eval(&root, &manifest, &json);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("has no ground truth"), "{stderr}");
    assert!(stderr.contains(&root.display().to_string()), "{stderr}");
    assert!(!json.exists());
}

#[test]
fn eval_on_a_drive_with_ground_truth_goes_on_to_load_the_model() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    let annotations = Annotations {
        boxes: vec![BoundingBox {
            class: "car".to_string(),
            instance_id: 1,
            occlusion: 0.0,
            box_xywh: [10.0, 10.0, 50.0, 40.0],
        }],
        ..Annotations::default()
    };
    write_drive(&root, Some(annotations));
    let json = directory.path().join("eval.json");
    let manifest = directory.path().join("absent.toml");
    let output = panoptes_eval(&root, &manifest, &json);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("ground truth"), "{stderr}");
    assert!(stderr.contains("absent.toml"), "{stderr}");
}

#[test]
fn eval_takes_the_fusion_flags_and_names_a_missing_fusion_file() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    write_drive(&root, None);
    let manifest = directory.path().join("absent.toml");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_panoptes"))
            .arg("eval")
            .arg(&root)
            .arg("--model")
            .arg(&manifest)
            .args(extra)
            .output()
            .unwrap()
    };
    // Flags accepted: the run gets as far as the ground-truth check.
    let output = run(&["--no-fusion", "--ego-max-distance", "30"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success());
    assert!(stderr.contains("has no ground truth"), "{stderr}");
    // A fusion file that is not there is named, before anything else is read.
    let fusion = directory.path().join("absent-fusion.toml");
    let output = run(&["--fusion", fusion.to_str().unwrap()]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("absent-fusion.toml"), "{stderr}");
}
