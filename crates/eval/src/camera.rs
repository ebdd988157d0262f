//! One camera frame: its ground truth read from the drive, its predictions, and their scores.

use crate::depth::DepthTally;
use crate::detection::{DetectionTally, IgnoreRule};
use crate::error::{EvalError, Result};
use crate::pose::PoseTally;
use crate::segmentation::{ClassMapping, ConfusionMatrix};
use image::DynamicImage;
use ndarray::Array2;
use panoptes_drive::{Annotations, GroundTruth};
use panoptes_heads::{ClassMap, DepthMap, Detection};
use std::path::Path;

/// A camera frame's ground truth, images decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CameraTruth {
    /// Boxes and keypoints.
    pub annotations: Annotations,
    /// Class id per pixel.
    pub segmentation: Option<Array2<u8>>,
    /// Millimetres per pixel, 0 = none.
    pub depth: Option<Array2<u16>>,
}

impl CameraTruth {
    /// Reads the segmentation (8-bit grey) and depth (16-bit grey) PNGs of `truth`.
    pub fn load(truth: &GroundTruth) -> Result<Self> {
        let segmentation = match &truth.segmentation {
            Some(path) => Some(match read_png(path)? {
                DynamicImage::ImageLuma8(image) => {
                    to_array(image.width(), image.height(), image.into_raw(), path)?
                }
                other => return Err(wrong_pixels(path, "8-bit grey", &other)),
            }),
            None => None,
        };
        let depth = match &truth.depth {
            Some(path) => Some(match read_png(path)? {
                DynamicImage::ImageLuma16(image) => {
                    to_array(image.width(), image.height(), image.into_raw(), path)?
                }
                other => return Err(wrong_pixels(path, "16-bit grey", &other)),
            }),
            None => None,
        };
        Ok(Self {
            annotations: truth.annotations.clone(),
            segmentation,
            depth,
        })
    }
}

fn read_png(path: &Path) -> Result<DynamicImage> {
    image::ImageReader::open(path)
        .and_then(|reader| reader.with_guessed_format())
        .map_err(|error| image_error(path, error.to_string()))?
        .decode()
        .map_err(|error| image_error(path, error.to_string()))
}

fn to_array<T>(width: u32, height: u32, pixels: Vec<T>, path: &Path) -> Result<Array2<T>> {
    Array2::from_shape_vec((height as usize, width as usize), pixels)
        .map_err(|error| image_error(path, error.to_string()))
}

fn wrong_pixels(path: &Path, expected: &str, image: &DynamicImage) -> EvalError {
    image_error(
        path,
        format!("expected {expected} pixels, got {:?}", image.color()),
    )
}

fn image_error(path: &Path, message: String) -> EvalError {
    EvalError::GroundTruthImage {
        path: path.to_path_buf(),
        message,
    }
}

/// One camera frame's predictions.
#[derive(Debug, Clone, Copy, Default)]
pub struct CameraPrediction<'a> {
    /// Detections of every detection head, original pixels.
    pub detections: &'a [Detection],
    /// The evaluated segmentation head's class map.
    pub segmentation: Option<&'a ClassMap>,
    /// The evaluated depth head's map.
    pub depth: Option<&'a DepthMap>,
}

/// Which tasks are scored and how.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskSettings {
    /// Score detection (the models have a detection head).
    pub detection: bool,
    /// Score pose with this PCK fraction (a detection head predicts keypoints).
    pub pose_alpha: Option<f64>,
    /// Score segmentation with this class mapping.
    pub segmentation: Option<ClassMapping>,
    /// Score depth up to this many metres.
    pub max_depth: Option<f64>,
    /// Ground-truth boxes left out.
    pub ignore: IgnoreRule,
}

/// Everything counted so far; tallies of different cameras merge in any order.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// Matched detections.
    pub detection: DetectionTally,
    /// Pixel confusion matrix.
    pub segmentation: ConfusionMatrix,
    /// Depth sums.
    pub depth: DepthTally,
    /// Keypoint counts.
    pub pose: PoseTally,
}

impl Tally {
    /// Scores one camera frame. Tasks without ground truth in this frame are skipped; a
    /// prediction missing where the ground truth has a map is an error for this camera.
    pub fn add_camera(
        &mut self,
        prediction: &CameraPrediction<'_>,
        truth: &CameraTruth,
        settings: &TaskSettings,
    ) -> Result<()> {
        let annotations = &truth.annotations;
        if settings.detection {
            self.detection
                .add_image(prediction.detections, &annotations.boxes, &settings.ignore);
        }
        if let Some(alpha) = settings.pose_alpha {
            self.pose.add_image(
                prediction.detections,
                &annotations.boxes,
                &annotations.keypoints,
                alpha,
                &settings.ignore,
            );
        }
        if let (Some(mapping), Some(classes)) = (&settings.segmentation, &truth.segmentation) {
            let predicted = prediction
                .segmentation
                .ok_or_else(|| missing("segmentation"))?;
            self.segmentation
                .add_image(classes.view(), predicted.ids().view(), mapping)?;
        }
        if let (Some(max_depth), Some(depth)) = (settings.max_depth, &truth.depth) {
            let predicted = prediction.depth.ok_or_else(|| missing("depth"))?;
            self.depth
                .add_image(depth.view(), predicted.metres().view(), max_depth)?;
        }
        Ok(())
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: Tally) {
        self.detection.merge(other.detection);
        self.segmentation.merge(other.segmentation);
        self.depth.merge(other.depth);
        self.pose.merge(other.pose);
    }
}

fn missing(what: &'static str) -> EvalError {
    EvalError::MissingPrediction { what }
}
