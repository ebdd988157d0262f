//! NMS edge cases and the model ↔ image transform.
#![allow(clippy::unwrap_used)]

use panoptes_heads::{iou, non_maximum_suppression, Candidate, InputSize, ModelToImage};

fn kept(
    candidates: &mut [Candidate],
    iou_threshold: f32,
    agnostic: bool,
    max: usize,
) -> Vec<(f32, usize)> {
    let mut kept = Vec::new();
    non_maximum_suppression(candidates, iou_threshold, agnostic, max, &mut kept);
    kept.iter()
        .map(|&index| {
            (
                candidates[index].score,
                candidates[index].corners[0] as usize,
            )
        })
        .collect()
}

#[test]
fn iou_known_values_and_degenerate_boxes() {
    assert_eq!(iou(&[0.0, 0.0, 2.0, 2.0], &[1.0, 0.0, 3.0, 2.0]), 2.0 / 6.0);
    assert_eq!(iou(&[0.0, 0.0, 2.0, 2.0], &[0.0, 0.0, 2.0, 2.0]), 1.0);
    assert_eq!(iou(&[0.0, 0.0, 1.0, 1.0], &[5.0, 5.0, 6.0, 6.0]), 0.0);
    // Zero-area boxes: no NaN from 0 / 0.
    assert_eq!(iou(&[3.0, 3.0, 3.0, 3.0], &[3.0, 3.0, 3.0, 3.0]), 0.0);
    assert_eq!(iou(&[3.0, 3.0, 3.0, 8.0], &[0.0, 0.0, 10.0, 10.0]), 0.0);
}

#[test]
fn identical_boxes_keep_only_the_best() {
    let mut candidates: Vec<Candidate> = [0.5, 0.9, 0.7]
        .iter()
        .map(|&score| Candidate::new([10.0, 10.0, 20.0, 20.0], score, 0))
        .collect();
    assert_eq!(kept(&mut candidates, 0.45, false, 10), [(0.9, 10)]);
}

#[test]
fn ties_keep_the_earlier_row() {
    // Same score, overlapping (IoU 0.6): the first row wins, deterministically.
    let mut candidates = vec![
        Candidate::new([2.0, 0.0, 12.0, 10.0], 0.8, 0),
        Candidate::new([0.0, 0.0, 10.0, 10.0], 0.8, 0),
    ];
    assert_eq!(kept(&mut candidates, 0.5, false, 10), [(0.8, 2)]);
    let mut swapped = vec![
        Candidate::new([0.0, 0.0, 10.0, 10.0], 0.8, 0),
        Candidate::new([2.0, 0.0, 12.0, 10.0], 0.8, 0),
    ];
    assert_eq!(kept(&mut swapped, 0.5, false, 10), [(0.8, 0)]);
}

#[test]
fn classes_suppress_only_themselves_unless_agnostic() {
    let boxes = || {
        vec![
            Candidate::new([0.0, 0.0, 10.0, 10.0], 0.9, 0),
            Candidate::new([1.0, 0.0, 11.0, 10.0], 0.8, 1),
            Candidate::new([2.0, 0.0, 12.0, 10.0], 0.7, 0),
        ]
    };
    assert_eq!(kept(&mut boxes(), 0.45, false, 10), [(0.9, 0), (0.8, 1)]);
    assert_eq!(kept(&mut boxes(), 0.45, true, 10), [(0.9, 0)]);
    // IoU threshold 1 suppresses nothing but exact duplicates' IoU > 1 never happens.
    assert_eq!(kept(&mut boxes(), 1.0, true, 10).len(), 3);
    assert_eq!(kept(&mut boxes(), 1.0, true, 2), [(0.9, 0), (0.8, 1)]);
}

#[test]
fn zero_area_boxes_neither_suppress_nor_break_ordering() {
    let mut candidates = vec![
        Candidate::new([5.0, 5.0, 5.0, 5.0], 0.95, 0),
        Candidate::new([0.0, 0.0, 10.0, 10.0], 0.9, 0),
        Candidate::new([5.0, 5.0, 5.0, 5.0], 0.85, 0),
    ];
    assert_eq!(
        kept(&mut candidates, 0.45, false, 10),
        [(0.95, 5), (0.9, 0), (0.85, 5)]
    );
}

#[test]
fn letterbox_round_trip_and_known_mapping() {
    let input = InputSize::new(416, 416).unwrap();
    for centered in [false, true] {
        let transform = ModelToImage::letterbox(input, 1600, 900, centered).unwrap();
        assert_eq!(transform.scale, [0.26, 0.26]);
        let expected_offset = if centered { [0.0, 91.0] } else { [0.0, 0.0] };
        assert_eq!(transform.offset, expected_offset);
        // Image corners land on the content area's corners.
        let [x, y] = transform.to_model(1600.0, 900.0);
        assert!((x - 416.0).abs() < 1e-3 && (y - (234.0 + expected_offset[1])).abs() < 1e-3);
        for point in [[0.0, 0.0], [1600.0, 900.0], [123.5, 456.25], [1599.0, 1.0]] {
            let [mx, my] = transform.to_model(point[0], point[1]);
            let [ix, iy] = transform.to_image(mx, my);
            assert!(
                (ix - point[0]).abs() < 1e-3 && (iy - point[1]).abs() < 1e-3,
                "{point:?} → {ix}, {iy}"
            );
        }
    }
    let stretch = ModelToImage::stretch(InputSize::new(640, 360).unwrap(), 1600, 900).unwrap();
    assert_eq!(stretch.to_image(320.0, 180.0), [800.0, 450.0]);
    assert_eq!(
        stretch.clip(stretch.box_to_image([-10.0, 10.0, 700.0, 20.0])),
        [0.0, 25.0, 1600.0, 50.0]
    );
    assert!(ModelToImage::new([0.0, 1.0], [0.0, 0.0], 10, 10).is_err());
    assert!(ModelToImage::new([1.0, f32::NAN], [0.0, 0.0], 10, 10).is_err());
    assert!(ModelToImage::new([1.0, 1.0], [0.0, 0.0], 0, 10).is_err());
}
