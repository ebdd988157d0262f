//! Measures project and unproject of 10 000 points/pixels for a distorted pinhole and a
//! Kannala–Brandt fisheye (per-call cost of the camera models used by fusion and lifting).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use panoptes_rig::{CameraModel, Point2, Point3};
use std::hint::black_box;

const COUNT: usize = 10_000;

fn models() -> [(&'static str, CameraModel); 2] {
    [
        (
            "pinhole_distorted",
            CameraModel::Pinhole {
                fx: 1000.0,
                fy: 995.0,
                cx: 640.5,
                cy: 360.25,
                distortion: [-0.28, 0.07, 0.0012, -0.0008, -0.008],
            },
        ),
        (
            "kannala_brandt",
            CameraModel::KannalaBrandt {
                fx: 330.0,
                fy: 330.0,
                cx: 640.0,
                cy: 483.0,
                k: [0.0395, -0.0073, 0.0022, -0.0004],
            },
        ),
    ]
}

fn projection(criterion: &mut Criterion) {
    let points: Vec<Point3<f64>> = (0..COUNT)
        .map(|index| {
            let t = index as f64 / COUNT as f64;
            Point3::new(
                (t * 37.0).sin() * 2.0,
                (t * 23.0).cos() * 1.2,
                3.0 + t * 20.0,
            )
        })
        .collect();
    let pixels: Vec<Point2<f64>> = (0..COUNT)
        .map(|index| Point2::new((index % 100) as f64 * 12.8, (index / 100) as f64 * 7.2))
        .collect();
    let mut group = criterion.benchmark_group("camera_model");
    group.throughput(Throughput::Elements(COUNT as u64));
    for (name, model) in models() {
        group.bench_function(format!("{name}/project"), |bench| {
            bench.iter(|| {
                points
                    .iter()
                    .filter_map(|point| model.project(black_box(point)))
                    .count()
            });
        });
        group.bench_function(format!("{name}/unproject"), |bench| {
            bench.iter(|| {
                pixels
                    .iter()
                    .map(|pixel| model.unproject(black_box(pixel)).z)
                    .sum::<f64>()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, projection);
criterion_main!(benches);
