//! Segmentation confusion matrix and depth errors with hand-computed answers.
#![allow(clippy::unwrap_used)]

use ndarray::array;
use panoptes_eval::{ClassMapping, ConfusionMatrix, DepthTally, EvalError};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| name.to_string()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn known_confusion_matrix_gives_known_ious() {
    let truth_classes = names(&["void", "road", "car", "sky"]);
    // "building" is unknown to the drive: it always counts as wrong.
    let mapping = ClassMapping::new(&names(&["road", "car", "building"]), &truth_classes);
    let truth = array![[1u8, 1, 2, 2], [0, 3, 1, 2]];
    let predicted = array![[0u8, 1, 1, 1], [2, 2, 0, 1]];
    let mut matrix = ConfusionMatrix::default();
    matrix
        .add_image(truth.view(), predicted.view(), &mapping)
        .unwrap();
    assert_eq!(matrix.count(1, 1), 2);
    assert_eq!(matrix.count(1, 2), 1);
    assert_eq!(matrix.count(2, 2), 3);
    assert_eq!(matrix.count(3, 4), 1, "sky predicted as the unknown class");
    assert_eq!(matrix.ignored(), 1, "the void pixel");
    let metrics = matrix.summarize(&truth_classes, Some("segmentation".to_string()));
    // road 2/(3+2−2), car 3/(3+4−3), sky 0/(1+0−0); void neither in truth nor prediction.
    assert!(close(metrics.iou["road"], 2.0 / 3.0));
    assert!(close(metrics.iou["car"], 3.0 / 4.0));
    assert_eq!(metrics.iou["sky"], 0.0);
    assert!(!metrics.iou.contains_key("void"));
    assert!(close(metrics.miou.unwrap(), 17.0 / 36.0));
    assert_eq!(metrics.pixels, 7);
}

#[test]
fn perfect_segmentation_gives_miou_one_whatever_the_model_class_order() {
    let truth_classes = names(&["void", "road", "car"]);
    // The model lists the same classes in another order.
    let mapping = ClassMapping::new(&names(&["car", "road", "void"]), &truth_classes);
    let truth = array![[1u8, 2, 0], [2, 2, 1]];
    let predicted = truth.mapv(|id| [2u8, 1, 0][usize::from(id)]);
    let mut matrix = ConfusionMatrix::default();
    matrix
        .add_image(truth.view(), predicted.view(), &mapping)
        .unwrap();
    let metrics = matrix.summarize(&truth_classes, None);
    assert_eq!(metrics.miou, Some(1.0));
    assert_eq!(metrics.iou.len(), 2);
}

#[test]
fn ids_outside_the_class_list_are_ignored_and_sizes_must_agree() {
    let truth_classes = names(&["road"]);
    let mapping = ClassMapping::new(&names(&["road"]), &truth_classes);
    let mut matrix = ConfusionMatrix::default();
    matrix
        .add_image(array![[0u8, 9]].view(), array![[0u8, 0]].view(), &mapping)
        .unwrap();
    assert_eq!((matrix.count(0, 0), matrix.ignored()), (1, 1));
    let error = matrix
        .add_image(array![[0u8, 0]].view(), array![[0u8], [0]].view(), &mapping)
        .unwrap_err();
    assert!(
        matches!(
            error,
            EvalError::SizeMismatch {
                what: "segmentation",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn merged_matrices_equal_one_matrix_over_both_images() {
    let truth_classes = names(&["road", "car"]);
    let mapping = ClassMapping::new(&truth_classes, &truth_classes);
    let (first_truth, first) = (array![[0u8, 1]], array![[0u8, 0]]);
    let (second_truth, second) = (array![[1u8, 1]], array![[1u8, 0]]);
    let mut both = ConfusionMatrix::default();
    both.add_image(first_truth.view(), first.view(), &mapping)
        .unwrap();
    both.add_image(second_truth.view(), second.view(), &mapping)
        .unwrap();
    let mut one = ConfusionMatrix::default();
    one.add_image(first_truth.view(), first.view(), &mapping)
        .unwrap();
    let mut two = ConfusionMatrix::default();
    two.add_image(second_truth.view(), second.view(), &mapping)
        .unwrap();
    let mut merged = ConfusionMatrix::default();
    merged.merge(two);
    merged.merge(one);
    assert_eq!(merged, both);
    // road: 1/(1+3−1); car: 1/(3+1−1).
    let metrics = merged.summarize(&truth_classes, None);
    assert!(close(metrics.iou["road"], 1.0 / 3.0));
    assert!(close(metrics.iou["car"], 1.0 / 3.0));
}

#[test]
fn perfect_depth_gives_abs_rel_zero_and_delta_one() {
    let truth = array![[1500u16, 0, 30000], [2250, 7000, 65535]];
    let predicted = truth.mapv(|millimetres| f32::from(millimetres) / 1000.0);
    let mut tally = DepthTally::default();
    tally
        .add_image(truth.view(), predicted.view(), 80.0)
        .unwrap();
    let metrics = tally.summarize(None, Some(80.0));
    assert_eq!(metrics.pixels, 5);
    assert!(metrics.abs_rel.unwrap() < 1e-7);
    assert_eq!(metrics.delta1, Some(1.0));
    assert!(metrics.rmse.unwrap() < 1e-5);
}

#[test]
fn known_depth_errors() {
    // 2 m → 2.4 (AbsRel 0.2, ratio 1.2: within δ); 1 m → 1.3 (0.3, outside); no truth; beyond
    // the 40 m limit; 4 m → NaN (scored as 0 m: AbsRel 1, outside).
    let truth = array![[2000u16, 1000, 0, 50000, 4000]];
    let predicted = array![[2.4f32, 1.3, 5.0, 50.0, f32::NAN]];
    let mut tally = DepthTally::default();
    tally
        .add_image(truth.view(), predicted.view(), 40.0)
        .unwrap();
    let metrics = tally.summarize(Some("depth".to_string()), Some(40.0));
    assert_eq!(metrics.pixels, 3);
    assert_eq!(metrics.invalid_predictions, 1);
    // f32 predictions: compare with a tolerance wider than their rounding.
    assert!((metrics.abs_rel.unwrap() - 0.5).abs() < 1e-6);
    assert!(close(metrics.delta1.unwrap(), 1.0 / 3.0));
    assert!((metrics.rmse.unwrap() - (16.25f64 / 3.0).sqrt()).abs() < 1e-6);
}

#[test]
fn depth_without_any_counted_pixel_is_null_and_sizes_must_agree() {
    let mut tally = DepthTally::default();
    tally
        .add_image(array![[0u16]].view(), array![[1.0f32]].view(), 80.0)
        .unwrap();
    assert_eq!(tally.summarize(None, None).abs_rel, None);
    assert!(tally
        .add_image(array![[0u16, 1]].view(), array![[1.0f32]].view(), 80.0)
        .is_err());
}

#[test]
fn predicting_void_costs_the_pixel_but_adds_no_void_term_to_the_mean() {
    let truth_classes = names(&["void", "road", "car"]);
    let mapping = ClassMapping::new(&truth_classes, &truth_classes);
    // One road pixel predicted as void: a road miss, but "void" gets no IoU of its own.
    let truth = array![[1u8, 1, 2, 0]];
    let predicted = array![[1u8, 0, 2, 2]];
    let mut matrix = ConfusionMatrix::default();
    matrix
        .add_image(truth.view(), predicted.view(), &mapping)
        .unwrap();
    let metrics = matrix.summarize(&truth_classes, None);
    assert!(!metrics.iou.contains_key("void"));
    assert!(close(metrics.iou["road"], 1.0 / 2.0));
    assert!(close(metrics.iou["car"], 1.0));
    assert!(close(metrics.miou.unwrap(), 3.0 / 4.0));
}
