//! Broken manifests stop `panoptes inspect` with one line naming the file and the field.
#![allow(clippy::unwrap_used)]

use panoptes_fixtures::real_or_skip;
use std::process::Command;

fn inspect_broken(edit: impl Fn(&str) -> String) -> Option<(i32, String)> {
    let weights = panoptes_fixtures::real("models/yolox-nano/yolox_nano_416x416.onnx")?;
    let original = std::fs::read_to_string(
        panoptes_fixtures::workspace_root().join("models/zoo/yolox-nano.toml"),
    )
    .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let manifest = folder.path().join("broken.toml");
    std::fs::write(&manifest, edit(&original)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("inspect")
        .arg(&manifest)
        .arg("--weights")
        .arg(&weights)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.contains("broken.toml: field"), "{stderr}");
    Some((output.status.code().unwrap_or(-1), stderr))
}

#[test]
fn a_misspelled_output_is_named() {
    let Some((code, stderr)) =
        inspect_broken(|text| text.replace("outputs = [\"output\"]", "outputs = [\"ouput\"]"))
    else {
        return;
    };
    assert_ne!(code, 0);
    assert!(
        stderr.contains("`heads.objects.outputs`") && stderr.contains("use `output`"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_class_count_is_named() {
    let Some((code, stderr)) = inspect_broken(|text| text.replace("\"toothbrush\",", "")) else {
        return;
    };
    assert_ne!(code, 0);
    assert!(
        stderr.contains("`heads.objects.classes`") && stderr.contains("list 80 classes"),
        "{stderr}"
    );
}

#[test]
fn a_missing_size_is_named() {
    let Some((code, stderr)) = inspect_broken(|text| text.replace("height = 416\n", "")) else {
        return;
    };
    assert_ne!(code, 0);
    assert!(
        stderr.contains("`input.height`") && stderr.contains("is missing"),
        "{stderr}"
    );
}

#[test]
fn inspect_shows_the_real_yolox_shapes() {
    let weights = real_or_skip!("models/yolox-nano/yolox_nano_416x416.onnx");
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("inspect")
        .arg(&weights)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("images") && stdout.contains("[1,3,416,416]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("output") && stdout.contains("[1,3549,85]"),
        "{stdout}"
    );
}

#[test]
fn doctor_names_onnx_runtime_1_31() {
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("ONNX Runtime  1.31."), "{stdout}");
    assert!(stdout.contains("CPUExecutionProvider"), "{stdout}");
}
