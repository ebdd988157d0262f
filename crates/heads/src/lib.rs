//! Head decoders (detection, segmentation, depth, pose) over plain ndarray outputs.
//!
//! The model runs elsewhere; this crate only sees its outputs as `ndarray` views (batch
//! dimension first) and turns them into results in ORIGINAL image pixels:
//!
//! 1. Deserialize each `[[heads]]` manifest table into a [`HeadConfig`] (serde, tagged by
//!    `kind`), then build one [`Decoder`] per model with its [`InputSize`]; this validates every
//!    head ([`HeadConfig::validate`]).
//! 2. At load time call [`Decoder::check_output_shape`] for every graph output (dynamic
//!    dimensions as `None`), so a manifest that does not fit the graph stops start-up.
//! 3. Per frame set, wrap the outputs in [`HeadOutputs`] and give each camera a [`CameraInput`]
//!    (its outputs, batch index and [`ModelToImage`] transform); [`Decoder::decode_frame_set`]
//!    decodes all heads × cameras in parallel and returns one [`CameraResults`] per camera.
//!
//! ```
//! use ndarray::Array4;
//! use panoptes_heads::{CameraInput, Decoder, HeadConfig, HeadOutputs, InputSize, ModelToImage};
//!
//! #[derive(serde::Deserialize)]
//! struct Manifest {
//!     heads: Vec<HeadConfig>,
//! }
//! let manifest: Manifest = toml::from_str(
//!     r#"
//!     [[heads]]
//!     name = "lanes"
//!     kind = "segmentation"
//!     outputs = ["ll"]
//!     classes = ["background", "lane"]
//!     "#,
//! )?;
//! let input = InputSize::new(640, 360)?;
//! let mut decoder = Decoder::new(manifest.heads, input)?;
//! decoder.check_output_shape("ll", &[None, Some(2), Some(360), Some(640)])?; // at load time
//!
//! // Per frame set: one batched output, two cameras stretched from 1600 × 900.
//! let ll = Array4::<f32>::zeros((2, 2, 360, 640)).into_dyn();
//! let outputs: HeadOutputs<'_> = [("ll", ll.view())].into_iter().collect();
//! let transform = ModelToImage::stretch(input, 1600, 900)?;
//! let cameras: Vec<CameraInput<'_, '_>> = (0..2)
//!     .map(|batch_index| CameraInput { outputs: &outputs, batch_index, transform })
//!     .collect();
//! let results = decoder.decode_frame_set(&cameras)?;
//! let (name, mask) = results[1].masks().next().expect("one segmentation head");
//! assert_eq!((name, mask.width(), mask.height()), ("lanes", 1600, 900));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Non-finite values never panic and never produce NaN boxes: such rows are skipped and counted
//! in [`HeadResult::non_finite`].

mod config;
mod decoder;
mod depth;
mod detection;
mod error;
mod instance;
mod keypoints;
mod outputs;
mod png;
mod segmentation;
mod shape;
mod transform;

pub use config::{
    DepthAlong, DepthConfig, DepthEncoding, DetectionConfig, DetectionFormat, HeadConfig,
    KeypointsConfig, SegmentationConfig, Upsample,
};
pub use decoder::Decoder;
pub use depth::{decode_depth_value, to_millimetres, DepthMap};
pub use detection::{iou, non_maximum_suppression, Candidate, Detection};
pub use error::{HeadsError, Result};
pub use instance::InstanceMask;
pub use keypoints::{keypoint_name, quadratic_peak_offset, COCO_KEYPOINT_NAMES, COCO_SKELETON};
pub use outputs::{CameraInput, CameraResults, HeadOutput, HeadOutputs, HeadResult};
pub use segmentation::ClassMap;
pub use shape::check_output_shape;
pub use transform::{InputSize, ModelToImage};
