//! Measures the metric core on one six-camera frame set at nuScenes resolution (1600 × 900):
//! counting a segmentation confusion matrix and depth errors over every pixel, and matching
//! 100 predictions against 60 ground-truth boxes per camera. Model inference is not included.

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use panoptes_drive::BoundingBox;
use panoptes_eval::{ClassMapping, ConfusionMatrix, DepthTally, DetectionTally, IgnoreRule};
use panoptes_heads::Detection;
use std::hint::black_box;

const CAMERAS: usize = 6;
const WIDTH: usize = 1600;
const HEIGHT: usize = 900;

fn class_maps() -> (Array2<u8>, Array2<u8>) {
    let truth = Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| ((x / 64 + y / 48) % 12) as u8);
    let predicted = Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| ((x / 60 + y / 48) % 12) as u8);
    (truth, predicted)
}

fn depth_maps() -> (Array2<u16>, Array2<f32>) {
    let truth = Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| (y * 60 + x % 7) as u16);
    let predicted = truth.mapv(|millimetres| f32::from(millimetres) * 0.00105);
    (truth, predicted)
}

fn boxes() -> (Vec<BoundingBox>, Vec<Detection>) {
    let classes = ["car", "truck", "pedestrian"];
    let truth = (0..60)
        .map(|index| BoundingBox {
            class: classes[index % 3].to_string(),
            instance_id: index as u32,
            occlusion: (index % 10) as f64 / 10.0,
            box_xywh: [(index * 25) as f64, (index % 9 * 90) as f64, 40.0, 30.0],
        })
        .collect();
    let predictions = (0..100)
        .map(|index| Detection {
            head: "detection".to_string(),
            class_id: index % 3,
            label: classes[index % 3].to_string(),
            score: (index % 17) as f32 / 17.0,
            box_xywh: [(index * 15) as f32, (index % 9 * 90) as f32, 40.0, 30.0],
            keypoints: None,
            ego: None,
            mask: None,
        })
        .collect();
    (truth, predictions)
}

fn metrics(criterion: &mut Criterion) {
    let names: Vec<String> = (0..12).map(|class| format!("class{class}")).collect();
    let mapping = ClassMapping::new(&names, &names);
    let (truth, predicted) = class_maps();
    criterion.bench_function("confusion matrix, 6 × 1600×900", |bencher| {
        bencher.iter(|| {
            let mut matrix = ConfusionMatrix::default();
            for _ in 0..CAMERAS {
                matrix
                    .add_image(truth.view(), predicted.view(), &mapping)
                    .unwrap_or_default();
            }
            black_box(matrix)
        })
    });
    let (truth, predicted) = depth_maps();
    criterion.bench_function("depth errors, 6 × 1600×900", |bencher| {
        bencher.iter(|| {
            let mut tally = DepthTally::default();
            for _ in 0..CAMERAS {
                tally
                    .add_image(truth.view(), predicted.view(), 80.0)
                    .unwrap_or_default();
            }
            black_box(tally)
        })
    });
    let (truth, predictions) = boxes();
    let rule = IgnoreRule::default();
    criterion.bench_function("detection matching + AP, 6 × 100 predictions", |bencher| {
        bencher.iter(|| {
            let mut tally = DetectionTally::default();
            for _ in 0..CAMERAS {
                tally.add_image(&predictions, &truth, &rule);
            }
            black_box(tally.summarize(&rule))
        })
    });
}

criterion_group!(benches, metrics);
criterion_main!(benches);
