//! Real frames placed in the ego frame: YOLOX-nano on the nuScenes key frame, each vehicle in
//! CAM_FRONT against its annotated 3D box (`annotations_ego.json`).
#![allow(clippy::unwrap_used)]

mod common;

use panoptes_drive::Drive;
use panoptes_pipeline::{ModelRequest, ReplayOptions};
use panoptes_rig::Point3;

/// A detection matches the annotated vehicle whose gravity centre projects inside its box and
/// lies nearest to where the detection was placed.
#[test]
fn front_vehicles_are_placed_within_fifteen_percent_of_their_annotated_distance() {
    let root = panoptes_fixtures::real_or_skip!("nuscenes-sample");
    let Some(weights) = common::yolox_weights() else {
        return;
    };
    let drive = Drive::open(&root).unwrap();
    let out = tempfile::tempdir().unwrap();
    let options = ReplayOptions::new(
        vec![ModelRequest {
            manifest: common::zoo("yolox-nano.toml"),
            weights: Some(weights),
        }],
        out.path(),
    );
    let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
    panoptes_pipeline::replay_sequential(&drive, models, &options, &mut |_| {}).unwrap();
    let line = std::fs::read_to_string(out.path().join("perception.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let annotations: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("annotations_ego.json")).unwrap())
            .unwrap();
    let vehicles: Vec<Point3<f64>> = annotations["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| ["car", "truck", "bus"].contains(&b["label"].as_str().unwrap()))
        .map(|b| {
            let c: Vec<f64> = serde_json::from_value(b["center_ego"].clone()).unwrap();
            Point3::new(c[0], c[1], c[2])
        })
        .collect();
    let front = drive.rig().camera("CAM_FRONT").unwrap();
    let point = |value: &serde_json::Value| -> Point3<f64> {
        let v: Vec<f64> = serde_json::from_value(value.clone()).unwrap();
        Point3::new(v[0], v[1], v[2])
    };
    let mut checked = Vec::new();
    for detection in record["cameras"]["CAM_FRONT"]["detections"]
        .as_array()
        .unwrap()
    {
        let label = detection["label"].as_str().unwrap();
        // The truck and the three cars of the fixture's README (score > 0.4).
        if !["car", "truck"].contains(&label) || detection["score"].as_f64().unwrap() < 0.4 {
            continue;
        }
        let [x, y, width, height]: [f64; 4] =
            serde_json::from_value(detection["box_xywh"].clone()).unwrap();
        let placed = point(&detection["ego"]);
        let truth = vehicles
            .iter()
            .filter(|centre| {
                front.project_ego_in_image(centre).is_some_and(|pixel| {
                    (x..x + width).contains(&pixel.x) && (y..y + height).contains(&pixel.y)
                })
            })
            .min_by(|a, b| {
                let distance = |c: &&Point3<f64>| (c.xy() - placed.xy()).norm();
                distance(a).total_cmp(&distance(b))
            })
            .unwrap();
        let distance = truth.coords.xy().norm();
        let error = (placed.xy() - truth.xy()).norm() / distance;
        checked.push(format!(
            "{label} at ({x:.0}, {y:.0}): placed {:.1} m, annotated {distance:.1} m, {:.1} %",
            placed.coords.xy().norm(),
            100.0 * error
        ));
        assert!(error < 0.15, "{}", checked.join("; "));
    }
    assert_eq!(checked.len(), 4, "{checked:?}");
    // The big truck, 16.8 m away, is among them; fused, it is one object seen by CAM_FRONT.
    let objects = record["objects_ego"].as_array().unwrap();
    let truck = objects
        .iter()
        .find(|object| object["class"] == "truck")
        .unwrap();
    assert_eq!(truck["cameras"], serde_json::json!(["CAM_FRONT"]));
    assert_eq!(truck["method"], "ground");
    let distance = truck["distance"].as_f64().unwrap();
    assert!((distance - 16.8).abs() < 0.15 * 16.8, "{distance}");
}
