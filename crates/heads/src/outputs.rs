//! Model outputs handed to the decoder, and what one camera's heads decode into.

use ndarray::ArrayViewD;

use crate::depth::DepthMap;
use crate::detection::Detection;
use crate::segmentation::ClassMap;
use crate::transform::ModelToImage;

/// Model outputs by graph output name, each with the batch dimension first.
#[derive(Debug, Clone, Default)]
pub struct HeadOutputs<'a> {
    outputs: Vec<(String, ArrayViewD<'a, f32>)>,
}

impl<'a> HeadOutputs<'a> {
    /// No outputs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the output called `name`.
    pub fn insert(&mut self, name: impl Into<String>, values: ArrayViewD<'a, f32>) {
        let name = name.into();
        match self
            .outputs
            .iter_mut()
            .find(|(existing, _)| *existing == name)
        {
            Some(slot) => slot.1 = values,
            None => self.outputs.push((name, values)),
        }
    }

    /// The output called `name`.
    pub fn get(&self, name: &str) -> Option<&ArrayViewD<'a, f32>> {
        self.outputs
            .iter()
            .find(|(existing, _)| existing == name)
            .map(|(_, values)| values)
    }

    /// The output names, comma separated (for error messages).
    pub(crate) fn names(&self) -> String {
        let names: Vec<&str> = self.outputs.iter().map(|(name, _)| name.as_str()).collect();
        names.join(", ")
    }
}

impl<'a, S: Into<String>> FromIterator<(S, ArrayViewD<'a, f32>)> for HeadOutputs<'a> {
    fn from_iter<I: IntoIterator<Item = (S, ArrayViewD<'a, f32>)>>(iter: I) -> Self {
        let mut outputs = Self::new();
        for (name, values) in iter {
            outputs.insert(name, values);
        }
        outputs
    }
}

/// One camera of a frame set: where its values are in the model outputs and how model pixels
/// map back to its image. A batched run gives every camera the same `outputs` and its own
/// `batch_index`; a fixed-batch-1 model run once per camera gives each its own `outputs` and
/// `batch_index` 0.
#[derive(Debug, Clone, Copy)]
pub struct CameraInput<'outputs, 'values> {
    /// The model outputs holding this camera's values.
    pub outputs: &'outputs HeadOutputs<'values>,
    /// This camera's position in the outputs' batch dimension.
    pub batch_index: usize,
    /// Model-input pixels → this camera's original pixels.
    pub transform: ModelToImage,
}

/// What one head decoded for one camera.
#[derive(Debug, Clone, PartialEq)]
pub enum HeadOutput {
    /// Detection heads: boxes after suppression, best first.
    Detections(Vec<Detection>),
    /// Segmentation heads: class ids at the original resolution.
    Segmentation(ClassMap),
    /// Depth heads: metres at the original resolution.
    Depth(DepthMap),
    /// Heatmap keypoint heads: one entry per keypoint, `None` when below the threshold.
    Keypoints(Vec<Option<[f32; 3]>>),
}

/// One head's result on one camera.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadResult {
    /// The head's name.
    pub name: String,
    /// The decoded values.
    pub output: HeadOutput,
    /// Non-finite values met: detection rows skipped for NaN/±inf (rows whose objectness is
    /// below the threshold are rejected unread), or NaN/±inf values of dense outputs.
    pub non_finite: usize,
}

/// Every head's result on one camera, in manifest order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CameraResults {
    /// One entry per head.
    pub heads: Vec<HeadResult>,
}

impl CameraResults {
    /// All detections of all detection heads.
    pub fn detections(&self) -> impl Iterator<Item = &Detection> {
        self.heads.iter().flat_map(|head| match &head.output {
            HeadOutput::Detections(detections) => detections.as_slice(),
            _ => &[],
        })
    }

    /// Segmentation masks by head name.
    pub fn masks(&self) -> impl Iterator<Item = (&str, &ClassMap)> {
        self.heads.iter().filter_map(|head| match &head.output {
            HeadOutput::Segmentation(map) => Some((head.name.as_str(), map)),
            _ => None,
        })
    }

    /// Depth maps by head name.
    pub fn depths(&self) -> impl Iterator<Item = (&str, &DepthMap)> {
        self.heads.iter().filter_map(|head| match &head.output {
            HeadOutput::Depth(map) => Some((head.name.as_str(), map)),
            _ => None,
        })
    }

    /// The result of the head called `name`.
    pub fn head(&self, name: &str) -> Option<&HeadResult> {
        self.heads.iter().find(|head| head.name == name)
    }

    /// Non-finite values met by all heads.
    pub fn non_finite(&self) -> usize {
        self.heads.iter().map(|head| head.non_finite).sum()
    }
}
