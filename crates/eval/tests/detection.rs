//! Detection AP and box matching with hand-computed answers.
#![allow(clippy::unwrap_used)]

use panoptes_drive::BoundingBox;
use panoptes_eval::{average_precision, box_iou, DetectionTally, IgnoreRule};
use panoptes_heads::Detection;

fn truth(class: &str, instance_id: u32, box_xywh: [f64; 4]) -> BoundingBox {
    BoundingBox {
        class: class.to_string(),
        instance_id,
        occlusion: 0.0,
        box_xywh,
    }
}

fn predicted(label: &str, score: f32, box_xywh: [f32; 4]) -> Detection {
    Detection {
        head: "detection".to_string(),
        class_id: 0,
        label: label.to_string(),
        score,
        box_xywh,
        keypoints: None,
        ego: None,
        mask: None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn box_iou_of_half_shifted_squares_is_one_third() {
    assert!(close(
        box_iou([0.0, 0.0, 10.0, 10.0], [5.0, 0.0, 10.0, 10.0]),
        1.0 / 3.0
    ));
    assert!(close(
        box_iou([0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]),
        1.0
    ));
    assert_eq!(
        box_iou([0.0, 0.0, 10.0, 10.0], [10.0, 0.0, 10.0, 10.0]),
        0.0
    );
    assert_eq!(box_iou([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]), 0.0);
}

#[test]
fn average_precision_with_a_false_positive_between_hits_is_five_ninths() {
    // Recall/precision: (1/3, 1), (1/3, 1/2), (2/3, 2/3); interpolated: 1/3·1 + 1/3·2/3.
    let scored = [(0.9, true), (0.8, false), (0.7, true)];
    assert!(close(average_precision(&scored, 3), 5.0 / 9.0));
    // Same predictions in another order: the result does not depend on input order.
    let shuffled = [(0.7, true), (0.9, true), (0.8, false)];
    assert!(close(average_precision(&shuffled, 3), 5.0 / 9.0));
}

#[test]
fn tied_scores_enter_together_whatever_their_order() {
    // One threshold step: recall 1/2, precision 1/2 → AP 1/4 (not 1/2 as "hit first" would give).
    assert!(close(
        average_precision(&[(0.9, true), (0.9, false)], 2),
        0.25
    ));
    assert!(close(
        average_precision(&[(0.9, false), (0.9, true)], 2),
        0.25
    ));
}

#[test]
fn average_precision_limits() {
    assert!(close(
        average_precision(&[(0.5, true), (0.4, true)], 2),
        1.0
    ));
    assert_eq!(average_precision(&[(0.5, false)], 1), 0.0);
    assert_eq!(average_precision(&[], 2), 0.0);
    assert_eq!(average_precision(&[(0.5, true)], 0), 0.0);
    // A late false positive does not lower AP once every positive is found.
    assert!(close(
        average_precision(&[(0.9, true), (0.1, false)], 1),
        1.0
    ));
}

#[test]
fn perfect_predictions_give_map_one() {
    let truths = [
        truth("car", 1, [10.0, 10.0, 50.0, 30.0]),
        truth("car", 2, [100.0, 10.0, 40.0, 30.0]),
        truth("pedestrian", 3, [200.0, 50.0, 12.0, 30.0]),
    ];
    let predictions: Vec<Detection> = truths
        .iter()
        .map(|box_truth| predicted(&box_truth.class, 0.8, box_truth.box_xywh.map(|v| v as f32)))
        .collect();
    let mut tally = DetectionTally::default();
    tally.add_image(&predictions, &truths, &IgnoreRule::default());
    let metrics = tally.summarize(&IgnoreRule::default());
    assert_eq!(metrics.map50, Some(1.0));
    assert_eq!(metrics.ap50.len(), 2);
    assert_eq!(metrics.classes["car"].true_positives, 2);
}

#[test]
fn duplicates_wrong_labels_and_misses_are_counted() {
    let truths = [
        truth("car", 1, [0.0, 0.0, 100.0, 100.0]),
        truth("truck", 2, [300.0, 0.0, 100.0, 100.0]),
    ];
    let predictions = [
        predicted("car", 0.9, [0.0, 0.0, 100.0, 100.0]),
        // Duplicate of the same car: a false positive.
        predicted("car", 0.8, [5.0, 0.0, 100.0, 100.0]),
        // On the truck but labelled car: a false positive for car, the truck is missed.
        predicted("car", 0.7, [300.0, 0.0, 100.0, 100.0]),
    ];
    let mut tally = DetectionTally::default();
    tally.add_image(&predictions, &truths, &IgnoreRule::default());
    let metrics = tally.summarize(&IgnoreRule::default());
    assert_eq!(metrics.ap50["car"], 1.0);
    assert_eq!(metrics.ap50["truck"], 0.0);
    assert_eq!(metrics.map50, Some(0.5));
    assert_eq!(metrics.classes["car"].predictions, 3);
    assert_eq!(metrics.classes["car"].true_positives, 1);
}

#[test]
fn higher_scored_prediction_takes_the_better_overlap_first() {
    // Two cars side by side; the top prediction overlaps both but the second most.
    let truths = [
        truth("car", 1, [0.0, 0.0, 100.0, 100.0]),
        truth("car", 2, [60.0, 0.0, 100.0, 100.0]),
    ];
    let predictions = [
        predicted("car", 0.9, [55.0, 0.0, 100.0, 100.0]),
        predicted("car", 0.8, [0.0, 0.0, 100.0, 100.0]),
    ];
    let mut tally = DetectionTally::default();
    tally.add_image(&predictions, &truths, &IgnoreRule::default());
    assert_eq!(tally.summarize(&IgnoreRule::default()).ap50["car"], 1.0);
}

#[test]
fn ignored_boxes_are_neither_positives_nor_false_positives() {
    let mut occluded = truth("car", 1, [0.0, 0.0, 100.0, 100.0]);
    occluded.occlusion = 0.95;
    let tiny = truth("car", 2, [300.0, 0.0, 7.0, 9.0]);
    let visible = truth("car", 3, [500.0, 0.0, 50.0, 50.0]);
    let truths = [occluded, tiny, visible];
    let predictions = [
        predicted("car", 0.9, [0.0, 0.0, 100.0, 100.0]),
        predicted("car", 0.8, [300.0, 0.0, 7.0, 9.0]),
        predicted("car", 0.7, [500.0, 0.0, 50.0, 50.0]),
    ];
    let rule = IgnoreRule::default();
    let mut tally = DetectionTally::default();
    tally.add_image(&predictions, &truths, &rule);
    let metrics = tally.summarize(&rule);
    assert_eq!(metrics.ap50["car"], 1.0);
    assert_eq!(metrics.classes["car"].ground_truth, 1);
    assert_eq!(metrics.classes["car"].ignored, 2);
    assert_eq!(metrics.classes["car"].predictions, 1);
    // Without the rule, the two hard boxes count and the same predictions still match them.
    let none = IgnoreRule {
        max_occlusion: 1.0,
        min_area: 0.0,
    };
    let mut tally = DetectionTally::default();
    tally.add_image(&predictions, &truths, &none);
    assert_eq!(tally.summarize(&none).classes["car"].ground_truth, 3);
}

#[test]
fn merging_images_gives_the_same_ap_as_one_pass_in_any_order() {
    let first_truth = [truth("car", 1, [0.0, 0.0, 40.0, 40.0])];
    let first = [
        predicted("car", 0.6, [0.0, 0.0, 40.0, 40.0]),
        predicted("car", 0.9, [200.0, 0.0, 40.0, 40.0]),
    ];
    let second_truth = [truth("car", 2, [0.0, 0.0, 40.0, 40.0])];
    let second = [predicted("car", 0.8, [0.0, 0.0, 40.0, 40.0])];
    let rule = IgnoreRule::default();
    let mut one = DetectionTally::default();
    one.add_image(&first, &first_truth, &rule);
    let mut two = DetectionTally::default();
    two.add_image(&second, &second_truth, &rule);
    let mut forward = one.clone();
    forward.merge(two.clone());
    let mut backward = two;
    backward.merge(one);
    // Sorted: 0.9 FP, 0.8 TP, 0.6 TP → (0, 0), (1/2, 1/2), (1, 2/3) → 1/2·2/3 + 1/2·2/3.
    let expected = 2.0 / 3.0;
    assert!(close(forward.summarize(&rule).ap50["car"], expected));
    assert!(close(backward.summarize(&rule).ap50["car"], expected));
}
