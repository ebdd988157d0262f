//! `panoptes inspect --suggest` on the graphs exported by the tools (models/exports) and the
//! real zoo models: every one is recognised as its hand-written manifest reads it, and each
//! suggested manifest, with the classes filled in, loads and replays the real nuScenes frames,
//! finding the boxes the tool's own post-processing found on CAM_FRONT.
#![allow(clippy::unwrap_used)]

mod common;

use panoptes_drive::Drive;
use panoptes_pipeline::{ModelRequest, ReplayOptions};
use panoptes_runtime::{describe_model, suggest_manifest, HeadSpec, Manifest};
use std::path::{Path, PathBuf};

const EXPORTS: [&str; 6] = [
    "yolov5-tiny",
    "yolov8-tiny",
    "yolo11-tiny",
    "yolo11-pose-tiny",
    "yolo11-seg-tiny",
    "multitask-tiny",
];

fn exports(name: &str) -> PathBuf {
    panoptes_fixtures::workspace_root()
        .join("models/exports")
        .join(name)
}

/// What a manifest's head reads, for comparing a suggestion with the hand-written manifest.
fn reading(
    head: &HeadSpec,
) -> (
    Vec<String>,
    &'static str,
    Option<String>,
    usize,
    usize,
    usize,
) {
    (
        head.outputs.clone(),
        head.kind.as_str(),
        head.format.clone(),
        head.classes.len(),
        head.keypoints,
        head.mask_coefficients,
    )
}

/// The suggestion for `weights`, checked against `manifest` head by head; returns its text
/// with each head's classes taken from `manifest`.
fn suggest_like(weights: &Path, manifest: &Manifest) -> String {
    let description = describe_model(weights).unwrap();
    let suggestion = suggest_manifest(&description, "model.onnx", "suggested");
    let suggested = Manifest::parse(
        Path::new("suggested.toml"),
        &suggestion.manifest,
        Some(weights),
    )
    .unwrap_or_else(|error| panic!("{error}\n{}", suggestion.manifest));
    panoptes_runtime::validate(&suggested, &description).unwrap();
    let expected: Vec<_> = manifest.heads.iter().map(reading).collect();
    let got: Vec<_> = suggested.heads.iter().map(reading).collect();
    assert_eq!(got, expected, "{}", weights.display());
    assert_eq!(
        (suggested.input.width, suggested.input.height),
        (manifest.input.width, manifest.input.height)
    );
    // The classes, filled in as a user would: each head's `classes` line replaced.
    let mut head = None::<usize>;
    let mut lines = Vec::new();
    for line in suggestion.manifest.lines() {
        if line == "[[heads]]" {
            head = Some(head.map_or(0, |index| index + 1));
        }
        match head {
            Some(index) if line.starts_with("classes = ") => {
                let names: Vec<String> = manifest.heads[index]
                    .classes
                    .iter()
                    .map(|name| format!("\"{name}\""))
                    .collect();
                lines.push(format!("classes = [{}]", names.join(", ")));
            }
            _ => lines.push(line.to_owned()),
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn suggestions_read_every_export_as_its_manifest_does_and_replay() {
    let dataroot = panoptes_fixtures::real_or_skip!("nuscenes-sample");
    let drive = Drive::open(&dataroot).unwrap();
    let folder = tempfile::tempdir().unwrap();
    for name in EXPORTS {
        let weights = exports(&format!("{name}.onnx"));
        let manifest = Manifest::load(&exports(&format!("{name}.toml")), None).unwrap();
        let text = suggest_like(&weights, &manifest);
        let path = folder.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = folder.path().join(name);
        let options = ReplayOptions {
            limit: Some(1),
            fusion: None,
            inference_workers: Some(1),
            ..ReplayOptions::new(
                vec![ModelRequest {
                    manifest: path,
                    weights: Some(weights),
                }],
                &out,
            )
        };
        let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
        let report =
            panoptes_pipeline::replay_concurrent(&drive, models, &options, &mut |_| {}).unwrap();
        assert_eq!(report.frame_sets, 1, "{name}");
        let line = std::fs::read_to_string(out.join("perception.jsonl")).unwrap();
        let record: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
        let found = record["cameras"]["CAM_FRONT"]["detections"]
            .as_array()
            .unwrap()
            .len();
        // The multi-task graph was made with ImageNet normalisation, which a graph cannot tell:
        // the suggestion's /255 gives other boxes. The others are pre-processed as their tools do.
        if name != "multitask-tiny" {
            let reference: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(exports(&format!("reference/{name}.json"))).unwrap(),
            )
            .unwrap();
            let tool = reference["images"]["CAM_FRONT"]["same_tensor"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|entry| {
                    let [_, _, width, height] = common::json_box(entry);
                    width > 0.0 && height > 0.0
                })
                .count();
            assert_eq!(found, tool, "{name}: CAM_FRONT boxes");
        }
    }
}

#[test]
fn suggestions_read_the_real_zoo_models_as_their_manifests_do() {
    for (manifest, weights) in [
        ("yolox-nano.toml", common::yolox_weights()),
        ("twinlitenet.toml", common::twinlitenet_weights()),
    ] {
        let Some(weights) = weights else {
            return;
        };
        let manifest = Manifest::load(&common::zoo(manifest), Some(&weights)).unwrap();
        suggest_like(&weights, &manifest);
    }
}
