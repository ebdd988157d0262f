//! The default model, panoptes-net (models/panoptes-net): its manifests validate against their
//! graphs and name the simulator's classes, and replaying the bundled sample drive finds the
//! vehicles its ground truth holds.
#![allow(clippy::unwrap_used)]

mod common;

use panoptes_drive::Drive;
use panoptes_pipeline::{ModelRequest, ReplayOptions};
use panoptes_runtime::{BatchLimit, Engine, Manifest};
use panoptes_sim::{DetectionClass, SemanticClass};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A detection's label and `[x, y, w, h]` box.
type LabelledBox = (String, [f32; 4]);

fn model_dir() -> PathBuf {
    panoptes_fixtures::workspace_root().join("models/panoptes-net")
}

/// The drive in assets/ that the README's main command replays.
fn sample_drive() -> PathBuf {
    panoptes_fixtures::workspace_root().join("assets/sample-drive")
}

/// Output name → fixed dimensions (None where dynamic).
fn output_shapes(engine: &Engine) -> BTreeMap<String, Vec<Option<usize>>> {
    engine
        .description()
        .outputs
        .iter()
        .map(|output| {
            let shape = output.dimensions.iter().map(|d| d.fixed()).collect();
            (output.name.clone(), shape)
        })
        .collect()
}

#[test]
fn shared_model_validates_with_a_dynamic_batch_and_the_simulator_classes() {
    let manifest = Manifest::load(&model_dir().join("panoptes-net.toml"), None).unwrap();
    assert_eq!((manifest.input.width, manifest.input.height), (384, 224));
    let detection: Vec<&str> = DetectionClass::ALL.iter().map(|c| c.name()).collect();
    let semantic: Vec<&str> = SemanticClass::ALL.iter().map(|c| c.name()).collect();
    let heads: BTreeMap<&str, Vec<&str>> = manifest
        .heads
        .iter()
        .map(|head| {
            let classes = head.classes.iter().map(String::as_str).collect();
            (head.name.as_str(), classes)
        })
        .collect();
    assert_eq!(heads["objects"], detection);
    assert_eq!(heads["semantic"], semantic);
    assert_eq!(manifest.heads[0].keypoints, 17);
    let size = std::fs::metadata(&manifest.weights).unwrap().len();
    assert!(
        size <= 10 * 1024 * 1024,
        "{size} bytes is over the 10 MB budget"
    );

    let mut engine = Engine::builder(manifest)
        .with_batch_size(6)
        .build()
        .unwrap();
    assert_eq!(engine.batch_limit(), BatchLimit::Dynamic);
    // One run of a six-camera batch (grey images): the shapes the decoders rely on.
    let batch = ndarray::Array4::<f32>::zeros((6, 3, 224, 384));
    let outputs = engine.run(batch.view()).unwrap();
    // Box, objectness, classes, 3 × 17 keypoints per row; one row per stride-8 cell (48 × 28)
    // and per stride-4 cell (96 × 56).
    let row = 5 + detection.len() + 3 * 17;
    let cells = 48 * 28 + 96 * 56;
    assert_eq!(outputs.get("detections").unwrap().shape(), [6, cells, row]);
    let classes = semantic.len();
    let segmentation = outputs.get("segmentation").unwrap();
    assert_eq!(segmentation.shape(), [6, classes, 56, 96]);
    let depth = outputs.get("depth").unwrap();
    assert_eq!(depth.shape(), [6, 1, 56, 96]);
    assert!(
        depth.iter().all(|metres| (0.5..=80.0).contains(metres)),
        "depth is clamped to 0.5–80 m in the graph"
    );
}

#[test]
fn single_task_models_validate_with_one_head_each() {
    for (task, output) in [
        ("detection", "detections"),
        ("segmentation", "segmentation"),
        ("depth", "depth"),
    ] {
        let path = model_dir().join(format!("panoptes-net-{task}.toml"));
        let manifest = Manifest::load(&path, None).unwrap();
        assert_eq!(manifest.heads.len(), 1, "{task}");
        let engine = Engine::builder(manifest)
            .with_batch_size(6)
            .build()
            .unwrap();
        let shapes = output_shapes(&engine);
        assert_eq!(shapes.keys().collect::<Vec<_>>(), [output], "{task}");
    }
}

/// A ground-truth vehicle the model must find: car, truck or bus, at least 30 px on each side,
/// at most half hidden.
fn clear_vehicles(drive: &Drive) -> Vec<(usize, String, [f32; 4])> {
    let vehicles = ["car", "truck", "bus"];
    let mut found = Vec::new();
    for set in drive.frame_sets() {
        for entry in &set.frames {
            let Some(frame) = entry.frame() else { continue };
            let Some(truth) = &frame.ground_truth else {
                continue;
            };
            for object in &truth.annotations.boxes {
                let [x, y, w, h] = object.box_xywh.map(|v| v as f32);
                if vehicles.contains(&object.class.as_str())
                    && w >= 30.0
                    && h >= 30.0
                    && object.occlusion <= 0.5
                {
                    found.push((set.index, frame.camera.clone(), [x, y, w, h]));
                }
            }
        }
    }
    found
}

#[test]
fn replay_of_the_sample_drive_finds_the_ground_truth_vehicles() {
    let drive = Drive::open(&sample_drive()).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let models = vec![ModelRequest {
        manifest: model_dir().join("panoptes-net.toml"),
        weights: None,
    }];
    // Offline, on the CPU, every default but the limit.
    let options = ReplayOptions {
        limit: Some(4),
        ..ReplayOptions::new(models, folder.path())
    };
    let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
    let report =
        panoptes_pipeline::replay_sequential(&drive, models, &options, &mut |_| {}).unwrap();
    assert_eq!(report.errors, 0);

    let text = std::fs::read_to_string(folder.path().join("perception.jsonl")).unwrap();
    // (frame set, camera) → (label, box)
    let mut predicted: BTreeMap<(usize, String), Vec<LabelledBox>> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        for (camera, entry) in record["cameras"].as_object().unwrap() {
            for detection in entry["detections"].as_array().unwrap() {
                let label = detection["label"].as_str().unwrap().to_string();
                let entry = predicted.entry((index, camera.clone())).or_default();
                entry.push((label, common::json_box(detection)));
            }
        }
    }
    let truths: Vec<_> = clear_vehicles(&drive)
        .into_iter()
        .filter(|(set, _, _)| *set < 4)
        .collect();
    assert!(
        truths.len() >= 4,
        "the sample drive holds {} clear vehicles",
        truths.len()
    );
    let vehicle = |label: &str| ["car", "truck", "bus"].contains(&label);
    let matched = truths
        .iter()
        .filter(|(set, camera, truth)| {
            predicted.get(&(*set, camera.clone())).is_some_and(|boxes| {
                boxes
                    .iter()
                    .any(|(label, found)| vehicle(label) && common::iou(*found, *truth) >= 0.5)
            })
        })
        .count();
    assert!(
        2 * matched >= truths.len(),
        "found {matched} of {} ground-truth vehicles at IoU ≥ 0.5",
        truths.len()
    );
}
