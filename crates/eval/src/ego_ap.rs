//! Ego-frame detection AP as nuScenes computes it, with centre-distance matching.

use crate::ego::{ground_distance, prediction_xy, truth_xy, EgoTally, AP_THRESHOLDS_M};
use panoptes_drive::Cuboid;
use panoptes_fusion::EgoObject;
use serde::Serialize;
use std::collections::BTreeMap;

/// Recall up to this is not scored (nuScenes' `min_recall`).
pub const AP_MIN_RECALL: f64 = 0.1;
/// Precision up to this counts as none (nuScenes' `min_precision`).
pub const AP_MIN_PRECISION: f64 = 0.1;
/// Recall points of the interpolated precision curve: 0, 0.01, …, 1.
const RECALL_POINTS: usize = 101;

/// nuScenes detection AP from predictions ranked by falling score (`true` for a hit) against
/// `positives` truth objects: precision interpolated (`np.interp`, 0 beyond the last recall)
/// at recall 0, 0.01, …, 1; the points at recall ≤ [`AP_MIN_RECALL`] dropped;
/// [`AP_MIN_PRECISION`] subtracted and clipped at 0; the mean divided by 1 − that. 0 without
/// positives or hits.
pub fn nuscenes_average_precision(ranked_hits: &[bool], positives: usize) -> f64 {
    if positives == 0 || !ranked_hits.contains(&true) {
        return 0.0;
    }
    let mut recall = Vec::with_capacity(ranked_hits.len());
    let mut precision = Vec::with_capacity(ranked_hits.len());
    let (mut true_positives, mut false_positives) = (0.0, 0.0);
    for &hit in ranked_hits {
        if hit {
            true_positives += 1.0;
        } else {
            false_positives += 1.0;
        }
        precision.push(true_positives / (true_positives + false_positives));
        recall.push(true_positives / positives as f64);
    }
    // `np.linspace(0, 1, 101)`: index × step, the last point exactly 1.
    let step = 1.0 / (RECALL_POINTS - 1) as f64;
    let first = (100.0 * AP_MIN_RECALL).round() as usize + 1;
    let sum: f64 = (first..RECALL_POINTS)
        .map(|point| {
            let at = if point == RECALL_POINTS - 1 {
                1.0
            } else {
                point as f64 * step
            };
            (interpolate(at, &recall, &precision) - AP_MIN_PRECISION).max(0.0)
        })
        .sum();
    // Rounding in the sum can exceed 1 by an ulp or two.
    (sum / (RECALL_POINTS - first) as f64 / (1.0 - AP_MIN_PRECISION)).min(1.0)
}

/// `np.interp(x, xs, ys, right=0)` for non-decreasing, non-empty `xs`.
fn interpolate(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let last = xs.len() - 1;
    if x > xs[last] {
        return 0.0;
    }
    if x < xs[0] {
        return ys[0];
    }
    // numpy's binary search: the last point at or before x.
    let at = xs.partition_point(|&value| value <= x) - 1;
    if at == last || xs[at] == x {
        return ys[at];
    }
    let slope = (ys[at + 1] - ys[at]) / (xs[at + 1] - xs[at]);
    slope * (x - xs[at]) + ys[at]
}

/// nuScenes-style detection AP with centre-distance matching on the ground.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EgoDetectionMetrics {
    /// Mean of the classes' `mean_ap` over classes with truth; null when there is none.
    pub map: Option<f64>,
    /// Mean AP over classes with truth at each threshold (as `thresholds_m`).
    pub map_by_threshold: Vec<f64>,
    /// The centre distances a match must be under, metres.
    pub thresholds_m: Vec<f64>,
    /// Recall up to this is not scored.
    pub min_recall: f64,
    /// Precision up to this counts as none.
    pub min_precision: f64,
    /// Per class with truth or predictions.
    pub classes: BTreeMap<String, EgoClassMetrics>,
}

/// One class's AP and counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EgoClassMetrics {
    /// Truth objects.
    pub ground_truth: usize,
    /// Predictions.
    pub predictions: usize,
    /// AP at each threshold; empty without truth.
    pub ap: Vec<f64>,
    /// Their mean; null without truth.
    pub mean_ap: Option<f64>,
}

/// One prediction as ranked for the AP: ties in score go by frame set, then by position.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RankedPrediction {
    pub score: f32,
    pub frame: usize,
    pub index: usize,
    /// Whether it is a true positive at each of [`AP_THRESHOLDS_M`].
    pub hits: [bool; AP_THRESHOLDS_M.len()],
}

/// One class's AP counts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ClassRanking {
    pub positives: usize,
    pub predictions: Vec<RankedPrediction>,
}

impl EgoTally {
    /// Per class, each prediction in falling score order takes the nearest unmatched truth
    /// object of its class; it is a hit at a threshold when that one is closer (nuScenes'
    /// `accumulate`). Each threshold matches on its own.
    pub(crate) fn rank(
        &mut self,
        frame: usize,
        predictions: &[(usize, &EgoObject)],
        truth: &[&Cuboid],
    ) {
        for cuboid in truth {
            self.classes
                .entry(cuboid.class.clone())
                .or_default()
                .positives += 1;
        }
        let mut order: Vec<&(usize, &EgoObject)> = predictions.iter().collect();
        order.sort_by(|left, right| {
            right
                .1
                .score
                .total_cmp(&left.1.score)
                .then(left.0.cmp(&right.0))
        });
        let mut taken = vec![[false; AP_THRESHOLDS_M.len()]; truth.len()];
        for (index, object) in order {
            let position = prediction_xy(object);
            let mut hits = [false; AP_THRESHOLDS_M.len()];
            for (threshold, (hit, limit)) in hits.iter_mut().zip(AP_THRESHOLDS_M).enumerate() {
                let nearest = truth
                    .iter()
                    .enumerate()
                    .filter(|(truth_index, cuboid)| {
                        cuboid.class == object.class && !taken[*truth_index][threshold]
                    })
                    .map(|(truth_index, cuboid)| {
                        (truth_index, ground_distance(position, truth_xy(cuboid)))
                    })
                    .fold(None, |best: Option<(usize, f64)>, candidate| match best {
                        Some(best) if best.1 <= candidate.1 => Some(best),
                        _ => Some(candidate),
                    });
                if let Some((truth_index, distance)) = nearest {
                    if distance < limit {
                        taken[truth_index][threshold] = true;
                        *hit = true;
                    }
                }
            }
            self.classes
                .entry(object.class.clone())
                .or_default()
                .predictions
                .push(RankedPrediction {
                    score: object.score,
                    frame,
                    index: *index,
                    hits,
                });
        }
    }

    /// AP per class and threshold over the predictions ranked so far.
    pub(crate) fn detection_metrics(&self) -> EgoDetectionMetrics {
        let mut classes = BTreeMap::new();
        let mut with_truth: Vec<Vec<f64>> = Vec::new();
        for (class, ranking) in &self.classes {
            let mut ranked = ranking.predictions.clone();
            ranked.sort_by(|left, right| {
                right
                    .score
                    .total_cmp(&left.score)
                    .then(left.frame.cmp(&right.frame))
                    .then(left.index.cmp(&right.index))
            });
            let ap: Vec<f64> = if ranking.positives == 0 {
                Vec::new()
            } else {
                (0..AP_THRESHOLDS_M.len())
                    .map(|threshold| {
                        let hits: Vec<bool> =
                            ranked.iter().map(|ranked| ranked.hits[threshold]).collect();
                        nuscenes_average_precision(&hits, ranking.positives)
                    })
                    .collect()
            };
            let mean_ap = (!ap.is_empty()).then(|| mean(&ap));
            if !ap.is_empty() {
                with_truth.push(ap.clone());
            }
            classes.insert(
                class.clone(),
                EgoClassMetrics {
                    ground_truth: ranking.positives,
                    predictions: ranking.predictions.len(),
                    ap,
                    mean_ap,
                },
            );
        }
        let map_by_threshold: Vec<f64> = if with_truth.is_empty() {
            Vec::new()
        } else {
            (0..AP_THRESHOLDS_M.len())
                .map(|threshold| {
                    with_truth.iter().map(|ap| ap[threshold]).sum::<f64>() / with_truth.len() as f64
                })
                .collect()
        };
        let map = (!with_truth.is_empty())
            .then(|| with_truth.iter().map(|ap| mean(ap)).sum::<f64>() / with_truth.len() as f64);
        EgoDetectionMetrics {
            map,
            map_by_threshold,
            thresholds_m: AP_THRESHOLDS_M.to_vec(),
            min_recall: AP_MIN_RECALL,
            min_precision: AP_MIN_PRECISION,
            classes,
        }
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}
