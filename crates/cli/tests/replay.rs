//! `panoptes replay` through the binary: weights paired with the manifest before them, the
//! output directory of the contract, and one-line errors.
#![allow(clippy::unwrap_used)]

use panoptes_fixtures::real_or_skip;
use std::process::Command;

fn zoo(name: &str) -> String {
    panoptes_fixtures::workspace_root()
        .join("models/zoo")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn replay_writes_the_contract_files_with_each_weights_after_its_manifest() {
    let dataroot = real_or_skip!("nuscenes-sample");
    let yolox = real_or_skip!("models/yolox-nano/yolox_nano_416x416.onnx");
    let twin = real_or_skip!("models/twinlitenet/twinlitenet_dynbatch.onnx");
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("replay")
        .arg(&dataroot)
        .args(["--model", &zoo("yolox-nano.toml"), "--weights"])
        .arg(&yolox)
        .args(["--model", &zoo("twinlitenet.toml"), "--weights"])
        .arg(&twin)
        .arg("--out")
        .arg(out.path())
        .arg("--overlays")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["frame_sets"], 1);
    assert_eq!(report["provider"], "cpu");
    let names: Vec<&str> = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["yolox-nano", "twinlitenet"]);
    for stage in ["preprocess", "inference", "decode", "write", "total"] {
        assert!(
            report["latency_ms"][stage]["p99"].as_f64().unwrap() > 0.0,
            "{stage}"
        );
    }
    if cfg!(unix) {
        // Two models over six cameras cost CPU time; at most every core was busy.
        let cpu = &report["cpu"];
        assert!(cpu["cpu_ms_per_frame_set"].as_f64().unwrap() > 1.0, "{cpu}");
        let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
        let busy = cpu["cores_busy"].as_f64().unwrap();
        assert!(busy > 0.0 && busy <= cores * 1.05, "{cpu}");
    }
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(out.path().join("perception.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let front = &line["cameras"]["CAM_FRONT"];
    assert!(out
        .path()
        .join(front["masks"]["drivable"].as_str().unwrap())
        .is_file());
    assert!(out.path().join("overlays/000000.jpg").is_file());
}

#[test]
fn weights_before_any_model_is_refused_in_one_line() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .args([
            "replay",
            "somewhere",
            "--weights",
            "w.onnx",
            "--model",
            &zoo("yolox-nano.toml"),
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--weights w.onnx comes before any --model"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_provider_is_refused_in_one_line() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .args([
            "replay",
            "somewhere",
            "--model",
            &zoo("yolox-nano.toml"),
            "--provider",
            "gpu",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unknown execution target `gpu`"),
        "{stderr}"
    );
}

/// Replays the bundled sample drive's first two frame sets with the default model and `save`.
fn replay_saving(save: &str) -> (std::process::Output, tempfile::TempDir) {
    let root = panoptes_fixtures::workspace_root();
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("replay")
        .arg(root.join("assets/sample-drive"))
        .arg("--model")
        .arg(root.join("models/panoptes-net/panoptes-net.toml"))
        .args(["--limit", "2", "--save", save, "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    (output, out)
}

#[test]
fn save_chooses_the_files_and_the_records_name_only_those() {
    let (output, out) = replay_saving("masks");
    assert!(output.status.success(), "{output:?}");
    let text = std::fs::read_to_string(out.path().join("perception.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let front = &first["cameras"]["CAM_FRONT"];
    let mask = front["masks"]["semantic"].as_str().unwrap();
    assert!(out.path().join(mask).is_file(), "{mask}");
    assert!(
        front.get("depth").is_none() && first.get("bev").is_none(),
        "{first}"
    );
    assert!(!out.path().join("depth").exists() && !out.path().join("bev").exists());

    let (output, out) = replay_saving("none");
    assert!(output.status.success(), "{output:?}");
    let mut entries: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["perception.jsonl", "report.json"]);

    let (output, _) = replay_saving("none,masks");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--save none"), "{stderr}");
}
