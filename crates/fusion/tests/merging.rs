//! Cross-camera merge and tracking with known answers.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use nalgebra::Matrix2;
use panoptes_fusion::{
    merge, Cluster, FrameInput, Fusion, FusionConfig, LiftMethod, Measurement, MergeConfig, Motion,
    Observation, Tracker, TrackingConfig,
};
use panoptes_heads::{DepthAlong, DepthConfig, DepthEncoding, HeadConfig};
use panoptes_rig::{CameraModel, Isometry3, Point3};

fn observation(camera: usize, class: usize, x: f64, y: f64, clipped: bool) -> Observation {
    Observation {
        camera,
        detection: 0,
        class,
        score: 0.9,
        centre: Point3::new(x, y, 0.8),
        // 0.5 m along each axis.
        covariance: Matrix2::from_diagonal_element(0.25),
        method: LiftMethod::Ground,
        clipped,
        off_centre: 0.5,
        keypoints: None,
    }
}

#[test]
fn one_object_seen_by_two_cameras_is_merged_and_placed_by_the_uncut_view() {
    let observations = [
        observation(0, 0, 10.0, 5.0, true),
        observation(1, 0, 10.6, 5.3, false),
        // Same place, another class: another object.
        observation(1, 1, 10.2, 5.1, false),
        // Same camera, near: NMS kept two boxes, two objects.
        observation(1, 0, 11.0, 5.6, false),
        // Far from everything.
        observation(0, 0, 30.0, -2.0, false),
    ];
    let clusters = merge(&observations, &MergeConfig::default());
    assert_eq!(clusters.len(), 4, "{clusters:?}");
    let merged: Vec<&Cluster> = clusters
        .iter()
        .filter(|cluster| cluster.members.len() > 1)
        .collect();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].best, 1, "the uncut observation places it");
    assert_eq!(merged[0].members, vec![1, 0]);
    // Outside the gate (3 standard deviations of a difference of two 0.5 m ones: 2.1 m),
    // two objects.
    let apart = [
        observation(0, 0, 10.0, 5.0, false),
        observation(1, 0, 12.5, 5.0, false),
    ];
    assert_eq!(merge(&apart, &MergeConfig::default()).len(), 2);
    // The same observations in another order give the same clusters.
    let mut reversed = observations.to_vec();
    reversed.reverse();
    let again = merge(&reversed, &MergeConfig::default());
    let bests = |clusters: &[Cluster], list: &[Observation]| {
        let mut centres: Vec<(i64, i64)> = clusters
            .iter()
            .map(|cluster| {
                let centre = list[cluster.best].centre;
                ((centre.x * 1000.0) as i64, (centre.y * 1000.0) as i64)
            })
            .collect();
        centres.sort();
        centres
    };
    assert_eq!(bests(&clusters, &observations), bests(&again, &reversed));
}

fn measurement(x: f64, y: f64) -> Measurement {
    Measurement {
        class: 0,
        centre: Point3::new(x, y, 0.8),
        score: 0.9,
        covariance: Matrix2::from_diagonal_element(0.09),
    }
}

fn car_motion() -> Motion {
    Motion {
        speed_sigma: 10.0,
        acceleration_sigma: 3.0,
    }
}

#[test]
fn two_tracks_crossing_keep_their_ids() {
    let mut tracker = Tracker::new(TrackingConfig::default(), vec![car_motion()]);
    let mut first_ids = None;
    // A walks from y = −6 to +6, B the other way, 10 Hz, crossing at x = 10 ± 0.5.
    for step in 0..25_u32 {
        let t = f64::from(step) * 0.1;
        let a = measurement(10.0, -6.0 + 4.8 * t);
        let b = measurement(11.0, 6.0 - 4.8 * t);
        let states = tracker.update(1_000_000 + u64::from(step) * 100_000, None, &[a, b]);
        let ids = (states[0].unwrap().id, states[1].unwrap().id);
        match first_ids {
            None => first_ids = Some(ids),
            Some(first) => assert_eq!(ids, first, "step {step}"),
        }
        if step > 5 {
            let velocity = states[0].unwrap().velocity.unwrap();
            assert!((velocity.y - 4.8).abs() < 0.3, "step {step}: {velocity}");
            assert!(states[0].unwrap().confirmed);
        }
    }
    assert_eq!(tracker.len(), 2);
}

#[test]
fn ego_motion_is_compensated_with_poses_and_tracks_end_after_misses() {
    let config = TrackingConfig::default();
    let mut tracker = Tracker::new(config.clone(), vec![car_motion()]);
    // The ego drives +x at 10 m/s past a parked car at world x = 50 (2 Hz frame sets).
    let mut id = None;
    for step in 0..6_u32 {
        let ego_x = f64::from(step) * 5.0;
        let pose = Isometry3::translation(ego_x, 0.0, 0.0);
        let seen = measurement(50.0 - ego_x, 3.0);
        let states = tracker.update(u64::from(step) * 500_000, Some(&pose), &[seen]);
        let state = states[0].unwrap();
        assert_eq!(*id.get_or_insert(state.id), state.id, "step {step}");
        if step > 0 {
            // Parked: no speed over the ground, whatever the ego does.
            assert!(state.velocity.unwrap().norm() < 0.5, "{:?}", state.velocity);
        }
    }
    // Not seen for more than max_misses frame sets: the track ends; a new one starts.
    for step in 6..(7 + config.max_misses) {
        assert!(tracker
            .update(u64::from(step) * 500_000, None, &[])
            .is_empty());
    }
    assert!(tracker.is_empty());
    let states = tracker.update(9_000_000, None, &[measurement(20.0, 3.0)]);
    assert_ne!(states[0].unwrap().id, id.unwrap());
    // A doubtful object continues no track and starts none.
    let mut doubtful = measurement(40.0, -8.0);
    doubtful.score = 0.2;
    let states = tracker.update(9_500_000, None, &[doubtful]);
    assert!(states[0].is_none());
}

#[test]
fn fusion_reports_each_object_once_with_its_cameras_and_a_track() {
    // Two pinhole cameras 40° apart, both seeing a car at (14, 5).
    let front = front_pinhole();
    let left = camera(
        "FRONT_LEFT",
        CameraModel::pinhole(1266.0, 1266.0, 800.0, 450.0),
        (1600, 900),
        [1.5, 0.5, 1.5],
        40.0,
        0.0,
    );
    let rig = rig(vec![front.clone(), left.clone()]);
    let depth = HeadConfig::Depth(DepthConfig {
        name: "depth".into(),
        outputs: vec!["depth".into()],
        classes: Vec::new(),
        encoding: DepthEncoding::Metric,
        measured_along: Some(DepthAlong::OpticalAxis),
        min_depth: 0.5,
        max_depth: 80.0,
    });
    let mut fusion = Fusion::new(&rig, &[depth], FusionConfig::default()).unwrap();
    let foot = Point3::new(12.0, 4.0, 0.0);
    let seen = |camera: &panoptes_rig::Camera, width| {
        vec![detection_at(
            "car",
            0.8,
            pixel_of(camera, &foot),
            (width, 50.0),
        )]
    };
    let front_detections = seen(&front, 120.0);
    let left_detections = seen(&left, 100.0);
    let mut ids = Vec::new();
    for step in 0..3_u64 {
        let output = fusion.fuse(&FrameInput {
            timestamp_us: step * 100_000,
            ego_to_world: None,
            cameras: vec![
                panoptes_fusion::CameraView {
                    camera: "FRONT",
                    detections: &front_detections,
                    masks: &[],
                    depths: &[],
                },
                panoptes_fusion::CameraView {
                    camera: "FRONT_LEFT",
                    detections: &left_detections,
                    masks: &[],
                    depths: &[],
                },
            ],
        });
        assert_eq!(output.objects.len(), 1, "{:?}", output.objects);
        let object = &output.objects[0];
        assert_eq!(object.cameras.len(), 2);
        assert_eq!(object.class, "car");
        // Half the car's extent beyond the foot point: about 15 m.
        assert!(
            object.distance > 14.0 && object.distance < 16.0,
            "{}",
            object.distance
        );
        assert_eq!(output.placements.len(), 2);
        assert!(output.placements.iter().all(|placed| placed[0].is_some()));
        ids.push(object.id.unwrap());
        assert_eq!(object.confirmed, Some(step >= 2));
        let grid = output.bev.unwrap();
        let (row, column) = grid
            .cell_of(f64::from(object.position[0]), f64::from(object.position[1]))
            .unwrap();
        assert_eq!(
            grid.get(row, column),
            Some(panoptes_fusion::BevCategory::Object)
        );
    }
    assert!(ids.windows(2).all(|pair| pair[0] == pair[1]), "{ids:?}");
}
