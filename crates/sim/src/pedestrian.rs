//! People: an articulated skeleton carrying the 17 COCO keypoints, posed by a walking cycle,
//! and a box-limbed body built around it.

use crate::classes::SemanticClass;
use crate::geometry::{Albedo, Material, MeshBuilder};
use nalgebra::{Point3, Vector3};
use std::f64::consts::TAU;

/// COCO keypoint indices used to build the body.
pub(crate) mod joint {
    pub const NOSE: usize = 0;
    pub const LEFT_EYE: usize = 1;
    pub const RIGHT_EYE: usize = 2;
    pub const LEFT_EAR: usize = 3;
    pub const RIGHT_EAR: usize = 4;
    pub const LEFT_SHOULDER: usize = 5;
    pub const RIGHT_SHOULDER: usize = 6;
    pub const LEFT_ELBOW: usize = 7;
    pub const RIGHT_ELBOW: usize = 8;
    pub const LEFT_WRIST: usize = 9;
    pub const RIGHT_WRIST: usize = 10;
    pub const LEFT_HIP: usize = 11;
    pub const RIGHT_HIP: usize = 12;
    pub const LEFT_KNEE: usize = 13;
    pub const RIGHT_KNEE: usize = 14;
    pub const LEFT_ANKLE: usize = 15;
    pub const RIGHT_ANKLE: usize = 16;
}

/// How one person looks.
#[derive(Debug, Clone, Copy)]
pub struct Appearance {
    /// Standing height, metres.
    pub height: f64,
    pub skin: Albedo,
    pub hair: Albedo,
    pub shirt: Albedo,
    pub trousers: Albedo,
    pub shoes: Albedo,
}

/// Where a person is and what they are doing.
#[derive(Debug, Clone, Copy)]
pub struct Pose {
    /// Ground point between the feet (world).
    pub x: f64,
    pub y: f64,
    /// Height of the ground under them (sidewalk top).
    pub ground: f64,
    /// Facing direction, radians about z.
    pub yaw: f64,
    /// Walking cycle phase in turns (0..1); `None` when standing.
    pub stride_phase: Option<f64>,
    /// A small per-person arm offset for standing people, radians.
    pub idle_arms: f64,
}

/// The 17 COCO keypoints (world frame, COCO order) of a person in a pose.
#[must_use]
pub fn skeleton(appearance: &Appearance, pose: &Pose) -> [Point3<f64>; 17] {
    let height = appearance.height;
    let thigh = 0.245 * height;
    let shin = 0.245 * height;
    let upper_arm = 0.17 * height;
    let forearm = 0.15 * height;
    let hip_z = 0.04 * height + thigh + shin;
    let shoulder_z = 0.815 * height;
    let hip_half = 0.06 * height;
    let shoulder_half = 0.115 * height;

    let (leg_swing, knee_bend, arm_swing) = match pose.stride_phase {
        Some(phase) => {
            let angle = TAU * phase;
            (0.42 * angle.sin(), 0.55, 0.35 * angle.sin())
        }
        None => (0.0, 0.0, pose.idle_arms),
    };
    // Local frame: x forward, y left, z up; joints first, then moved into the world.
    let mut local = [Vector3::zeros(); 17];
    let mut lowest_ankle = f64::INFINITY;
    for (side, sign) in [(0usize, 1.0f64), (1, -1.0)] {
        let swing = leg_swing * sign;
        // The knee bends most while the leg swings forward (phase-shifted).
        let bend = match pose.stride_phase {
            Some(phase) => knee_bend * (0.5 + 0.5 * (TAU * phase + sign * 1.2).sin()).powi(2),
            None => 0.0,
        };
        let hip = Vector3::new(0.0, sign * hip_half, hip_z);
        let knee = hip + Vector3::new(swing.sin(), 0.0, -swing.cos()) * thigh;
        let shin_angle = swing - bend;
        let ankle = knee + Vector3::new(shin_angle.sin(), 0.0, -shin_angle.cos()) * shin;
        lowest_ankle = lowest_ankle.min(ankle.z);
        local[joint::LEFT_HIP + side] = hip;
        local[joint::LEFT_KNEE + side] = knee;
        local[joint::LEFT_ANKLE + side] = ankle;

        let arm = -arm_swing * sign;
        let shoulder = Vector3::new(0.0, sign * shoulder_half, shoulder_z);
        let elbow = shoulder + Vector3::new(arm.sin(), sign * 0.03, -arm.cos()) * upper_arm;
        let fore = arm + 0.25;
        let wrist = elbow + Vector3::new(fore.sin(), 0.0, -fore.cos()) * forearm;
        local[joint::LEFT_SHOULDER + side] = shoulder;
        local[joint::LEFT_ELBOW + side] = elbow;
        local[joint::LEFT_WRIST + side] = wrist;
    }
    let head = Vector3::new(0.0, 0.0, 0.925 * height);
    local[joint::NOSE] = head + Vector3::new(0.065 * height, 0.0, -0.005 * height);
    local[joint::LEFT_EYE] = head + Vector3::new(0.055 * height, 0.022 * height, 0.012 * height);
    local[joint::RIGHT_EYE] = head + Vector3::new(0.055 * height, -0.022 * height, 0.012 * height);
    local[joint::LEFT_EAR] = head + Vector3::new(0.0, 0.05 * height, 0.0);
    local[joint::RIGHT_EAR] = head + Vector3::new(0.0, -0.05 * height, 0.0);

    // A straighter leg lifts the ankle; the body drops so the lower foot stays on the ground.
    let drop = lowest_ankle - 0.04 * height;
    let (sin, cos) = pose.yaw.sin_cos();
    local.map(|point| {
        Point3::new(
            pose.x + cos * point.x - sin * point.y,
            pose.y + sin * point.x + cos * point.y,
            pose.ground + point.z - drop,
        )
    })
}

/// Appends a person's body (limb boxes around the skeleton) to `mesh`.
pub fn build_body(
    mesh: &mut MeshBuilder,
    appearance: &Appearance,
    yaw: f64,
    keypoints: &[Point3<f64>; 17],
    class: SemanticClass,
    object: u16,
) {
    let height = appearance.height;
    let material = |albedo: Albedo| Material {
        albedo,
        class,
        object,
    };
    let left = Vector3::new(-yaw.sin(), yaw.cos(), 0.0);
    let forward = Vector3::new(yaw.cos(), yaw.sin(), 0.0);
    let point = |index: usize| keypoints[index];
    let middle = |a: usize, b: usize| Point3::from((point(a).coords + point(b).coords) / 2.0);

    // Legs: thigh, shin, shoe.
    for (hip, knee, ankle) in [
        (joint::LEFT_HIP, joint::LEFT_KNEE, joint::LEFT_ANKLE),
        (joint::RIGHT_HIP, joint::RIGHT_KNEE, joint::RIGHT_ANKLE),
    ] {
        let thickness = 0.085 * height;
        mesh.segment_box(
            point(hip),
            point(knee),
            thickness,
            thickness,
            left,
            material(appearance.trousers),
        );
        mesh.segment_box(
            point(knee),
            point(ankle),
            0.065 * height,
            0.065 * height,
            left,
            material(appearance.trousers),
        );
        let heel = point(ankle) - forward * (0.02 * height) - Vector3::z() * (0.03 * height);
        let toe = point(ankle) + forward * (0.1 * height) - Vector3::z() * (0.03 * height);
        mesh.segment_box(
            heel,
            toe,
            0.055 * height,
            0.035 * height,
            left,
            material(appearance.shoes),
        );
    }
    // Torso from the hips to the shoulders; pelvis in trouser colour.
    let hips = middle(joint::LEFT_HIP, joint::RIGHT_HIP);
    let shoulders = middle(joint::LEFT_SHOULDER, joint::RIGHT_SHOULDER);
    let waist = hips + (shoulders - hips) * 0.15;
    mesh.segment_box(
        hips - Vector3::z() * (0.03 * height),
        waist,
        0.2 * height,
        0.11 * height,
        left,
        material(appearance.trousers),
    );
    mesh.segment_box(
        waist,
        shoulders + Vector3::z() * (0.015 * height),
        0.21 * height,
        0.12 * height,
        left,
        material(appearance.shirt),
    );
    // Arms: sleeve then bare forearm.
    for (shoulder, elbow, wrist) in [
        (joint::LEFT_SHOULDER, joint::LEFT_ELBOW, joint::LEFT_WRIST),
        (
            joint::RIGHT_SHOULDER,
            joint::RIGHT_ELBOW,
            joint::RIGHT_WRIST,
        ),
    ] {
        mesh.segment_box(
            point(shoulder),
            point(elbow),
            0.055 * height,
            0.055 * height,
            left,
            material(appearance.shirt),
        );
        let hand = point(wrist) + (point(wrist) - point(elbow)) * 0.35;
        mesh.segment_box(
            point(elbow),
            hand,
            0.045 * height,
            0.045 * height,
            left,
            material(appearance.skin),
        );
    }
    // Neck and head; hair on top and back.
    let head_centre = middle(joint::LEFT_EAR, joint::RIGHT_EAR);
    mesh.segment_box(
        shoulders,
        head_centre - Vector3::z() * (0.05 * height),
        0.05 * height,
        0.05 * height,
        left,
        material(appearance.skin),
    );
    mesh.cuboid(
        head_centre,
        [
            forward * (0.06 * height),
            left * (0.052 * height),
            Vector3::z() * (0.068 * height),
        ],
        material(appearance.skin),
    );
    mesh.cuboid(
        head_centre + Vector3::z() * (0.05 * height) - forward * (0.012 * height),
        [
            forward * (0.055 * height),
            left * (0.055 * height),
            Vector3::z() * (0.025 * height),
        ],
        material(appearance.hair),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Appearance {
        Appearance {
            height: 1.8,
            skin: [0.8, 0.6, 0.5],
            hair: [0.1; 3],
            shirt: [0.2, 0.3, 0.8],
            trousers: [0.2; 3],
            shoes: [0.05; 3],
        }
    }

    #[test]
    fn standing_skeleton_has_human_proportions_and_faces_its_yaw() {
        let pose = Pose {
            x: 10.0,
            y: -2.0,
            ground: 0.15,
            yaw: std::f64::consts::FRAC_PI_2,
            stride_phase: None,
            idle_arms: 0.0,
        };
        let points = skeleton(&person(), &pose);
        // Facing +y: the nose is ahead (larger y) of the ears, the left side is towards -x.
        assert!(points[joint::NOSE].y > points[joint::LEFT_EAR].y);
        assert!(points[joint::LEFT_SHOULDER].x < points[joint::RIGHT_SHOULDER].x);
        // Head near the top, ankles near the ground, hips about half way.
        assert!((points[joint::NOSE].z - 0.15 - 0.92 * 1.8).abs() < 0.05);
        assert!((points[joint::LEFT_ANKLE].z - 0.15 - 0.04 * 1.8).abs() < 1e-9);
        assert!((points[joint::LEFT_HIP].z - 0.15 - 0.53 * 1.8).abs() < 0.03);
    }

    #[test]
    fn walking_moves_the_legs_in_opposition_and_keeps_a_foot_down() {
        let mut pose = Pose {
            x: 0.0,
            y: 0.0,
            ground: 0.0,
            yaw: 0.0,
            stride_phase: Some(0.25),
            idle_arms: 0.0,
        };
        let points = skeleton(&person(), &pose);
        assert!(points[joint::LEFT_ANKLE].x > 0.2 && points[joint::RIGHT_ANKLE].x < -0.1);
        assert!(points[joint::LEFT_WRIST].x < points[joint::RIGHT_WRIST].x);
        pose.stride_phase = Some(0.6);
        let later = skeleton(&person(), &pose);
        let lowest = later[joint::LEFT_ANKLE].z.min(later[joint::RIGHT_ANKLE].z);
        assert!((lowest - 0.04 * 1.8).abs() < 1e-9);
    }
}
