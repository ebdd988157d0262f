//! Measures drawing one overlay image of a six-camera nuScenes-shaped frame set (the work
//! `replay --overlays` adds per frame set): six 1600×900 frames scaled to 480-pixel tiles, two
//! 1600×900 segmentation masks per camera tinted over them (TwinLiteNet's drivable area and
//! lanes), ten labelled boxes per camera, one pose skeleton and one depth inset, with the
//! default style; and the same with the bird's-eye-view panel of fusion's default grid (400 ×
//! 400 cells of 0.2 m) and twenty tracked objects. Inputs are synthetic and built once; only
//! `render_overlay` is timed.

use criterion::{criterion_group, criterion_main, Criterion};
use image::{Rgb, RgbImage};
use ndarray::Array2;
use panoptes_fusion::{BevGrid, EgoObject, LiftMethod};
use panoptes_heads::Detection;
use panoptes_pipeline::{render_overlay, BirdsEye, CameraPerception, OverlayCamera, OverlayStyle};
use panoptes_rig::{
    Camera, CameraModel, CameraRig, Isometry3, Translation3, UnitQuaternion, Vector2, Vector3,
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
                mask: None,
            }
        })
        .collect();
    CameraPerception {
        detections,
        ..CameraPerception::default()
    }
}

/// Twenty cars in a ring around the ego, each drawn into the grid as fusion does.
fn birds_eye_inputs() -> (BevGrid, Vec<EgoObject>) {
    let mut grid = BevGrid::unknown(400, 0.2);
    let objects: Vec<EgoObject> = (0..20)
        .map(|index| {
            let angle = index as f32 * std::f32::consts::TAU / 20.0;
            let distance = 8.0 + index as f32;
            let position = [distance * angle.cos(), distance * angle.sin(), 0.8];
            grid.draw_footprint(
                Vector2::new(f64::from(position[0]), f64::from(position[1])),
                4.5,
                1.9,
                f64::from(angle),
            );
            EgoObject {
                id: Some(index),
                confirmed: Some(true),
                class: "car".into(),
                label: "car".into(),
                head: "objects".into(),
                class_id: index as usize % 3,
                score: 0.8,
                position,
                distance,
                position_covariance: [0.25, 0.0, 0.25],
                size_lwh: [4.5, 1.9, 1.6],
                yaw: Some(angle),
                velocity: None,
                cameras: vec!["CAM_FRONT".into()],
                method: LiftMethod::Ground,
                clipped: false,
                keypoints: None,
            }
        })
        .collect();
    (grid, objects)
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
            truth: &[],
        })
        .collect();
    let style = OverlayStyle::default();
    criterion.bench_function("render_overlay nuscenes6 1600x900", |bench| {
        bench.iter(|| render_overlay(&rig, 7, 1_532_402_927_647_951, &cameras, &style, None))
    });
    let (grid, objects) = birds_eye_inputs();
    let bird = BirdsEye {
        grid: &grid,
        objects: &objects,
    };
    criterion.bench_function("render_overlay nuscenes6 1600x900 + bev 400x400", |bench| {
        bench.iter(|| render_overlay(&rig, 7, 1_532_402_927_647_951, &cameras, &style, Some(bird)))
    });
}

criterion_group!(benches, overlay);
criterion_main!(benches);
