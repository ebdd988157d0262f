//! A heatmap keypoint head end to end: replaying the sample drive with a model whose heatmaps
//! have known peaks (tests/data/heatmap.onnx) writes each keypoint where the peak maps in the
//! original image, and draws them in the overlay.
#![allow(clippy::unwrap_used)]

use panoptes_drive::Drive;
use panoptes_pipeline::{ModelRequest, ReplayOptions};

#[test]
fn heatmap_keypoints_reach_perception_jsonl_and_the_overlay() {
    let root = panoptes_fixtures::workspace_root();
    let drive = Drive::open(&root.join("assets/sample-drive")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let model = ModelRequest {
        manifest: root.join("crates/panoptes/tests/data/heatmap.toml"),
        weights: None,
    };
    let options = ReplayOptions {
        limit: Some(2),
        overlays: true,
        inference_workers: Some(1),
        ..ReplayOptions::new(vec![model], out.path())
    };
    let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
    let report =
        panoptes_pipeline::replay_concurrent(&drive, models, &options, &mut |_| {}).unwrap();
    assert_eq!(report.frame_sets, 2);

    let text = std::fs::read_to_string(out.path().join("perception.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    // 640 × 360 frames stretched to 64 × 36: one heatmap cell is 40 original pixels.
    let expected = |channel: usize| {
        let (x, y) = (1 + 2 * (channel % 7), 1 + 3 * (channel / 7));
        [(x as f32 - 0.1 + 0.5) * 40.0, (y as f32 + 0.5) * 40.0]
    };
    for line in &lines {
        let cameras = line["cameras"].as_object().unwrap();
        assert_eq!(cameras.len(), drive.rig().len());
        for (camera, perception) in cameras {
            let points = perception["keypoints"]["pose"].as_array().unwrap();
            assert_eq!(points.len(), 17, "{camera}");
            for (channel, point) in points.iter().enumerate().take(16) {
                let point: Vec<f32> = point
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|value| value.as_f64().unwrap() as f32)
                    .collect();
                let [x, y] = expected(channel);
                assert!(
                    (point[0] - x).abs() < 1e-3 && (point[1] - y).abs() < 1e-3,
                    "{camera} keypoint {channel}: {point:?}, expected ({x}, {y})"
                );
                assert!((point[2] - 0.9).abs() < 1e-6);
            }
            assert!(points[16].is_null(), "{camera}: below the threshold");
        }
    }
    let overlay = out.path().join("overlays/000000.jpg");
    assert!(overlay.exists(), "{} is missing", overlay.display());
}
