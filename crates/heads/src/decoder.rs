//! The [`Decoder`]: every head × camera of a frame set decoded in parallel, reusing per-camera
//! buffers from one frame set to the next.

use ndarray::{ArrayViewD, Axis, Ix2, Ix3};
use rayon::prelude::*;

use crate::config::HeadConfig;
use crate::depth::{decode_depth, DepthMap, DepthScratch};
use crate::detection::{decode_detections, DetectionContext, DetectionScratch};
use crate::error::{HeadsError, Result};
use crate::keypoints::decode_heatmaps;
use crate::outputs::{CameraInput, CameraResults, HeadOutput, HeadOutputs, HeadResult};
use crate::segmentation::{decode_segmentation, ClassMap, SegmentationScratch};
use crate::shape::{check_known_shape, check_output_shape};
use crate::transform::InputSize;

/// Reusable buffers of one head on one camera.
#[derive(Debug)]
enum HeadScratch {
    Detection(DetectionScratch),
    Segmentation(SegmentationScratch),
    Depth(DepthScratch),
    Keypoints,
}

/// Decodes all heads of one model. Immutable configuration plus per-camera scratch buffers and
/// results that are reused across frame sets (steady state allocates only detection labels).
#[derive(Debug)]
pub struct Decoder {
    heads: Vec<HeadConfig>,
    input: InputSize,
    scratch: Vec<Vec<HeadScratch>>,
    results: Vec<CameraResults>,
}

impl Decoder {
    /// A decoder for `heads` of a model whose input is `input` pixels; validates every head and
    /// checks that names are unique.
    pub fn new(heads: Vec<HeadConfig>, input: InputSize) -> Result<Self> {
        InputSize::new(input.width, input.height)?;
        for (index, head) in heads.iter().enumerate() {
            head.validate()?;
            if heads[..index]
                .iter()
                .any(|other| other.name() == head.name())
            {
                return Err(HeadsError::Config {
                    head: head.name().to_owned(),
                    field: "name",
                    problem: "is used by another head".into(),
                    fix: "give every head a unique name".into(),
                });
            }
        }
        Ok(Self {
            heads,
            input,
            scratch: Vec::new(),
            results: Vec::new(),
        })
    }

    /// The heads, in manifest order.
    pub fn heads(&self) -> &[HeadConfig] {
        &self.heads
    }

    /// The model input size.
    pub fn input(&self) -> InputSize {
        self.input
    }

    /// Checks a model output's shape (`None` for dynamic dimensions) against every head that
    /// reads it; call it at load time so that a mismatch stops start-up, not frame 1,000.
    pub fn check_output_shape(&self, output: &str, shape: &[Option<usize>]) -> Result<()> {
        self.heads
            .iter()
            .filter(|head| head.outputs().iter().any(|name| name == output))
            .try_for_each(|head| check_output_shape(head, self.input, output, shape))
    }

    /// The graph outputs the heads read, each once, in manifest order.
    pub fn required_outputs(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for name in self.heads.iter().flat_map(HeadConfig::outputs) {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }

    /// Decodes every head of every camera in parallel. Result `i` belongs to `cameras[i]`;
    /// the results live in the decoder and are overwritten by the next call.
    pub fn decode_frame_set(
        &mut self,
        cameras: &[CameraInput<'_, '_>],
    ) -> Result<&[CameraResults]> {
        let _span = tracing::debug_span!("decode", cameras = cameras.len()).entered();
        for camera in cameras {
            camera.transform.check()?;
        }
        while self.results.len() < cameras.len() {
            self.scratch
                .push(self.heads.iter().map(new_scratch).collect());
            self.results.push(CameraResults {
                heads: self.heads.iter().map(new_result).collect(),
            });
        }
        let (heads, input) = (&self.heads, self.input);
        cameras
            .par_iter()
            .enumerate()
            .zip(self.scratch.par_iter_mut())
            .zip(self.results.par_iter_mut())
            .flat_map_iter(|(((index, camera), scratch), results)| {
                heads
                    .iter()
                    .zip(scratch.iter_mut())
                    .zip(results.heads.iter_mut())
                    .map(move |((head, scratch), result)| (index, camera, head, scratch, result))
            })
            .try_for_each(|(index, camera, head, scratch, result)| {
                decode_head(head, input, index, camera, scratch, result)
            })?;
        Ok(&self.results[..cameras.len()])
    }
}

fn new_scratch(head: &HeadConfig) -> HeadScratch {
    match head {
        HeadConfig::Detection(_) | HeadConfig::InstanceSegmentation(_) => {
            HeadScratch::Detection(DetectionScratch::default())
        }
        HeadConfig::Segmentation(_) => HeadScratch::Segmentation(SegmentationScratch::default()),
        HeadConfig::Depth(_) => HeadScratch::Depth(DepthScratch::default()),
        HeadConfig::Keypoints(_) => HeadScratch::Keypoints,
    }
}

fn new_result(head: &HeadConfig) -> HeadResult {
    let output = match head {
        HeadConfig::Detection(_) | HeadConfig::InstanceSegmentation(_) => {
            HeadOutput::Detections(Vec::new())
        }
        HeadConfig::Segmentation(_) => HeadOutput::Segmentation(ClassMap::default()),
        HeadConfig::Depth(_) => HeadOutput::Depth(DepthMap::default()),
        HeadConfig::Keypoints(_) => HeadOutput::Keypoints(Vec::new()),
    };
    HeadResult {
        name: head.name().to_owned(),
        output,
        non_finite: 0,
    }
}

/// One camera's slice of every output the head reads, after checking shapes and batch index.
fn camera_views<'values>(
    head: &HeadConfig,
    input: InputSize,
    camera_index: usize,
    camera: &CameraInput<'_, 'values>,
) -> Result<Vec<ArrayViewD<'values, f32>>> {
    let outputs: &HeadOutputs<'values> = camera.outputs;
    head.outputs()
        .iter()
        .map(|name| {
            let values = outputs.get(name).ok_or_else(|| HeadsError::MissingOutput {
                head: head.name().to_owned(),
                output: name.clone(),
                available: outputs.names(),
            })?;
            check_known_shape(head, input, name, values.shape())?;
            let batch = values.shape()[0];
            if camera.batch_index >= batch {
                return Err(HeadsError::BatchIndex {
                    head: head.name().to_owned(),
                    output: name.clone(),
                    camera: camera_index,
                    index: camera.batch_index,
                    batch,
                });
            }
            Ok(values.clone().index_axis_move(Axis(0), camera.batch_index))
        })
        .collect()
}

fn wrong_rank(head: &HeadConfig, values: &ArrayViewD<'_, f32>) -> HeadsError {
    HeadsError::OutputShape {
        head: head.name().to_owned(),
        output: head.outputs().first().cloned().unwrap_or_default(),
        expected: "a dense [N, C, H, W] or [N, H, W] output".into(),
        got: format!("{:?} after the batch index", values.shape()),
        fix: "point `outputs` at a dense output".into(),
    }
}

fn decode_head(
    head: &HeadConfig,
    input: InputSize,
    camera_index: usize,
    camera: &CameraInput<'_, '_>,
    scratch: &mut HeadScratch,
    result: &mut HeadResult,
) -> Result<()> {
    let views = camera_views(head, input, camera_index, camera)?;
    let Some(first) = views.first() else {
        return Ok(());
    };
    let transform = &camera.transform;
    result.non_finite = match (head, scratch, &mut result.output) {
        (
            HeadConfig::Detection(config) | HeadConfig::InstanceSegmentation(config),
            HeadScratch::Detection(scratch),
            HeadOutput::Detections(detections),
        ) => {
            let context = DetectionContext {
                config,
                input,
                transform,
            };
            decode_detections(context, &views, scratch, detections)
        }
        (
            HeadConfig::Segmentation(config),
            HeadScratch::Segmentation(scratch),
            HeadOutput::Segmentation(map),
        ) => {
            let scores = first
                .view()
                .into_dimensionality::<Ix3>()
                .map_err(|_| wrong_rank(head, first))?;
            decode_segmentation(config, input, scores, transform, scratch, map)
        }
        (HeadConfig::Depth(config), HeadScratch::Depth(scratch), HeadOutput::Depth(map)) => {
            let plane = if first.ndim() == 3 {
                first.index_axis(Axis(0), 0)
            } else {
                first.view()
            };
            let plane = plane
                .into_dimensionality::<Ix2>()
                .map_err(|_| wrong_rank(head, first))?;
            decode_depth(config, input, plane, transform, scratch, map)
        }
        (HeadConfig::Keypoints(config), HeadScratch::Keypoints, HeadOutput::Keypoints(points)) => {
            let heatmaps = first
                .view()
                .into_dimensionality::<Ix3>()
                .map_err(|_| wrong_rank(head, first))?;
            decode_heatmaps(config, input, heatmaps, transform, points)
        }
        // Scratch and results are built from the same head list, so kinds always agree.
        _ => 0,
    };
    Ok(())
}
