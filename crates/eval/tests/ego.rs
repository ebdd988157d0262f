//! Ego-frame metrics with hand-computed answers: centre-distance AP, position error per band and
//! method, duplicates, id switches, BEV IoU.
#![allow(clippy::unwrap_used)]

use nalgebra::Vector2;
use panoptes_drive::Cuboid;
use panoptes_eval::{nuscenes_average_precision, union_by_instance, EgoTally, EvalError};
use panoptes_fusion::{BevGrid, EgoObject, LiftMethod};

fn truth(class: &str, instance_id: u32, x: f64, y: f64) -> Cuboid {
    Cuboid {
        class: class.to_string(),
        instance_id,
        center: [x, y, 0.8],
        size_lwh: [4.5, 1.9, 1.6],
        yaw: 0.0,
    }
}

fn predicted(class: &str, score: f32, x: f32, y: f32) -> EgoObject {
    EgoObject {
        id: None,
        confirmed: None,
        class: class.to_string(),
        label: class.to_string(),
        head: "objects".to_string(),
        class_id: 0,
        score,
        position: [x, y, 0.8],
        distance: x.hypot(y),
        position_covariance: [0.25, 0.0, 0.25],
        size_lwh: [4.5, 1.9, 1.6],
        yaw: None,
        velocity: None,
        cameras: vec!["CAM_FRONT".to_string()],
        method: LiftMethod::Ground,
        clipped: false,
        keypoints: None,
    }
}

fn with_cameras(mut object: EgoObject, cameras: &[&str]) -> EgoObject {
    object.cameras = cameras.iter().map(|camera| camera.to_string()).collect();
    object
}

fn with_id(mut object: EgoObject, id: u64) -> EgoObject {
    object.id = Some(id);
    object.confirmed = Some(true);
    object
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn nuscenes_ap_of_a_false_positive_between_hits_is_known() {
    // Recall/precision (1/3, 1), (1/3, 1/2), (2/3, 2/3). Recall 0.11–0.33 lies before the first
    // point: precision 1 (23 points); 0.34–0.66 interpolates 1/2 → 2/3 (33 points, sum 15.95
    // after subtracting 0.1); beyond 2/3: 0. (23 · 0.9 + 15.95) / 90 / 0.9 = 36.65 / 81.
    let ap = nuscenes_average_precision(&[true, false, true], 3);
    assert!(close(ap, 36.65 / 81.0), "{ap}");
    // The same from numpy's devkit code: 0.45246913580246917.
    assert!((ap - 0.452_469_135_802_469_17).abs() < 1e-12);
    assert_eq!(nuscenes_average_precision(&[], 3), 0.0);
    assert_eq!(nuscenes_average_precision(&[false, false], 3), 0.0);
    assert_eq!(nuscenes_average_precision(&[true], 0), 0.0);
    // Half the truth found, precision 1: recall 0.11–0.5 at 0.9 (40 points) → 36 / 81.
    assert!(close(nuscenes_average_precision(&[true], 2), 36.0 / 81.0));
}

#[test]
fn nuscenes_ap_matches_the_devkit_on_reference_rankings() {
    // Each ranking (1 = hit) and positive count through the devkit's `accumulate` and
    // `calc_ap` (numpy 2.4).
    let references = [
        ("10110", 6, 0.294_279_835_390_946_5),
        ("111010001011110100001", 14, 0.468_778_497_222_941_6),
        ("1100001001001000", 9, 0.243_219_915_886_582_54),
        (
            "010110101010101000101101011001",
            20,
            0.321_731_070_760_581_4,
        ),
        ("111101", 8, 0.548_246_913_580_246_9),
    ];
    for (ranking, positives, expected) in references {
        let hits: Vec<bool> = ranking.chars().map(|hit| hit == '1').collect();
        let ap = nuscenes_average_precision(&hits, positives);
        assert!(
            (ap - expected).abs() < 1e-12,
            "{ranking}: {ap} vs {expected}"
        );
    }
}

#[test]
fn perfect_predictions_give_ap_one_at_every_threshold() {
    let mut tally = EgoTally::default();
    for frame in 0..3 {
        let offset = frame as f64;
        let truth = [
            truth("car", 1, 10.0 + offset, 2.0),
            truth("car", 2, -15.0, -4.0 - offset),
            truth("pedestrian", 3, 6.0, 6.0 + offset),
        ];
        let predictions: Vec<EgoObject> = truth
            .iter()
            .map(|cuboid| {
                predicted(
                    &cuboid.class,
                    0.8,
                    cuboid.center[0] as f32,
                    cuboid.center[1] as f32,
                )
            })
            .collect();
        tally.add_frame(frame, &predictions, &truth);
    }
    let metrics = tally.summarize();
    let detection = &metrics.detection;
    assert_eq!(detection.thresholds_m, [0.5, 1.0, 2.0, 4.0]);
    assert_eq!(detection.map, Some(1.0));
    assert_eq!(detection.map_by_threshold, [1.0; 4]);
    assert_eq!(detection.classes["car"].ap, [1.0; 4]);
    assert_eq!(detection.classes["car"].ground_truth, 6);
    assert_eq!(detection.classes["pedestrian"].predictions, 3);
    assert_eq!((metrics.ground_truth, metrics.predictions), (9, 9));
    assert_eq!(metrics.position.within_range.median_m, Some(0.0));
}

#[test]
fn a_prediction_one_and_a_half_metres_off_counts_at_two_and_four_metres_only() {
    let mut tally = EgoTally::default();
    tally.add_frame(
        0,
        &[predicted("car", 0.9, 11.5, 3.0)],
        &[truth("car", 1, 10.0, 3.0)],
    );
    let detection = tally.summarize().detection;
    assert_eq!(detection.classes["car"].ap, [0.0, 0.0, 1.0, 1.0]);
    assert_eq!(detection.classes["car"].mean_ap, Some(0.5));
    assert_eq!(detection.map, Some(0.5));
}

#[test]
fn predictions_are_ranked_by_score_across_frame_sets() {
    // Frame set 0: a hit at score 0.5; frame set 1: a miss at 0.9 ranks first.
    let mut tally = EgoTally::default();
    tally.add_frame(
        0,
        &[predicted("car", 0.5, 10.0, 0.0)],
        &[truth("car", 1, 10.0, 0.0)],
    );
    tally.add_frame(
        1,
        &[predicted("car", 0.9, 30.0, 0.0)],
        &[truth("car", 1, 10.0, 0.0)],
    );
    let ap = tally.summarize().detection.classes["car"].ap.clone();
    // Recall/precision (0, 0), (1/2, 1/2): precision = recall up to 1/2, (12.2 − 4) / 81.
    assert!(close(ap[0], 8.2 / 81.0), "{ap:?}");
    assert_eq!(ap[0], nuscenes_average_precision(&[false, true], 2));
}

#[test]
fn predictions_of_another_class_or_beyond_the_distance_cut_do_not_count() {
    let mut tally = EgoTally::new(50.0);
    tally.add_frame(
        0,
        &[
            predicted("truck", 0.9, 10.0, 0.0),
            predicted("car", 0.9, 60.0, 0.0),
        ],
        &[truth("car", 1, 10.0, 0.0), truth("car", 2, 60.0, 0.0)],
    );
    assert!(tally.has_truth());
    let metrics = tally.summarize();
    assert_eq!((metrics.ground_truth, metrics.predictions), (1, 1));
    assert_eq!(metrics.detection.classes["car"].ap, [0.0; 4]);
    // No truth of class truck: a prediction count, no AP.
    assert_eq!(metrics.detection.classes["truck"].mean_ap, None);
    assert_eq!(metrics.detection.map, Some(0.0));
    assert_eq!(metrics.position.unmatched_truth, 1);
}

#[test]
fn position_error_is_reported_per_band_and_method() {
    // One class per object, so that each can only match its own prediction. Truth along x at
    // 5, 15, 25, 35, 45 m; errors 0.5 (ground), 3 (ground), 7.5 (beyond the 7 m gate), 1.75
    // (depth), 4.5 m (depth).
    let classes = ["car", "truck", "bus", "pedestrian", "cyclist"];
    let distances = [5.0f32, 15.0, 25.0, 35.0, 45.0];
    let errors = [0.5f32, 3.0, 7.5, 1.75, 4.5];
    let truth: Vec<Cuboid> = classes
        .iter()
        .zip(distances)
        .enumerate()
        .map(|(index, (class, x))| truth(class, index as u32, f64::from(x), 0.0))
        .collect();
    let predictions: Vec<EgoObject> = classes
        .iter()
        .zip(distances.iter().zip(errors))
        .map(|(class, (x, error))| {
            let mut object = predicted(class, 0.5, x + error, 0.0);
            object.method = if *x < 20.0 {
                LiftMethod::Ground
            } else {
                LiftMethod::Depth
            };
            object
        })
        .collect();
    let mut tally = EgoTally::default();
    tally.add_frame(0, &predictions, &truth);
    let position = tally.summarize().position;
    assert_eq!((position.gate_m, position.gate_fraction), (2.0, 0.2));
    assert_eq!((position.matched_truth, position.unmatched_truth), (4, 1));
    // Within 40 m: relative errors 0.1, 0.2, 0.05.
    assert_eq!(position.within_range.matches, 3);
    assert!(close(position.within_range.median_relative.unwrap(), 0.1));
    let ground = position.by_method["ground"];
    assert_eq!(ground.matches, 2);
    assert!(close(ground.median_relative.unwrap(), 0.15));
    assert!(close(ground.median_m.unwrap(), 1.75));
    let depth = position.by_method["depth"];
    assert_eq!(depth.matches, 1);
    assert!(close(depth.median_relative.unwrap(), 0.05));
    let bands: Vec<(f64, f64, usize, Option<f64>)> = position
        .bands
        .iter()
        .map(|band| {
            (
                band.from_m,
                band.to_m,
                band.all.matches,
                band.all.median_relative,
            )
        })
        .collect();
    assert_eq!(bands.len(), 5);
    let expected = [
        (0.0, 10.0, 1, Some(0.1)),
        (10.0, 20.0, 1, Some(0.2)),
        (20.0, 30.0, 0, None),
        (30.0, 40.0, 1, Some(0.05)),
        (40.0, 50.0, 1, Some(0.1)),
    ];
    for (band, expected) in bands.iter().zip(expected) {
        assert_eq!(
            (band.0, band.1, band.2),
            (expected.0, expected.1, expected.2)
        );
        match (band.3, expected.3) {
            (Some(got), Some(want)) => assert!(close(got, want), "{band:?}"),
            (got, want) => assert_eq!(got, want),
        }
    }
    assert_eq!(position.bands[4].by_method["depth"].matches, 1);
    assert_eq!(position.bands[4].by_method["ground"].matches, 0);
}

#[test]
fn nearest_pairs_match_first() {
    // Truth A at 10 m, B at 12 m; one prediction at 11.8 m: nearer B, so A is unmatched even
    // though A is first.
    let mut tally = EgoTally::default();
    tally.add_frame(
        0,
        &[predicted("car", 0.5, 11.8, 0.0)],
        &[truth("car", 1, 10.0, 0.0), truth("car", 2, 12.0, 0.0)],
    );
    let position = tally.summarize().position;
    assert_eq!((position.matched_truth, position.unmatched_truth), (1, 1));
    assert!((position.within_range.median_m.unwrap() - 0.2).abs() < 1e-5);
}

#[test]
fn a_second_prediction_within_the_gate_is_a_duplicate() {
    let truth = [
        truth("car", 1, 10.0, 0.0),
        truth("car", 2, 0.0, 20.0),
        truth("car", 3, -20.0, 0.0),
        truth("pedestrian", 4, 5.0, -5.0),
    ];
    let predictions = [
        // Car 1 seen by the front camera, and again by the front-left one, unmerged: a camera
        // overlap duplicate.
        with_cameras(predicted("car", 0.9, 10.2, 0.0), &["CAM_FRONT"]),
        with_cameras(predicted("car", 0.8, 10.8, 0.3), &["CAM_FRONT_LEFT"]),
        // Car 2 twice, both reports from CAM_LEFT: a duplicate, not of a camera overlap.
        with_cameras(
            predicted("car", 0.9, 0.0, 20.1),
            &["CAM_LEFT", "CAM_FRONT_LEFT"],
        ),
        with_cameras(predicted("car", 0.7, 0.5, 20.0), &["CAM_LEFT"]),
        // Car 3 once; the next car prediction is beyond its 6 m gate.
        with_cameras(predicted("car", 0.9, -20.1, 0.0), &["CAM_BACK"]),
        with_cameras(predicted("car", 0.6, -27.0, 0.0), &["CAM_BACK_LEFT"]),
        // The pedestrian once; a car prediction next to it is of another class.
        predicted("pedestrian", 0.9, 5.0, -5.1),
        predicted("car", 0.6, 5.3, -5.0),
    ];
    let mut tally = EgoTally::default();
    tally.add_frame(0, &predictions, &truth);
    let duplicates = tally.summarize().duplicates;
    assert_eq!(duplicates.matched_truth, 4);
    assert_eq!(duplicates.duplicated, 2);
    assert_eq!(duplicates.fraction, Some(0.5));
    assert_eq!(duplicates.camera_overlap, 1);
    assert_eq!(duplicates.camera_overlap_fraction, Some(0.25));
}

#[test]
fn a_misplaced_report_of_a_neighbour_is_not_a_duplicate_and_a_kept_track_is_no_switch() {
    // Two pedestrians 1.5 m apart at 20 m; the second is reported 1 m too near the first.
    let truth = [
        truth("pedestrian", 1, 20.0, 0.0),
        truth("pedestrian", 2, 20.0, 1.5),
    ];
    let predictions = [
        with_id(predicted("pedestrian", 0.9, 20.1, 0.0), 7),
        with_id(predicted("pedestrian", 0.8, 20.0, 0.9), 8),
        // Nearer to truth 2 than to truth 1, unmatched: truth 2's duplicate, not truth 1's.
        with_id(predicted("pedestrian", 0.3, 20.0, 1.3), 9),
    ];
    let mut tally = EgoTally::default();
    tally.add_frame(0, &predictions, &truth);
    assert_eq!(tally.summarize().duplicates.duplicated, 1);
    // Truth 2 was matched to track 9 (the nearest). Next frame set track 8 is nearer to it,
    // but track 9 is still within its gate: truth 2 keeps track 9 (CLEAR-MOT), no switch.
    let next = [
        with_id(predicted("pedestrian", 0.9, 20.1, 0.0), 7),
        with_id(predicted("pedestrian", 0.8, 20.0, 1.4), 8),
        with_id(predicted("pedestrian", 0.3, 20.0, 2.3), 9),
    ];
    let mut kept = tally.clone();
    kept.add_frame(1, &next, &truth);
    assert_eq!(kept.summarize().id_switches.unwrap().switches, 0);
    // Once track 9 leaves the gate (6 m at 20 m), truth 2 takes the nearest: a switch.
    let gone = [
        with_id(predicted("pedestrian", 0.9, 20.1, 0.0), 7),
        with_id(predicted("pedestrian", 0.8, 20.0, 1.4), 8),
        with_id(predicted("pedestrian", 0.3, 20.0, 9.0), 9),
    ];
    tally.add_frame(1, &gone, &truth);
    assert_eq!(tally.summarize().id_switches.unwrap().switches, 1);
}

/// Frames 0–1: truth 1 ↔ track 10, truth 2 ↔ track 20; frames 2–3 the ids swap.
fn swapping_frame(frame: usize) -> (Vec<EgoObject>, Vec<Cuboid>) {
    let (first, second) = if frame < 2 { (10, 20) } else { (20, 10) };
    let x = 10.0 + frame as f32;
    (
        vec![
            with_id(predicted("car", 0.9, x, 3.0), first),
            with_id(predicted("car", 0.9, x, -3.0), second),
        ],
        vec![
            truth("car", 1, f64::from(x), 3.0),
            truth("car", 2, f64::from(x), -3.0),
        ],
    )
}

#[test]
fn two_objects_whose_ids_swap_once_give_two_switches() {
    let mut tally = EgoTally::default();
    for frame in 0..4 {
        let (predictions, truth) = swapping_frame(frame);
        tally.add_frame(frame, &predictions, &truth);
    }
    let switches = tally.summarize().id_switches.unwrap();
    assert_eq!((switches.switches, switches.matched_objects), (2, 2));
    assert_eq!(switches.per_100_objects, Some(100.0));

    // The same run counted in two halves, merged later half first.
    let mut halves = [EgoTally::default(), EgoTally::default()];
    for frame in 0..4 {
        let (predictions, truth) = swapping_frame(frame);
        halves[frame / 2].add_frame(frame, &predictions, &truth);
    }
    let [mut earlier, later] = halves;
    let mut merged = later;
    merged.merge(earlier.clone());
    assert_eq!(merged.summarize(), tally.summarize());
    earlier.merge(merged);
    assert_eq!(earlier.summarize().frame_sets, 6);
}

#[test]
fn without_track_ids_there_are_no_id_switches() {
    let mut tally = EgoTally::default();
    tally.add_frame(
        0,
        &[predicted("car", 0.9, 10.0, 0.0)],
        &[truth("car", 1, 10.0, 0.0)],
    );
    assert_eq!(tally.summarize().id_switches, None);
}

#[test]
fn bev_iou_of_two_small_grids_sums_cells_over_frame_sets() {
    // 10 × 10 cells of 1 m. A 4 × 2 m footprint at the origin covers 8 cells; the truth's, 1 m
    // further forward, 8 cells of which 6 are shared.
    let mut predicted_grid = BevGrid::unknown(10, 1.0);
    predicted_grid.draw_footprint(Vector2::new(0.0, 0.0), 4.0, 2.0, 0.0);
    let mut truth_grid = BevGrid::unknown(10, 1.0);
    truth_grid.draw_footprint(Vector2::new(1.0, 0.0), 4.0, 2.0, 0.0);
    let mut tally = EgoTally::default();
    tally.add_bev(&predicted_grid, &truth_grid).unwrap();
    let bev = tally.summarize().bev.unwrap();
    assert_eq!(bev.categories["object"].both_cells, 6);
    assert_eq!(bev.categories["object"].either_cells, 10);
    assert_eq!(bev.categories["object"].iou, Some(0.6));
    // Neither grid has drivable cells.
    assert_eq!(bev.categories["drivable"].iou, None);
    // A second frame set where they agree: (6 + 8) / (10 + 8).
    tally.add_bev(&predicted_grid, &predicted_grid).unwrap();
    let bev = tally.summarize().bev.unwrap();
    assert_eq!(bev.frame_sets, 2);
    assert!(close(bev.categories["object"].iou.unwrap(), 14.0 / 18.0));
    // Grids of different sizes are refused.
    let error = tally
        .add_bev(&predicted_grid, &BevGrid::unknown(20, 0.5))
        .unwrap_err();
    assert!(matches!(error, EvalError::BevMismatch { .. }), "{error}");
    assert_eq!(tally.summarize().bev.unwrap().frame_sets, 2);
}

#[test]
fn the_truth_of_a_frame_set_is_each_instance_once() {
    let front = [truth("car", 1, 10.0, 0.0), truth("car", 2, 12.0, 5.0)];
    let left = [truth("car", 2, 12.0, 5.0), truth("pedestrian", 3, 2.0, 6.0)];
    let union = union_by_instance([front.as_slice(), left.as_slice()]);
    let ids: Vec<u32> = union.iter().map(|cuboid| cuboid.instance_id).collect();
    assert_eq!(ids, [1, 2, 3]);
    let tally = EgoTally::default();
    assert!(!tally.has_truth());
}
