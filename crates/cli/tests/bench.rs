//! `panoptes bench` through the binary: cold start, stages, the interleaved comparisons (made or
//! skipped with why), the JSON and the plots beside it. Figures are checked for shape and
//! consistency, never for speed.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn workspace(path: &str) -> String {
    panoptes_fixtures::workspace_root()
        .join(path)
        .display()
        .to_string()
}

#[test]
fn bench_writes_comparisons_json_and_plots() {
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("run.json");
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("bench")
        .arg(workspace("assets/sample-drive"))
        .args([
            "--model",
            &workspace("models/panoptes-net/panoptes-net.toml"),
        ])
        .args([
            "--separate",
            &workspace("models/panoptes-net/panoptes-net-depth.toml"),
        ])
        .args(["--iterations", "3", "--warmup", "1", "--frame-sets", "4"])
        .args(["--rounds", "2", "--round-repetitions", "1"])
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("cold start: ONNX Runtime"), "{stdout}");
    assert!(stdout.contains("batched vs per-camera"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["cold_start"]["library_ms"].as_f64().unwrap() >= 0.0);
    let cold = &report["cold_start"]["models"][0];
    assert_eq!(cold["model"], "panoptes-net");
    assert!(cold["first_inference_ms"].as_f64().unwrap() > 0.0);
    let stage = &report["stages"][0];
    assert_eq!(
        stage["samples_ms"]["inference"].as_array().unwrap().len(),
        3
    );
    assert_eq!(stage["inference_ms"]["samples"], 3);
    let names: Vec<&str> = report["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|comparison| comparison["name"].as_str().unwrap())
        .collect();
    // Two workers need two cores; a one-core machine skips that comparison.
    for name in [
        "batched vs per-camera",
        "shared vs separate models",
        "overlapped vs sequential replay",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for comparison in report["comparisons"].as_array().unwrap() {
        let (a, b) = (&comparison["a_ms"], &comparison["b_ms"]);
        assert_eq!(a.as_array().unwrap().len(), 2, "{comparison}");
        assert_eq!(b.as_array().unwrap().len(), 2, "{comparison}");
        let ratio = &comparison["ratio"];
        assert_eq!(ratio["rounds"], 2);
        let (min, median, max) = (
            ratio["min"].as_f64().unwrap(),
            ratio["median"].as_f64().unwrap(),
            ratio["max"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= median && median <= max, "{comparison}");
    }
    let skipped = report["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|skip| skip["name"] == "providers"
            && skip["why"].as_str().unwrap().contains("one provider")),
        "{skipped:?}"
    );
    // The overlapped replay's timeline has every stage of the pipeline, spans in order.
    let overlapped = report["timeline"]["overlapped"].as_array().unwrap();
    for stage in ["pre-processing", "decoding", "writing"] {
        assert!(
            overlapped.iter().any(|span| span["stage"] == stage),
            "{stage} missing from the timeline"
        );
    }
    for span in overlapped {
        assert!(span["start_ms"].as_f64().unwrap() <= span["end_ms"].as_f64().unwrap());
    }
    for plot in ["run-latency.svg", "run-timeline.svg", "run-comparisons.svg"] {
        let svg = std::fs::read_to_string(out.path().join(plot)).unwrap();
        assert!(svg.starts_with("<svg"), "{plot}");
        assert!(svg.contains("<rect"), "{plot} has no bars");
    }
    let latency = std::fs::read_to_string(out.path().join("run-latency.svg")).unwrap();
    assert!(latency.contains("panoptes-net: inference (3 runs)"));
}

#[test]
fn an_unknown_comparison_is_refused_naming_the_choices() {
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .arg("bench")
        .arg(workspace("assets/sample-drive"))
        .args([
            "--model",
            &workspace("models/panoptes-net/panoptes-net.toml"),
        ])
        .args(["--compare", "batched,fastest"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--compare fastest: not a comparison; choose from batched, shared"),
        "{stderr}"
    );
}
