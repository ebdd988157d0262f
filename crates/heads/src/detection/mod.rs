//! Detection heads: candidate rows of several published layouts → score threshold → boxes in
//! original pixels, clipped → non-maximum suppression.

mod formats;
mod nms;

use ndarray::{ArrayViewD, Ix3};
use serde::Serialize;

pub use nms::{iou, non_maximum_suppression};

use crate::config::{DetectionConfig, DetectionFormat};
use crate::instance::{instance_mask, InstanceMask, MaskScratch};
use crate::shape::row_width;
use crate::transform::{InputSize, ModelToImage};

/// One detected object in original image pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// The head that produced it.
    pub head: String,
    /// Class channel index.
    pub class_id: usize,
    /// The class label from the manifest.
    pub label: String,
    /// Objectness × class score (or class score alone for formats without objectness).
    pub score: f32,
    /// Top-left x, y, width, height in original image pixels, clipped to the image.
    pub box_xywh: [f32; 4],
    /// Per-detection keypoints `[x, y, score]` in original pixels (pose formats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keypoints: Option<Vec<[f32; 3]>>,
    /// Where this camera alone places the object's centre in the ego frame, metres; filled
    /// by ego-frame fusion (the decoders leave it `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ego: Option<[f32; 3]>,
    /// The object's pixels within its box (instance-segmentation heads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<InstanceMask>,
}

/// A box that passed the score threshold, before suppression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// `[x1, y1, x2, y2]` in original pixels, clipped.
    pub corners: [f32; 4],
    /// Score.
    pub score: f32,
    /// Class channel index.
    pub class_id: usize,
    /// Where its keypoints start in the scratch keypoint buffer.
    pub(crate) keypoint_start: usize,
    /// The output row it came from (for its mask coefficients).
    pub(crate) row: usize,
}

/// Reusable buffers of one detection head on one camera.
#[derive(Debug, Default)]
pub(crate) struct DetectionScratch {
    candidates: Vec<Candidate>,
    keypoints: Vec<[f32; 3]>,
    kept: Vec<usize>,
    /// yolov8's transposed layout: best class score and index per row.
    best_score: Vec<f32>,
    best_class: Vec<u32>,
    broken: Vec<bool>,
    masks: MaskScratch,
    coefficients: Vec<f32>,
}

/// What the decoder needs to know besides the output values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DetectionContext<'a> {
    pub config: &'a DetectionConfig,
    pub input: InputSize,
    pub transform: &'a ModelToImage,
}

/// Decodes one camera's rows (`outputs` already indexed at its batch position) into
/// `detections`; returns how many rows were skipped for non-finite values.
pub(crate) fn decode_detections(
    context: DetectionContext<'_>,
    outputs: &[ArrayViewD<'_, f32>],
    scratch: &mut DetectionScratch,
    detections: &mut Vec<Detection>,
) -> usize {
    scratch.candidates.clear();
    scratch.keypoints.clear();
    let skipped = match context.config.format {
        DetectionFormat::Yolox => formats::yolox(context, &outputs[0], scratch),
        DetectionFormat::Yolov5Raw => formats::yolov5_raw(context, outputs, scratch),
        DetectionFormat::Yolov8 => formats::yolov8(context, &outputs[0], scratch),
        // YOLOv5's export is our own layout without keypoints.
        DetectionFormat::Panoptes | DetectionFormat::Yolov5 => {
            formats::panoptes(context, &outputs[0], scratch)
        }
    };
    let config = context.config;
    non_maximum_suppression(
        &mut scratch.candidates,
        config.nms_iou,
        config.class_agnostic_nms,
        config.max_detections,
        &mut scratch.kept,
    );
    detections.clear();
    let count = config.keypoints;
    // Instance segmentation: the prototypes `[M, H, W]` and the yolov8 rows, whose mask
    // coefficients follow the class planes.
    let prototypes = outputs
        .get(1)
        .filter(|_| config.mask_coefficients > 0)
        .and_then(|view| view.view().into_dimensionality::<Ix3>().ok());
    let rows = prototypes
        .as_ref()
        .and(outputs.first())
        .map(|rows| rows.as_standard_layout());
    let rows = rows.as_ref().and_then(|rows| rows.as_slice());
    let planes = rows.map_or(0, |values| values.len() / row_width(config).max(1));
    let first_coefficient = 4 + config.classes.len();
    for &index in &scratch.kept {
        let candidate = &scratch.candidates[index];
        let [x1, y1, x2, y2] = context.transform.clip(candidate.corners);
        if x2 <= x1 || y2 <= y1 {
            continue; // wholly outside the image
        }
        let keypoints = (count > 0).then(|| {
            scratch.keypoints[candidate.keypoint_start..candidate.keypoint_start + count].to_vec()
        });
        let mask = match (&prototypes, rows) {
            (Some(prototypes), Some(values)) => {
                scratch.coefficients.clear();
                scratch.coefficients.extend(
                    (first_coefficient..first_coefficient + config.mask_coefficients)
                        .map(|plane| values[plane * planes + candidate.row]),
                );
                Some(instance_mask(
                    prototypes.view(),
                    &scratch.coefficients,
                    [x1, y1, x2, y2],
                    context.input,
                    context.transform,
                    &mut scratch.masks,
                ))
            }
            _ => None,
        };
        detections.push(Detection {
            head: config.name.clone(),
            class_id: candidate.class_id,
            label: config
                .classes
                .get(candidate.class_id)
                .cloned()
                .unwrap_or_default(),
            score: candidate.score,
            box_xywh: [x1, y1, x2 - x1, y2 - y1],
            keypoints,
            ego: None,
            mask,
        });
    }
    skipped
}

impl Candidate {
    /// A candidate box without keypoints (for callers running [`non_maximum_suppression`]).
    pub fn new(corners: [f32; 4], score: f32, class_id: usize) -> Self {
        Self {
            corners,
            score,
            class_id,
            keypoint_start: 0,
            row: 0,
        }
    }
}
