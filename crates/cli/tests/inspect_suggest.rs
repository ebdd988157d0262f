//! `panoptes inspect --suggest`: a manifest on stdout that, saved beside the model, inspects as
//! valid; a manifest given to it is refused in one line.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn panoptes(arguments: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .args(arguments)
        .output()
        .unwrap()
}

#[test]
fn a_suggested_manifest_saved_beside_the_model_inspects_as_valid() {
    let exports = panoptes_fixtures::workspace_root().join("models/exports");
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("yolo11-seg-tiny.onnx");
    std::fs::copy(exports.join("yolo11-seg-tiny.onnx"), &model).unwrap();
    let output = panoptes(&["inspect".as_ref(), model.as_os_str(), "--suggest".as_ref()]);
    assert!(output.status.success(), "{output:?}");
    let manifest = String::from_utf8(output.stdout).unwrap();
    assert!(
        manifest.contains("kind = \"instance-segmentation\""),
        "{manifest}"
    );
    assert!(manifest.contains("Not known from the graph"), "{manifest}");
    let path = folder.path().join("yolo11-seg-tiny.toml");
    std::fs::write(&path, manifest).unwrap();
    let output = panoptes(&["inspect".as_ref(), path.as_os_str()]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("(valid)"), "{text}");
}

#[test]
fn suggest_refuses_a_manifest_in_one_line() {
    let manifest = panoptes_fixtures::workspace_root().join("models/exports/yolov8-tiny.toml");
    let output = panoptes(&[
        "inspect".as_ref(),
        manifest.as_os_str(),
        "--suggest".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("give the .onnx file"), "{stderr}");
}
