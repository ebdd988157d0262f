//! `panoptes sim` through the built binary: a readable drive, the same bytes twice, and
//! one-line errors for bad arguments.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn panoptes(arguments: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("sim")
        .arg(out)
        .args(arguments)
        .output()
        .unwrap()
}

#[test]
fn sim_writes_a_drive_that_info_reads_and_the_same_bytes_twice() {
    let directory = tempfile::tempdir().unwrap();
    let (first, second) = (directory.path().join("a"), directory.path().join("b"));
    for out in [&first, &second] {
        let output = panoptes(
            &[
                "--rig", "fisheye4", "--frames", "2", "--seed", "3", "--size", "128x96",
            ],
            out,
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let info = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("info")
        .arg(&first)
        .output()
        .unwrap();
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(report["frame_sets"], 2);
    let cameras = report["cameras"].as_array().unwrap();
    assert_eq!(cameras.len(), 4);
    assert!(cameras
        .iter()
        .all(|camera| camera["model"] == "kannala-brandt"
            && camera["width"] == 128
            && camera["height"] == 96));
    assert_eq!(
        std::fs::read(first.join("index.json")).unwrap(),
        std::fs::read(second.join("index.json")).unwrap()
    );
}

#[test]
fn bad_arguments_fail_with_one_line_that_names_the_problem() {
    let directory = tempfile::tempdir().unwrap();
    for (arguments, expected) in [
        (&["--rig", "pinhole9"][..], "unknown rig `pinhole9`"),
        (&["--size", "640"][..], "not WIDTHxHEIGHT"),
        (&["--size", "8x8"][..], "out of range"),
        (&["--frames", "0"][..], "at least one frame set"),
    ] {
        let output = panoptes(arguments, &directory.path().join("drive"));
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{arguments:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}
