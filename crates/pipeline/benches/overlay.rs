//! Measures drawing one overlay image of a six-camera nuScenes-shaped frame set (the work
//! `replay --overlays` adds per frame set): six 1600×900 frames scaled to 480-pixel tiles, two
//! 1600×900 segmentation masks per camera tinted over them (TwinLiteNet's drivable area and
//! lanes), ten labelled boxes per camera, one pose skeleton and one depth inset, with the
//! default style. Inputs are synthetic and built once; only `render_overlay` is timed.

use criterion::{criterion_group, criterion_main, Criterion};
use image::{Rgb, RgbImage};
use ndarray::Array2;
use panoptes_heads::Detection;
use panoptes_pipeline::{render_overlay, CameraPerception, OverlayCamera, OverlayStyle};
use panoptes_rig::{
    Camera, CameraModel, CameraRig, Isometry3, Translation3, UnitQuaternion, Vector3,
};
use std::f64::consts::FRAC_PI_2;

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 900;
const CAMERAS: [(&str, f64); 6] = [
    ("CAM_FRONT_LEFT", 55.0),
    ("CAM_FRONT", 0.0),
    ("CAM_FRONT_RIGHT", -55.0),
    ("CAM_BACK_LEFT", 110.0),
    ("CAM_BACK", 180.0),
    ("CAM_BACK_RIGHT", -110.0),
];

fn rig() -> CameraRig {
    let facing_forward = UnitQuaternion::from_euler_angles(-FRAC_PI_2, 0.0, -FRAC_PI_2);
    let cameras = CAMERAS
        .iter()
        .map(|(name, yaw)| {
            let aim = UnitQuaternion::from_axis_angle(&Vector3::z_axis(), yaw.to_radians());
            let pose =
                Isometry3::from_parts(Translation3::new(1.0, 0.0, 1.5), aim * facing_forward);
            let model = CameraModel::pinhole(1266.0, 1266.0, 800.0, 450.0);
            Camera::new(*name, model, WIDTH, HEIGHT, pose)
        })
        .collect();
    match CameraRig::new(cameras) {
        Ok(rig) => rig,
        Err(error) => panic!("bench rig: {error}"),
    }
}

fn perception(seed: usize) -> CameraPerception {
    let detections = (0..10)
        .map(|index| {
            let x = ((index * 150 + seed * 37) % 1400) as f32;
            let keypoints = (index == 0).then(|| {
                (0..17)
                    .map(|joint| {
                        [
                            x + 40.0 + (joint % 2) as f32 * 30.0,
                            400.0 + joint as f32 * 15.0,
                            0.9,
                        ]
                    })
                    .collect()
            });
            Detection {
                head: "objects".into(),
                class_id: index % 3,
                label: "car".into(),
                score: 0.5,
                box_xywh: [x, 380.0 + (index % 4) as f32 * 40.0, 120.0, 90.0],
                keypoints,
                ego: None,
            }
        })
        .collect();
    CameraPerception {
        detections,
        ..CameraPerception::default()
    }
}

fn overlay(criterion: &mut Criterion) {
    let rig = rig();
    let frames: Vec<RgbImage> = (0..CAMERAS.len())
        .map(|seed| {
            RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
                Rgb([(x % 256) as u8, (y % 256) as u8, (seed * 40) as u8])
            })
        })
        .collect();
    let rows = HEIGHT as usize;
    let columns = WIDTH as usize;
    let drivable = Array2::from_shape_fn((rows, columns), |(row, _)| u8::from(row > 500));
    let lanes = Array2::from_shape_fn((rows, columns), |(_, column)| u8::from(column % 200 < 6));
    let depth = Array2::from_shape_fn((rows, columns), |(row, _)| 80.0 - row as f32 * 0.08);
    let perceptions: Vec<CameraPerception> = (0..CAMERAS.len()).map(perception).collect();
    let cameras: Vec<OverlayCamera<'_>> = CAMERAS
        .iter()
        .enumerate()
        .map(|(index, (name, _))| OverlayCamera {
            name,
            image: Some(&frames[index]),
            perception: Some(&perceptions[index]),
            masks: vec![("drivable", drivable.view()), ("lanes", lanes.view())],
            depth: (index == 1).then(|| depth.view()),
        })
        .collect();
    let style = OverlayStyle::default();
    criterion.bench_function("render_overlay nuscenes6 1600x900", |bench| {
        bench.iter(|| render_overlay(&rig, 7, 1_532_402_927_647_951, &cameras, &style))
    });
}

criterion_group!(benches, overlay);
criterion_main!(benches);
