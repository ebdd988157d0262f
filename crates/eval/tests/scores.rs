//! Drives scored apart, their scores sent through JSON and summarized together, give the same
//! figures as one evaluation of all of them: how a fleet of drives is scored on a cluster.
//! Two small simulated drives through the default model (it needs ONNX Runtime).
#![allow(clippy::unwrap_used)]

use panoptes_drive::Drive;
use panoptes_eval::{
    evaluate_scenes, load_evaluation_models, summarize, DriveScores, EvalError, EvalOptions,
    Evaluation, Evaluator,
};
use panoptes_pipeline::{LoadedModel, ModelRequest};
use panoptes_runtime::{ExecutionTarget, Optimization};
use panoptes_sim::{write_drive, RigPreset, SimConfig, Simulator};
use std::path::Path;

fn simulated(root: &Path, seed: u64) -> Drive {
    let simulator = Simulator::new(SimConfig::new(RigPreset::NuScenes6, seed)).unwrap();
    write_drive(&simulator, root, 2, |_| {}).unwrap();
    Drive::open(root).unwrap()
}

fn models(manifest: &str) -> Vec<LoadedModel> {
    let requests = [ModelRequest {
        manifest: panoptes_fixtures::workspace_root().join(manifest),
        weights: None,
    }];
    let mut targets = ExecutionTarget::parse_list("cpu").unwrap();
    if let ExecutionTarget::Cpu(options) = &mut targets[0] {
        options.intra_threads = Some(1);
    }
    load_evaluation_models(&requests, &targets, Optimization::All, 6, None).unwrap()
}

/// Every figure, without the wall-clock seconds.
fn figures(evaluation: &Evaluation) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("wall_seconds");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(evaluation).unwrap();
    strip(&mut value);
    value
}

#[test]
fn scores_merged_after_a_json_round_trip_equal_one_evaluation_of_every_drive() {
    let directory = tempfile::tempdir().unwrap();
    let drives = [
        simulated(&directory.path().join("one"), 31),
        simulated(&directory.path().join("two"), 32),
    ];
    let options = EvalOptions::default();
    let together = evaluate_scenes(
        &drives,
        models("models/panoptes-net/panoptes-net.toml"),
        &options,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(together.scenes.len(), 2);
    assert!(together.ego.is_some(), "the simulated drives have 3D boxes");

    // Each drive scored on its own (as two workers would), sent as JSON, read back.
    let mut evaluator = Evaluator::new(models("models/panoptes-net/panoptes-net.toml"), 6);
    let mut received = Vec::new();
    for drive in &drives {
        let scores = evaluator
            .score(std::slice::from_ref(drive), &options, &mut |_| {})
            .unwrap();
        assert_eq!(scores.len(), 1);
        let text = DriveScores::to_json(&scores);
        let back = DriveScores::from_json(&text).unwrap();
        assert_eq!(back, scores, "the JSON round trip loses nothing");
        received.extend(back);
    }
    let name = drives[0].root().display().to_string();
    let merged = summarize(&received, &name, 0.0).unwrap();
    assert_eq!(figures(&merged), figures(&together));
    assert_eq!(
        figures(&received[1].summarize()),
        figures(&together.scenes[1])
    );
}

#[test]
fn truth_objects_of_different_drives_are_not_one_track() {
    // The same drive twice: the same instance ids in both. As two drives their objects are
    // twice as many, and no switch is counted between the copies.
    let directory = tempfile::tempdir().unwrap();
    let drive = simulated(&directory.path().join("drive"), 31);
    let mut evaluator = Evaluator::new(models("models/panoptes-net/panoptes-net.toml"), 6);
    let options = EvalOptions::default();
    let once = evaluator
        .score(std::slice::from_ref(&drive), &options, &mut |_| {})
        .unwrap();
    let twice = [once[0].clone(), once[0].clone()];
    let single = once[0].summarize().ego.unwrap().id_switches.unwrap();
    let double = summarize(&twice, "twice", 0.0)
        .unwrap()
        .ego
        .unwrap()
        .id_switches
        .unwrap();
    assert!(single.matched_objects > 0);
    assert_eq!(double.matched_objects, 2 * single.matched_objects);
    assert_eq!(double.switches, 2 * single.switches);
}

#[test]
fn scores_of_different_models_are_not_merged() {
    let directory = tempfile::tempdir().unwrap();
    let drive = simulated(&directory.path().join("drive"), 31);
    let options = EvalOptions::default();
    let mut shared = Evaluator::new(models("models/panoptes-net/panoptes-net.toml"), 6);
    let mut other = Evaluator::new(models("models/panoptes-net/panoptes-net-detection.toml"), 6);
    let mut scores = shared
        .score(std::slice::from_ref(&drive), &options, &mut |_| {})
        .unwrap();
    scores.extend(
        other
            .score(std::slice::from_ref(&drive), &options, &mut |_| {})
            .unwrap(),
    );
    let error = summarize(&scores, "mixed", 0.0).unwrap_err();
    assert!(
        matches!(error, EvalError::Incompatible { what: "models", .. }),
        "{error}"
    );
    assert!(DriveScores::from_json("[{\"drive\": 1}]").is_err());
}
