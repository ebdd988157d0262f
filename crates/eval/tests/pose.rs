//! Pose PCK with the threshold boundary and unmatched people.
#![allow(clippy::unwrap_used)]

use panoptes_drive::{BoundingBox, Keypoint, PersonKeypoints, Visibility};
use panoptes_eval::{IgnoreRule, PoseTally};
use panoptes_heads::Detection;

fn person(instance_id: u32, box_xywh: [f64; 4], x: f64, y: f64) -> (BoundingBox, PersonKeypoints) {
    let keypoint = Keypoint {
        x,
        y,
        visibility: Visibility::Visible,
    };
    (
        BoundingBox {
            class: "pedestrian".to_string(),
            instance_id,
            occlusion: 0.0,
            box_xywh,
        },
        PersonKeypoints {
            instance_id,
            keypoints: [keypoint; 17],
        },
    )
}

fn prediction(box_xywh: [f32; 4], keypoints: Vec<[f32; 3]>) -> Detection {
    Detection {
        head: "detection".to_string(),
        class_id: 0,
        label: "pedestrian".to_string(),
        score: 0.9,
        box_xywh,
        keypoints: Some(keypoints),
        ego: None,
        mask: None,
    }
}

#[test]
fn perfect_keypoints_give_pck_one() {
    let (truth_box, keypoints) = person(5, [100.0, 100.0, 30.0, 40.0], 110.0, 120.0);
    let predicted = prediction([100.0, 100.0, 30.0, 40.0], vec![[110.0, 120.0, 0.9]; 17]);
    let mut tally = PoseTally::default();
    tally.add_image(
        &[predicted],
        &[truth_box],
        &[keypoints],
        0.2,
        &IgnoreRule::default(),
    );
    let metrics = tally.summarize(0.2);
    assert_eq!(metrics.pck, Some(1.0));
    assert_eq!((metrics.people, metrics.matched_people), (1, 1));
}

#[test]
fn threshold_is_inclusive_and_unmatched_people_count_as_misses() {
    // Box 30 × 40: diagonal 50, threshold 0.2 × 50 = 10 pixels.
    let (first_box, mut first) = person(5, [100.0, 100.0, 30.0, 40.0], 110.0, 120.0);
    first.keypoints[2].visibility = Visibility::Occluded;
    first.keypoints[3].visibility = Visibility::Unlabelled;
    let mut points = vec![[110.0f32, 120.0, 0.9]; 17];
    points[0] = [116.0, 128.0, 0.9]; // exactly 10 px away: correct
    points[1] = [116.0, 128.5, 0.9]; // just beyond: a miss
    points[2] = [500.0, 500.0, 0.9]; // occluded keypoint: not counted
    let predicted = prediction([101.0, 100.0, 30.0, 40.0], points);
    // A second person nobody predicted: 17 misses.
    let (second_box, second) = person(6, [300.0, 100.0, 30.0, 40.0], 310.0, 120.0);
    // A detection without keypoints on the second person does not match it.
    let mut plain = prediction([300.0, 100.0, 30.0, 40.0], Vec::new());
    plain.keypoints = None;
    let mut tally = PoseTally::default();
    tally.add_image(
        &[plain, predicted],
        &[first_box, second_box],
        &[first, second],
        0.2,
        &IgnoreRule::default(),
    );
    let metrics = tally.summarize(0.2);
    assert_eq!(metrics.visible_keypoints, 15 + 17);
    assert_eq!(metrics.correct_keypoints, 14);
    assert_eq!(metrics.pck, Some(14.0 / 32.0));
    assert_eq!((metrics.people, metrics.matched_people), (2, 1));
    assert!(metrics.threshold.contains("0.2"), "{}", metrics.threshold);
}

#[test]
fn a_prediction_overlapping_less_than_half_matches_nobody() {
    let (truth_box, keypoints) = person(5, [100.0, 100.0, 30.0, 40.0], 110.0, 120.0);
    // IoU 1/3 with the person's box, though every keypoint is right.
    let predicted = prediction([115.0, 100.0, 30.0, 40.0], vec![[110.0, 120.0, 0.9]; 17]);
    let mut tally = PoseTally::default();
    tally.add_image(
        &[predicted],
        &[truth_box],
        &[keypoints],
        0.2,
        &IgnoreRule::default(),
    );
    assert_eq!(tally.summarize(0.2).pck, Some(0.0));
}

#[test]
fn a_tiny_person_is_ignored_as_in_detection() {
    let (truth_box, keypoints) = person(5, [100.0, 100.0, 4.0, 10.0], 101.0, 105.0);
    let mut tally = PoseTally::default();
    tally.add_image(&[], &[truth_box], &[keypoints], 0.2, &IgnoreRule::default());
    let metrics = tally.summarize(0.2);
    assert_eq!((metrics.people, metrics.pck), (0, None));
}
