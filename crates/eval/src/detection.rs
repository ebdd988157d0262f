//! Detection AP@0.5 per class (all-point interpolation) and its mean.

use panoptes_drive::BoundingBox;
use panoptes_heads::Detection;
use serde::Serialize;
use std::collections::BTreeMap;

/// A prediction matches a ground-truth box of its class from this IoU on.
pub const MATCH_IOU: f64 = 0.5;

/// Which ground-truth boxes are too hard to count: an ignored box is neither a positive nor,
/// when a prediction matches it, a false positive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct IgnoreRule {
    /// Ignore boxes hidden more than this fraction (0–1).
    pub max_occlusion: f64,
    /// Ignore boxes smaller than this many square pixels.
    pub min_area: f64,
}

impl Default for IgnoreRule {
    /// Occlusion above 0.9, or smaller than 8 × 8 pixels.
    fn default() -> Self {
        Self {
            max_occlusion: 0.9,
            min_area: 64.0,
        }
    }
}

impl IgnoreRule {
    /// Whether `truth` is left out of the counts.
    pub fn ignores(&self, truth: &BoundingBox) -> bool {
        truth.occlusion > self.max_occlusion
            || truth.box_xywh[2] * truth.box_xywh[3] < self.min_area
    }
}

/// Intersection over union of two `[x, y, width, height]` boxes; 0 when either is empty.
pub fn box_iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let width = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let height = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    if width <= 0.0 || height <= 0.0 {
        return 0.0;
    }
    let intersection = width * height;
    let union = a[2] * a[3] + b[2] * b[3] - intersection;
    if union > 0.0 {
        intersection / union
    } else {
        0.0
    }
}

/// A detection's box in f64.
pub(crate) fn detection_box(detection: &Detection) -> [f64; 4] {
    detection.box_xywh.map(f64::from)
}

/// Average precision of scored predictions against `positives` ground-truth boxes.
///
/// Precision and recall are taken at each distinct score (predictions with equal scores enter
/// together, so their order does not matter), then precision is made monotone from the right and
/// integrated over recall (all-point interpolation, as VOC 2010+ and COCO). 0 when there are
/// no positives.
pub fn average_precision(scored: &[(f32, bool)], positives: usize) -> f64 {
    if positives == 0 {
        return 0.0;
    }
    let mut sorted: Vec<(f32, bool)> = scored
        .iter()
        .copied()
        .filter(|(score, _)| !score.is_nan())
        .collect();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    // (recall, precision) at each distinct score.
    let mut points: Vec<(f64, f64)> = Vec::new();
    let (mut true_positives, mut seen) = (0usize, 0usize);
    let mut index = 0;
    while index < sorted.len() {
        let score = sorted[index].0;
        while index < sorted.len() && sorted[index].0 == score {
            true_positives += usize::from(sorted[index].1);
            seen += 1;
            index += 1;
        }
        points.push((
            true_positives as f64 / positives as f64,
            true_positives as f64 / seen as f64,
        ));
    }
    let mut best_precision = 0.0f64;
    for point in points.iter_mut().rev() {
        best_precision = best_precision.max(point.1);
        point.1 = best_precision;
    }
    let mut area = 0.0;
    let mut previous_recall = 0.0;
    for (recall, precision) in points {
        area += (recall - previous_recall) * precision;
        previous_recall = recall;
    }
    area
}

/// One class's counts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct ClassTally {
    /// Ground-truth boxes counted (not ignored).
    positives: usize,
    /// Ground-truth boxes ignored.
    ignored: usize,
    /// Every counted prediction: score and whether it was a true positive.
    scored: Vec<(f32, bool)>,
}

/// Matched predictions of every class, gathered image by image.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DetectionTally {
    classes: BTreeMap<String, ClassTally>,
}

impl DetectionTally {
    /// Matches one image's predictions to its ground truth, class by class: predictions in
    /// falling score order each take the unmatched counted box of their label with the highest
    /// IoU ≥ [`MATCH_IOU`] (a true positive); failing that, a prediction overlapping an ignored
    /// box is dropped; otherwise it is a false positive.
    pub fn add_image(
        &mut self,
        predictions: &[Detection],
        truth: &[BoundingBox],
        rule: &IgnoreRule,
    ) {
        for box_truth in truth {
            let tally = self.classes.entry(box_truth.class.clone()).or_default();
            if rule.ignores(box_truth) {
                tally.ignored += 1;
            } else {
                tally.positives += 1;
            }
        }
        let mut order: Vec<&Detection> = predictions.iter().collect();
        order.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut taken = vec![false; truth.len()];
        for prediction in order {
            let predicted = detection_box(prediction);
            let mut best: Option<(usize, f64)> = None;
            let mut overlaps_ignored = false;
            for (index, box_truth) in truth.iter().enumerate() {
                if box_truth.class != prediction.label {
                    continue;
                }
                let overlap = box_iou(predicted, box_truth.box_xywh);
                if overlap < MATCH_IOU {
                    continue;
                }
                if rule.ignores(box_truth) {
                    overlaps_ignored = true;
                } else if !taken[index] && best.is_none_or(|(_, value)| overlap > value) {
                    best = Some((index, overlap));
                }
            }
            let outcome = match best {
                Some((index, _)) => {
                    taken[index] = true;
                    Some(true)
                }
                None if overlaps_ignored => None,
                None => Some(false),
            };
            if let Some(true_positive) = outcome {
                self.classes
                    .entry(prediction.label.clone())
                    .or_default()
                    .scored
                    .push((prediction.score, true_positive));
            }
        }
    }

    /// Adds another tally's counts (order of images does not change the result).
    pub fn merge(&mut self, other: DetectionTally) {
        for (class, tally) in other.classes {
            let mine = self.classes.entry(class).or_default();
            mine.positives += tally.positives;
            mine.ignored += tally.ignored;
            mine.scored.extend(tally.scored);
        }
    }

    /// AP per class and their mean over the classes that have counted ground truth.
    pub fn summarize(&self, rule: &IgnoreRule) -> DetectionMetrics {
        let mut metrics = DetectionMetrics {
            map50: None,
            ap50: BTreeMap::new(),
            classes: BTreeMap::new(),
            iou_threshold: MATCH_IOU,
            ignore: *rule,
        };
        for (class, tally) in &self.classes {
            let true_positives = tally.scored.iter().filter(|(_, hit)| *hit).count();
            metrics.classes.insert(
                class.clone(),
                ClassCounts {
                    ground_truth: tally.positives,
                    ignored: tally.ignored,
                    predictions: tally.scored.len(),
                    true_positives,
                },
            );
            if tally.positives > 0 {
                metrics.ap50.insert(
                    class.clone(),
                    average_precision(&tally.scored, tally.positives),
                );
            }
        }
        if !metrics.ap50.is_empty() {
            metrics.map50 = Some(metrics.ap50.values().sum::<f64>() / metrics.ap50.len() as f64);
        }
        metrics
    }
}

/// One class's counts in the report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassCounts {
    /// Counted ground-truth boxes.
    pub ground_truth: usize,
    /// Ignored ground-truth boxes.
    pub ignored: usize,
    /// Counted predictions (those matched to ignored boxes left out).
    pub predictions: usize,
    /// Predictions matched to a counted box.
    pub true_positives: usize,
}

/// The `detection` object of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionMetrics {
    /// Mean of `ap50` over classes with counted ground truth; null when there is none.
    pub map50: Option<f64>,
    /// AP at IoU 0.5 per class with counted ground truth.
    pub ap50: BTreeMap<String, f64>,
    /// Counts per class (ground truth or predicted).
    pub classes: BTreeMap<String, ClassCounts>,
    /// The IoU a match needs.
    pub iou_threshold: f64,
    /// Which ground-truth boxes were ignored.
    pub ignore: IgnoreRule,
}
