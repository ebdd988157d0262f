//! `replay` on the real nuScenes key frame with both real models: detections against the known
//! answers, masks against ONNX Runtime's own output (argmax + nearest upsampling).
#![allow(clippy::unwrap_used)]

mod common;

use ndarray::Axis;
use panoptes_drive::Drive;
use panoptes_pipeline::{ModelRequest, ReplayOptions};
use panoptes_runtime::{Engine, Manifest};

fn replay_options(out: &std::path::Path) -> Option<ReplayOptions> {
    let models = vec![
        ModelRequest {
            manifest: common::zoo("yolox-nano.toml"),
            weights: Some(common::yolox_weights()?),
        },
        ModelRequest {
            manifest: common::zoo("twinlitenet.toml"),
            weights: Some(common::twinlitenet_weights()?),
        },
    ];
    // Offline, on the CPU, the whole drive: every default.
    Some(ReplayOptions::new(models, out))
}

#[test]
fn replay_finds_the_known_objects_and_writes_exact_masks() {
    let Some(dataroot) = panoptes_fixtures::real("nuscenes-sample") else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let Some(options) = replay_options(folder.path()) else {
        return;
    };
    let drive = Drive::open(&dataroot).unwrap();
    let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
    let report =
        panoptes_pipeline::replay_sequential(&drive, models, &options, &mut |_| {}).unwrap();
    assert_eq!(report.frame_sets, 1);
    assert_eq!(report.errors, 0);
    assert_eq!(report.provider, "cpu");
    assert!(report.latency_ms.contains_key("inference"));

    let text = std::fs::read_to_string(folder.path().join("perception.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let front = &lines[0]["cameras"]["CAM_FRONT"];
    assert_eq!(front["timestamp_us"], 1_532_402_927_612_460_u64);
    let detections: Vec<(String, [f32; 4])> = front["detections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|detection| {
            (
                detection["label"].as_str().unwrap().to_string(),
                common::json_box(detection),
            )
        })
        .collect();
    let truck = [132.0, 229.0, 484.0, 401.0];
    assert!(
        detections
            .iter()
            .any(|(label, found)| label == "truck" && common::iou(*found, truck) >= 0.9),
        "no truck near {truck:?} in {detections:?}"
    );
    for (x, y) in [(1001.0, 483.0), (711.0, 476.0), (891.0, 471.0)] {
        assert!(
            detections.iter().any(|(label, found)| label == "car"
                && (found[0] - x).abs() < 3.0
                && (found[1] - y).abs() < 3.0),
            "no car at ({x}, {y}) in {detections:?}"
        );
    }

    // Masks: ONNX Runtime's own output for CAM_FRONT, argmaxed and upsampled by nearest
    // neighbour (pixel centres) to 1600×900, against the PNG the replay wrote.
    let frames = common::nuscenes_frames().unwrap();
    let manifest = Manifest::load(
        &common::zoo("twinlitenet.toml"),
        common::twinlitenet_weights().as_deref(),
    )
    .unwrap();
    let (preprocessor, _) = common::preprocess(&manifest, &frames[..1]);
    let mut engine = Engine::builder(manifest).build().unwrap();
    let outputs = engine.run(preprocessor.batch()).unwrap();
    for (head, output) in [("drivable", "da"), ("lanes", "ll")] {
        let logits = outputs.get(output).unwrap();
        let logits = logits.index_axis(Axis(0), 0);
        let path = folder.path().join(front["masks"][head].as_str().unwrap());
        let mask = image::open(&path).unwrap().to_luma8();
        assert_eq!(mask.dimensions(), (1600, 900));
        let mut agree = 0usize;
        for (x, y, pixel) in mask.enumerate_pixels() {
            let source_x = ((f64::from(x) + 0.5) * 640.0 / 1600.0) as usize;
            let source_y = ((f64::from(y) + 0.5) * 360.0 / 900.0) as usize;
            let expected =
                u8::from(logits[[1, source_y, source_x]] > logits[[0, source_y, source_x]]);
            agree += usize::from(pixel.0[0] == expected);
        }
        let fraction = agree as f64 / (1600.0 * 900.0);
        assert!(fraction >= 0.99, "{head}: {fraction} of pixels agree");
    }
}
