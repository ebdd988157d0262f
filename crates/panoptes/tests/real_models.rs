//! The two real models on the six real nuScenes frames: pre-processing + batched inference
//! against known answers (../shared/real/README.md). Skipped with a notice without ../shared.
#![allow(clippy::unwrap_used)]

mod common;

use ndarray::{s, Axis};
use panoptes_runtime::{BatchLimit, Engine, Manifest};

/// YOLOX-nano's grid: strides 8, 16, 32 over 416 pixels, row-major.
fn cell_of(row: usize) -> (f32, f32, f32) {
    let mut start = 0;
    for stride in [8usize, 16, 32] {
        let side = 416 / stride;
        if row < start + side * side {
            let index = row - start;
            return ((index % side) as f32, (index / side) as f32, stride as f32);
        }
        start += side * side;
    }
    panic!("row {row} outside the grid");
}

#[test]
fn yolox_finds_the_truck_of_cam_front_in_its_raw_output() {
    let (Some(weights), Some(frames)) = (common::yolox_weights(), common::nuscenes_frames()) else {
        return;
    };
    let manifest = Manifest::load(&common::zoo("yolox-nano.toml"), Some(&weights)).unwrap();
    let (preprocessor, transforms) = common::preprocess(&manifest, &frames);
    let mut engine = Engine::builder(manifest)
        .with_batch_size(6)
        .build()
        .unwrap();
    assert_eq!(
        engine.batch_limit(),
        BatchLimit::Fixed(1),
        "YOLOX runs as six batch-1 runs"
    );
    let outputs = engine.run(preprocessor.batch()).unwrap();
    let output = outputs.get("output").unwrap();
    assert_eq!(output.shape(), &[6, 3549, 85]);
    // CAM_FRONT is camera 0: its best truck (class 7) cell.
    let front = output.index_axis(Axis(0), 0);
    let (row, score) = (0..3549)
        .map(|row| (row, front[[row, 4]] * front[[row, 5 + 7]]))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!((score - 0.75).abs() < 0.02, "truck score {score}");
    let (cell_x, cell_y, stride) = cell_of(row);
    let centre_x = (front[[row, 0]] + cell_x) * stride;
    let centre_y = (front[[row, 1]] + cell_y) * stride;
    let width = front[[row, 2]].exp() * stride;
    let height = front[[row, 3]].exp() * stride;
    let transform = &transforms[0];
    let (left, top) = transform.to_original(
        f64::from(centre_x - width / 2.0),
        f64::from(centre_y - height / 2.0),
    );
    let (right, bottom) = transform.to_original(
        f64::from(centre_x + width / 2.0),
        f64::from(centre_y + height / 2.0),
    );
    let found = [
        left as f32,
        top as f32,
        (right - left) as f32,
        (bottom - top) as f32,
    ];
    let expected = [132.0, 229.0, 484.0, 401.0];
    assert!(
        common::iou(found, expected) > 0.95,
        "truck box {found:?}, expected ≈ {expected:?}"
    );
    // The other cameras went through their own runs: CAM_BACK (index 3) has no such truck.
    let back = output.index_axis(Axis(0), 3);
    let best_back = (0..3549)
        .map(|row| back[[row, 4]] * back[[row, 12]])
        .fold(0.0f32, f32::max);
    assert!(best_back < 0.3, "CAM_BACK truck score {best_back}");
}

#[test]
fn twinlitenet_runs_six_cameras_as_one_batch_and_sees_the_road_ahead() {
    let (Some(weights), Some(frames)) = (common::twinlitenet_weights(), common::nuscenes_frames())
    else {
        return;
    };
    let manifest = Manifest::load(&common::zoo("twinlitenet.toml"), Some(&weights)).unwrap();
    let (preprocessor, _) = common::preprocess(&manifest, &frames);
    let mut engine = Engine::builder(manifest)
        .with_batch_size(6)
        .build()
        .unwrap();
    assert_eq!(engine.batch_limit(), BatchLimit::Dynamic);
    let outputs = engine.run(preprocessor.batch()).unwrap();
    let drivable = outputs.get("da").unwrap();
    assert_eq!(drivable.shape(), &[6, 2, 360, 640]);
    // Argmax on CAM_FRONT: the road just ahead (bottom centre) is drivable, the sky is not.
    let front = drivable.index_axis(Axis(0), 0);
    let fraction = |rows: std::ops::Range<usize>, columns: std::ops::Range<usize>| {
        let region = front.slice(s![.., rows, columns]);
        let cells = region.len_of(Axis(1)) * region.len_of(Axis(2));
        let road = region
            .index_axis(Axis(0), 1)
            .iter()
            .zip(region.index_axis(Axis(0), 0).iter())
            .filter(|(road, background)| road > background)
            .count();
        road as f32 / cells as f32
    };
    let ahead = fraction(300..360, 220..420);
    let sky = fraction(0..100, 0..640);
    assert!(ahead > 0.8, "road ahead drivable fraction {ahead}");
    assert!(sky < 0.01, "sky drivable fraction {sky}");
    // One batch of six equals the single run of camera 0.
    let alone = engine
        .run(preprocessor.batch().slice(s![0..1, .., .., ..]))
        .unwrap();
    let alone = alone.get("da").unwrap();
    let largest = (&alone.index_axis(Axis(0), 0) - &front)
        .iter()
        .fold(0.0f32, |acc, v| acc.max(v.abs()));
    assert!(largest < 1e-4, "batch and single run differ by {largest}");
}
