//! The `[input]` table of a model manifest: how camera images become the model's input tensor.

use serde::{Deserialize, Serialize};

use crate::PreprocessError;

/// Largest accepted model input side, in pixels; larger values are almost surely typos.
pub const MAX_INPUT_SIDE: u32 = 16_384;

/// Channel order of the model input planes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorOrder {
    /// Plane 0 is red (most PyTorch-trained models).
    Rgb,
    /// Plane 0 is blue (models trained on OpenCV-loaded images, e.g. YOLOX).
    Bgr,
}

/// How an image of any size is fitted into the model input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResizeMode {
    /// Scale x and y independently to fill the input exactly (aspect ratio not kept).
    Stretch,
    /// Keep the aspect ratio (`r = min(W/w, H/h)`), centre the image, pad the rest.
    LetterboxCenter,
    /// Keep the aspect ratio, put the image at the top-left corner, pad the rest (YOLOX).
    LetterboxTopLeft,
}

/// The `[input]` table of a model manifest (see `models/MANIFEST.md`).
///
/// Each model input value is `(pixel * scale - mean[c]) / std[c]`, with `pixel` in 0–255 and `c`
/// the model's channel (after colour reordering). Defaults: `pad_value = 0`, `scale = 1.0`,
/// `mean = [0, 0, 0]`, `std = [1, 1, 1]` — i.e. raw 0–255 values, black padding. Models that want
/// 0–1 values say `scale = 0.00392156862745098` (1/255); YOLOX wants `pad_value = 114`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputLayout {
    /// Name of the graph input that receives the batch.
    pub tensor: String,
    /// Model input width in pixels.
    pub width: u32,
    /// Model input height in pixels.
    pub height: u32,
    /// Channel order of the input planes.
    pub color: ColorOrder,
    /// How images are fitted into `width` × `height`.
    pub resize: ResizeMode,
    /// Grey level (0–255, before scale/mean/std) of letterbox padding and of failed cameras.
    #[serde(default)]
    pub pad_value: u8,
    /// Multiplies the 0–255 pixel value before mean and std.
    #[serde(default = "default_scale")]
    pub scale: f32,
    /// Subtracted per channel (model channel order) after scaling.
    #[serde(default)]
    pub mean: [f32; 3],
    /// Divides per channel (model channel order) after the mean.
    #[serde(default = "default_std")]
    pub std: [f32; 3],
}

fn default_scale() -> f32 {
    1.0
}

fn default_std() -> [f32; 3] {
    [1.0; 3]
}

impl InputLayout {
    /// A layout with the defaults above for everything but the required fields.
    #[must_use]
    pub fn new(
        tensor: impl Into<String>,
        width: u32,
        height: u32,
        color: ColorOrder,
        resize: ResizeMode,
    ) -> Self {
        Self {
            tensor: tensor.into(),
            width,
            height,
            color,
            resize,
            pad_value: 0,
            scale: default_scale(),
            mean: [0.0; 3],
            std: default_std(),
        }
    }

    /// Sets the padding grey level.
    #[must_use]
    pub fn with_pad_value(mut self, pad_value: u8) -> Self {
        self.pad_value = pad_value;
        self
    }

    /// Sets the scale applied to 0–255 pixel values.
    #[must_use]
    pub fn with_scale(mut self, scale: f32) -> Self {
        self.scale = scale;
        self
    }

    /// Sets the per-channel mean and standard deviation (model channel order).
    #[must_use]
    pub fn with_mean_std(mut self, mean: [f32; 3], std: [f32; 3]) -> Self {
        self.mean = mean;
        self.std = std;
        self
    }

    /// Checks every value; the error names the first bad field.
    pub fn validate(&self) -> Result<(), PreprocessError> {
        if self.tensor.trim().is_empty() {
            return Err(invalid("tensor", "\"\"", "the name of a graph input"));
        }
        for (field, value) in [("width", self.width), ("height", self.height)] {
            if value == 0 || value > MAX_INPUT_SIDE {
                return Err(invalid(field, value, "a size in pixels, 1..=16384"));
            }
        }
        if !self.scale.is_finite() || self.scale == 0.0 {
            return Err(invalid("scale", self.scale, "a finite, non-zero number"));
        }
        for (channel, mean) in self.mean.iter().enumerate() {
            if !mean.is_finite() {
                return Err(invalid(format!("mean[{channel}]"), mean, "a finite number"));
            }
        }
        for (channel, std) in self.std.iter().enumerate() {
            if !std.is_finite() || *std == 0.0 {
                return Err(invalid(
                    format!("std[{channel}]"),
                    std,
                    "a finite, non-zero number",
                ));
            }
        }
        Ok(())
    }

    /// Per model channel, the `(multiplier, offset)` so that `value = pixel * multiplier + offset`.
    pub(crate) fn affine(&self) -> [(f32, f32); 3] {
        std::array::from_fn(|c| (self.scale / self.std[c], -self.mean[c] / self.std[c]))
    }

    /// Number of `f32` values of one image in the batch (`3 * height * width`).
    #[must_use]
    pub fn image_len(&self) -> usize {
        3 * self.width as usize * self.height as usize
    }
}

fn invalid(
    field: impl Into<String>,
    got: impl std::fmt::Display,
    expected: &'static str,
) -> PreprocessError {
    PreprocessError::InvalidLayout {
        field: field.into(),
        got: got.to_string(),
        expected,
    }
}
