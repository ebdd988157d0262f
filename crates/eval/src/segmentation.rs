//! Segmentation IoU per class from one confusion matrix over every pixel of every camera.

use crate::error::{EvalError, Result};
use ndarray::ArrayView2;
use serde::Serialize;
use std::collections::BTreeMap;

/// Ground-truth pixels of a class with this name are not counted.
pub const VOID_CLASS: &str = "void";

/// How the model's class ids map onto the drive's, by class name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassMapping {
    /// Ground-truth class names (the drive's `segmentation_classes`).
    truth: Vec<String>,
    /// Per predicted id (0–255): ground-truth id, or `truth.len()` when the name is unknown.
    columns: Vec<usize>,
    /// Ground-truth id of [`VOID_CLASS`].
    void: Option<usize>,
}

impl ClassMapping {
    /// Maps `predicted` names onto `truth` names; predicted classes the drive does not know go to
    /// an extra "other" column (always wrong). Ground-truth ids beyond the list are ignored.
    pub fn new(predicted: &[String], truth: &[String]) -> Self {
        let other = truth.len();
        let columns = (0..256)
            .map(|id| {
                predicted
                    .get(id)
                    .and_then(|name| truth.iter().position(|known| known == name))
                    .unwrap_or(other)
            })
            .collect();
        Self {
            truth: truth.to_vec(),
            columns,
            void: truth.iter().position(|name| name == VOID_CLASS),
        }
    }

    /// Ground-truth class names.
    pub fn truth_classes(&self) -> &[String] {
        &self.truth
    }
}

/// Rows: ground-truth class; columns: predicted class mapped to ground truth, plus "other".
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<u64>,
    /// Pixels left out (void or an id outside the class list).
    ignored: u64,
}

impl ConfusionMatrix {
    /// An empty matrix for `classes` ground-truth classes.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * (classes + 1)],
            ignored: 0,
        }
    }

    /// Pixels whose ground truth is class `truth` and whose prediction maps to `predicted`
    /// (`classes` for "other").
    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        self.counts
            .get(truth * (self.classes + 1) + predicted)
            .copied()
            .unwrap_or(0)
    }

    /// Whether no image was counted (a drive without segmentation truth).
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Pixels left out.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Counts one image's pixels.
    pub fn add_image(
        &mut self,
        truth: ArrayView2<'_, u8>,
        predicted: ArrayView2<'_, u8>,
        mapping: &ClassMapping,
    ) -> Result<()> {
        if truth.dim() != predicted.dim() {
            return Err(EvalError::SizeMismatch {
                what: "segmentation",
                predicted_width: predicted.ncols(),
                predicted_height: predicted.nrows(),
                truth_width: truth.ncols(),
                truth_height: truth.nrows(),
            });
        }
        if self.counts.is_empty() {
            let ignored = self.ignored;
            *self = Self::new(mapping.truth.len());
            self.ignored = ignored;
        } else if self.classes != mapping.truth.len() {
            return Err(EvalError::Setting {
                setting: "segmentation classes",
                value: mapping.truth.len() as f64,
                expected: "the same class list for every image counted in one matrix",
            });
        }
        let stride = self.classes + 1;
        for (truth_row, predicted_row) in truth.rows().into_iter().zip(predicted.rows()) {
            for (&truth_id, &predicted_id) in truth_row.iter().zip(predicted_row.iter()) {
                let truth_id = usize::from(truth_id);
                if truth_id >= self.classes || Some(truth_id) == mapping.void {
                    self.ignored += 1;
                    continue;
                }
                self.counts[truth_id * stride + mapping.columns[usize::from(predicted_id)]] += 1;
            }
        }
        Ok(())
    }

    /// Adds another matrix (an empty one of any size merges into any).
    pub fn merge(&mut self, other: ConfusionMatrix) {
        if other.counts.is_empty() {
            self.ignored += other.ignored;
            return;
        }
        if self.counts.is_empty() {
            let ignored = self.ignored;
            *self = other;
            self.ignored += ignored;
            return;
        }
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.ignored += other.ignored;
    }

    /// IoU per class present in ground truth or prediction, and their mean. The ignored class
    /// (`void`) has no IoU: its ground truth is never counted, so predicting it could only add
    /// a zero to the mean.
    pub fn summarize(&self, names: &[String], head: Option<String>) -> SegmentationMetrics {
        let mut iou = BTreeMap::new();
        let mut pixels = 0u64;
        for class in 0..self.classes {
            if names.get(class).is_some_and(|name| name == VOID_CLASS) {
                continue;
            }
            let true_positives = self.count(class, class);
            let row: u64 = (0..=self.classes)
                .map(|column| self.count(class, column))
                .sum();
            let column: u64 = (0..self.classes).map(|row| self.count(row, class)).sum();
            pixels += row;
            let union = row + column - true_positives;
            if union > 0 {
                let name = names
                    .get(class)
                    .cloned()
                    .unwrap_or_else(|| class.to_string());
                iou.insert(name, true_positives as f64 / union as f64);
            }
        }
        let miou = (!iou.is_empty()).then(|| iou.values().sum::<f64>() / iou.len() as f64);
        SegmentationMetrics {
            miou,
            iou,
            head,
            pixels,
            ignored_pixels: self.ignored,
            ignored_class: VOID_CLASS.to_string(),
        }
    }
}

/// The `segmentation` object of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentationMetrics {
    /// Mean of `iou`; null when no pixel was counted.
    pub miou: Option<f64>,
    /// IoU per class present in ground truth or prediction.
    pub iou: BTreeMap<String, f64>,
    /// The segmentation head evaluated.
    pub head: Option<String>,
    /// Pixels counted.
    pub pixels: u64,
    /// Pixels left out (ground truth `void`, or an id outside `segmentation_classes`).
    pub ignored_pixels: u64,
    /// The ground-truth class left out.
    pub ignored_class: String,
}
