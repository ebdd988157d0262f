//! Cyclists: a rider (the same COCO-17 skeleton and body as people, seated and pedalling) on a
//! bicycle built from thin tubes.

use crate::classes::SemanticClass;
use crate::geometry::{Albedo, Material, MeshBuilder};
use crate::pedestrian::{build_body, joint, Appearance};
use nalgebra::{Point3, Vector3};
use std::f64::consts::TAU;

/// Metres ridden per crank turn.
pub const METRES_PER_CRANK_TURN: f64 = 4.5;
const WHEEL_RADIUS: f64 = 0.34;
const REAR_AXLE: f64 = -0.5;
const FRONT_AXLE: f64 = 0.55;
const CRANK: f64 = 0.17;

/// Bicycle points in the local frame (x forward, y left, z up), scaled to the rider.
struct Bicycle {
    bracket: Vector3<f64>,
    saddle: Vector3<f64>,
    bars: Vector3<f64>,
}

fn bicycle(height: f64) -> Bicycle {
    let scale = height / 1.75;
    Bicycle {
        bracket: Vector3::new(0.0, 0.0, 0.3),
        saddle: Vector3::new(-0.2 * scale, 0.0, 0.3 + 0.62 * scale),
        bars: Vector3::new(0.42, 0.0, 0.3 + 0.72 * scale),
    }
}

/// The rider's 17 COCO keypoints (world) at crank angle `crank` (turns), riding at (x, y)
/// heading `yaw`.
#[must_use]
pub fn rider_skeleton(
    appearance: &Appearance,
    x: f64,
    y: f64,
    yaw: f64,
    crank: f64,
) -> [Point3<f64>; 17] {
    let height = appearance.height;
    let bike = bicycle(height);
    let thigh = 0.245 * height;
    let shin = 0.245 * height;
    let hip_half = 0.06 * height;
    let shoulder_half = 0.115 * height;
    let mut local = [Vector3::zeros(); 17];
    for (side, sign) in [(0usize, 1.0f64), (1, -1.0)] {
        let angle = TAU * (crank + if side == 0 { 0.0 } else { 0.5 });
        let hip = bike.saddle + Vector3::new(0.0, sign * hip_half, 0.06);
        let ankle = bike.bracket
            + Vector3::new(CRANK * angle.cos(), sign * 0.14, CRANK * angle.sin() + 0.07);
        // Two-link leg: the knee bends forward in the leg's plane.
        let reach = ankle - hip;
        let distance = reach.norm().clamp(1e-6, thigh + shin - 1e-6);
        let along = reach / reach.norm().max(1e-9);
        let forward = Vector3::new(-along.z, 0.0, along.x).normalize();
        let cosine = ((thigh * thigh + distance * distance - shin * shin)
            / (2.0 * thigh * distance))
            .clamp(-1.0, 1.0);
        let knee = hip + (along * cosine + forward * (1.0 - cosine * cosine).sqrt()) * thigh;
        local[joint::LEFT_HIP + side] = hip;
        local[joint::LEFT_KNEE + side] = knee;
        local[joint::LEFT_ANKLE + side] = ankle;
        // Torso leans forward; hands on the bar ends, elbows slightly bent and out.
        let lean = 0.6f64;
        let shoulder = bike.saddle
            + Vector3::new(
                0.3 * height * lean.sin(),
                sign * shoulder_half,
                0.06 + 0.3 * height * lean.cos(),
            );
        let wrist = bike.bars + Vector3::new(0.0, sign * 0.24, 0.02);
        let elbow = (shoulder + wrist) / 2.0 + Vector3::new(-0.03, sign * 0.05, -0.06);
        local[joint::LEFT_SHOULDER + side] = shoulder;
        local[joint::LEFT_ELBOW + side] = elbow;
        local[joint::LEFT_WRIST + side] = wrist;
    }
    let shoulders = (local[joint::LEFT_SHOULDER] + local[joint::RIGHT_SHOULDER]) / 2.0;
    let head = shoulders + Vector3::new(0.06 * height, 0.0, 0.1 * height);
    local[joint::NOSE] = head + Vector3::new(0.065 * height, 0.0, -0.005 * height);
    local[joint::LEFT_EYE] = head + Vector3::new(0.055 * height, 0.022 * height, 0.012 * height);
    local[joint::RIGHT_EYE] = head + Vector3::new(0.055 * height, -0.022 * height, 0.012 * height);
    local[joint::LEFT_EAR] = head + Vector3::new(0.0, 0.05 * height, 0.0);
    local[joint::RIGHT_EAR] = head + Vector3::new(0.0, -0.05 * height, 0.0);
    let (sin, cos) = yaw.sin_cos();
    local.map(|point| {
        Point3::new(
            x + cos * point.x - sin * point.y,
            y + sin * point.x + cos * point.y,
            point.z,
        )
    })
}

/// Appends a rider and bicycle.
#[allow(clippy::too_many_arguments)]
pub fn build_cyclist(
    mesh: &mut MeshBuilder,
    appearance: &Appearance,
    frame: Albedo,
    x: f64,
    y: f64,
    yaw: f64,
    crank: f64,
    object: u16,
) {
    let keypoints = rider_skeleton(appearance, x, y, yaw, crank);
    build_body(
        mesh,
        appearance,
        yaw,
        &keypoints,
        SemanticClass::Cyclist,
        object,
    );
    let bike = bicycle(appearance.height);
    let (sin, cos) = yaw.sin_cos();
    let at = |local: Vector3<f64>| {
        Point3::new(
            x + cos * local.x - sin * local.y,
            y + sin * local.x + cos * local.y,
            local.z,
        )
    };
    let left = Vector3::new(-sin, cos, 0.0);
    let paint = Material {
        albedo: frame,
        class: SemanticClass::Cyclist,
        object,
    };
    let rubber = paint.with_albedo([0.06, 0.06, 0.06]);
    let tube = |mesh: &mut MeshBuilder,
                from: Vector3<f64>,
                to: Vector3<f64>,
                thickness: f64,
                material: Material| {
        mesh.segment_box(at(from), at(to), thickness, thickness, left, material);
    };
    // Wheels: rings of ten tyre segments.
    for axle in [REAR_AXLE, FRONT_AXLE] {
        let centre = Vector3::new(axle, 0.0, WHEEL_RADIUS);
        for index in 0..10 {
            let (a, b) = (
                TAU * f64::from(index) / 10.0,
                TAU * f64::from(index + 1) / 10.0,
            );
            let rim = |angle: f64| {
                centre + Vector3::new(WHEEL_RADIUS * angle.cos(), 0.0, WHEEL_RADIUS * angle.sin())
            };
            tube(mesh, rim(a), rim(b), 0.045, rubber);
        }
    }
    let rear = Vector3::new(REAR_AXLE, 0.0, WHEEL_RADIUS);
    let front = Vector3::new(FRONT_AXLE, 0.0, WHEEL_RADIUS);
    let head_tube = bike.bars - Vector3::new(0.05, 0.0, 0.12);
    tube(mesh, rear, bike.bracket, 0.035, paint);
    tube(
        mesh,
        rear,
        bike.saddle - Vector3::new(0.0, 0.0, 0.05),
        0.03,
        paint,
    );
    tube(mesh, bike.bracket, bike.saddle, 0.04, paint);
    tube(
        mesh,
        bike.saddle - Vector3::new(0.0, 0.0, 0.08),
        head_tube,
        0.04,
        paint,
    );
    tube(mesh, bike.bracket, head_tube, 0.045, paint);
    tube(mesh, head_tube, front, 0.035, paint);
    tube(mesh, head_tube, bike.bars, 0.035, paint);
    mesh.segment_box(
        at(bike.bars + Vector3::new(0.0, 0.28, 0.0)),
        at(bike.bars - Vector3::new(0.0, 0.28, 0.0)),
        0.03,
        0.03,
        Vector3::new(cos, sin, 0.0),
        rubber,
    );
    mesh.segment_box(
        at(bike.saddle + Vector3::new(-0.1, 0.0, 0.02)),
        at(bike.saddle + Vector3::new(0.12, 0.0, 0.02)),
        0.12,
        0.04,
        left,
        rubber,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rider_sits_on_the_saddle_with_feet_on_the_pedals_and_legs_of_fixed_length() {
        let appearance = Appearance {
            height: 1.75,
            skin: [0.8; 3],
            hair: [0.1; 3],
            shirt: [0.5; 3],
            trousers: [0.2; 3],
            shoes: [0.1; 3],
        };
        for crank in [0.0, 0.2, 0.45, 0.7] {
            let points = rider_skeleton(&appearance, 3.0, 1.0, 0.0, crank);
            let bike = bicycle(1.75);
            for (hip, knee, ankle) in [(11, 13, 15), (12, 14, 16)] {
                assert!((points[hip].z - (bike.saddle.z + 0.06)).abs() < 1e-9);
                assert!(
                    ((points[knee] - points[hip]).norm() - 0.245 * 1.75).abs() < 1e-6,
                    "thigh length at crank {crank}"
                );
                assert!(
                    ((points[ankle] - points[knee]).norm() - 0.245 * 1.75).abs() < 1e-6,
                    "shin length at crank {crank}"
                );
                // Knees point forward of the hip-ankle line.
                assert!(points[knee].x > (points[hip].x + points[ankle].x) / 2.0 - 1e-9);
            }
            // Pedals are opposite each other around the bracket.
            let middle = (points[15].coords + points[16].coords) / 2.0;
            assert!((middle.x - 3.0).abs() < 1e-9 && (middle.z - 0.37).abs() < 1e-9);
        }
    }
}
