//! Pose PCK: the fraction of visible ground-truth keypoints predicted within a threshold.

use crate::detection::{box_iou, detection_box, IgnoreRule, MATCH_IOU};
use panoptes_drive::{BoundingBox, PersonKeypoints, Visibility};
use panoptes_heads::Detection;
use serde::Serialize;

/// Default PCK fraction of the ground-truth box diagonal.
pub const DEFAULT_PCK_ALPHA: f64 = 0.2;

/// Counts over people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct PoseTally {
    people: usize,
    matched_people: usize,
    visible: u64,
    correct: u64,
}

impl PoseTally {
    /// Scores one image. Ground-truth people are the keypoint entries whose box (same
    /// `instance_id`) the ignore rule keeps. Predictions with keypoints, in falling score order,
    /// each take the unmatched person whose box has the highest IoU ≥ 0.5 with theirs. A visible
    /// keypoint of a matched person is correct when its prediction lies within
    /// `alpha` × the person's box diagonal (inclusive); an unmatched person's visible keypoints
    /// are all misses.
    pub fn add_image(
        &mut self,
        predictions: &[Detection],
        boxes: &[BoundingBox],
        people: &[PersonKeypoints],
        alpha: f64,
        rule: &IgnoreRule,
    ) {
        let people: Vec<(&PersonKeypoints, [f64; 4])> = people
            .iter()
            .filter_map(|person| {
                boxes
                    .iter()
                    .find(|truth| truth.instance_id == person.instance_id)
                    .filter(|truth| !rule.ignores(truth))
                    .map(|truth| (person, truth.box_xywh))
            })
            .collect();
        let mut order: Vec<&Detection> = predictions
            .iter()
            .filter(|detection| detection.keypoints.is_some())
            .collect();
        order.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut assigned: Vec<Option<&Detection>> = vec![None; people.len()];
        for prediction in order {
            let predicted = detection_box(prediction);
            let best = people
                .iter()
                .enumerate()
                .filter(|(index, _)| assigned[*index].is_none())
                .map(|(index, (_, truth))| (index, box_iou(predicted, *truth)))
                .filter(|(_, overlap)| *overlap >= MATCH_IOU)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((index, _)) = best {
                assigned[index] = Some(prediction);
            }
        }
        for ((person, truth), prediction) in people.iter().zip(assigned) {
            self.people += 1;
            self.matched_people += usize::from(prediction.is_some());
            let threshold = alpha * truth[2].hypot(truth[3]);
            let predicted = prediction.and_then(|prediction| prediction.keypoints.as_deref());
            for (index, keypoint) in person.keypoints.iter().enumerate() {
                if keypoint.visibility != Visibility::Visible {
                    continue;
                }
                self.visible += 1;
                let Some([x, y, _]) = predicted.and_then(|points| points.get(index)) else {
                    continue;
                };
                let distance = (f64::from(*x) - keypoint.x).hypot(f64::from(*y) - keypoint.y);
                if distance <= threshold {
                    self.correct += 1;
                }
            }
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: PoseTally) {
        self.people += other.people;
        self.matched_people += other.matched_people;
        self.visible += other.visible;
        self.correct += other.correct;
    }

    /// PCK over every visible keypoint.
    pub fn summarize(&self, alpha: f64) -> PoseMetrics {
        PoseMetrics {
            pck: (self.visible > 0).then(|| self.correct as f64 / self.visible as f64),
            threshold: format!("PCK@{alpha}: within {alpha} × the ground-truth box diagonal"),
            alpha,
            people: self.people,
            matched_people: self.matched_people,
            visible_keypoints: self.visible,
            correct_keypoints: self.correct,
        }
    }
}

/// The `pose` object of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoseMetrics {
    /// Correct / visible keypoints; null when no visible keypoint was counted.
    pub pck: Option<f64>,
    /// The threshold in words.
    pub threshold: String,
    /// The fraction of the ground-truth box diagonal.
    pub alpha: f64,
    /// Ground-truth people counted.
    pub people: usize,
    /// People matched by a prediction.
    pub matched_people: usize,
    /// Visible ground-truth keypoints.
    pub visible_keypoints: u64,
    /// Those predicted within the threshold.
    pub correct_keypoints: u64,
}
