//! Depth AbsRel, δ < 1.25 and RMSE over pixels with ground truth.

use crate::error::{EvalError, Result};
use ndarray::ArrayView2;
use serde::Serialize;

/// δ threshold.
pub const DELTA: f64 = 1.25;

/// Sums over counted pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct DepthTally {
    pixels: u64,
    absolute_relative: f64,
    squared: f64,
    within_delta: u64,
    invalid: u64,
}

impl DepthTally {
    /// Counts the pixels whose ground truth is set (> 0 mm) and at most `max_depth` metres.
    /// A pixel whose prediction is not a positive finite number counts as predicted 0 m
    /// (AbsRel 1, outside δ), so a model cannot gain by giving up on hard pixels.
    pub fn add_image(
        &mut self,
        truth_millimetres: ArrayView2<'_, u16>,
        predicted_metres: ArrayView2<'_, f32>,
        max_depth: f64,
    ) -> Result<()> {
        if truth_millimetres.dim() != predicted_metres.dim() {
            return Err(EvalError::SizeMismatch {
                what: "depth",
                predicted_width: predicted_metres.ncols(),
                predicted_height: predicted_metres.nrows(),
                truth_width: truth_millimetres.ncols(),
                truth_height: truth_millimetres.nrows(),
            });
        }
        let limit_millimetres = max_depth * 1000.0;
        match (truth_millimetres.as_slice(), predicted_metres.as_slice()) {
            (Some(truth), Some(predicted)) => self.add_pixels(
                truth.iter().copied().zip(predicted.iter().copied()),
                limit_millimetres,
            ),
            _ => self.add_pixels(
                truth_millimetres
                    .iter()
                    .copied()
                    .zip(predicted_metres.iter().copied()),
                limit_millimetres,
            ),
        }
        Ok(())
    }

    fn add_pixels(&mut self, pixels: impl Iterator<Item = (u16, f32)>, limit_millimetres: f64) {
        for (millimetres, predicted) in pixels {
            let millimetres = f64::from(millimetres);
            if millimetres == 0.0 || millimetres > limit_millimetres {
                continue;
            }
            let truth = millimetres * 1e-3;
            let predicted = f64::from(predicted);
            let predicted = if predicted.is_finite() && predicted > 0.0 {
                predicted
            } else {
                self.invalid += 1;
                0.0
            };
            let error = predicted - truth;
            self.pixels += 1;
            self.absolute_relative += error.abs() / truth;
            self.squared += error * error;
            // max(d/d*, d*/d) < δ without dividing; false for d = 0.
            if predicted < DELTA * truth && truth < DELTA * predicted {
                self.within_delta += 1;
            }
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: DepthTally) {
        self.pixels += other.pixels;
        self.absolute_relative += other.absolute_relative;
        self.squared += other.squared;
        self.within_delta += other.within_delta;
        self.invalid += other.invalid;
    }

    /// Means over the counted pixels.
    pub fn summarize(&self, head: Option<String>, max_depth: Option<f64>) -> DepthMetrics {
        let pixels = self.pixels as f64;
        let mean = |sum: f64| (self.pixels > 0).then(|| sum / pixels);
        DepthMetrics {
            abs_rel: mean(self.absolute_relative),
            delta1: mean(self.within_delta as f64),
            rmse: mean(self.squared).map(f64::sqrt),
            head,
            max_depth,
            pixels: self.pixels,
            invalid_predictions: self.invalid,
        }
    }
}

/// The `depth` object of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepthMetrics {
    /// Mean |d − d*| / d*; null when no pixel was counted.
    pub abs_rel: Option<f64>,
    /// Fraction of pixels with max(d/d*, d*/d) < 1.25.
    pub delta1: Option<f64>,
    /// Root mean squared error, metres.
    pub rmse: Option<f64>,
    /// The depth head evaluated.
    pub head: Option<String>,
    /// Ground truth beyond this many metres (the head's `max_depth`) is not counted.
    pub max_depth: Option<f64>,
    /// Pixels counted.
    pub pixels: u64,
    /// Counted pixels without a valid prediction (scored as 0 m).
    pub invalid_predictions: u64,
}
