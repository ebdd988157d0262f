//! Model-input pixels back to original image pixels.

use crate::error::{HeadsError, Result};

/// The model input size in pixels (the `[input]` width and height of the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputSize {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
}

impl InputSize {
    /// A model input of `width` × `height` pixels.
    pub fn new(width: usize, height: usize) -> Result<Self> {
        if width == 0 || height == 0 {
            return Err(HeadsError::InputSize { width, height });
        }
        Ok(Self { width, height })
    }
}

/// The per-camera transform from model-input pixels to original image pixels:
/// `original = (model - offset) / scale` per axis. Coordinates are continuous: pixel `i` covers
/// `[i, i + 1)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelToImage {
    /// Model pixels per original pixel, (x, y).
    pub scale: [f32; 2],
    /// Where the original image's origin lies in the model input, (x, y) in model pixels.
    pub offset: [f32; 2],
    /// Original image width in pixels (for clipping and mask resolution).
    pub width: usize,
    /// Original image height in pixels.
    pub height: usize,
}

impl ModelToImage {
    /// A transform with explicit scale and offset; checks that it is usable.
    pub fn new(scale: [f32; 2], offset: [f32; 2], width: usize, height: usize) -> Result<Self> {
        let transform = Self {
            scale,
            offset,
            width,
            height,
        };
        transform.check()?;
        Ok(transform)
    }

    /// The whole image resized to the whole model input (no padding).
    pub fn stretch(input: InputSize, width: usize, height: usize) -> Result<Self> {
        Self::new(
            [
                input.width as f32 / width as f32,
                input.height as f32 / height as f32,
            ],
            [0.0, 0.0],
            width,
            height,
        )
    }

    /// Aspect-preserving resize by `min(input / original)`, placed at the top-left corner
    /// (`centered == false`, as YOLOX) or centred (padding split evenly, rounded down on the
    /// left/top).
    pub fn letterbox(
        input: InputSize,
        width: usize,
        height: usize,
        centered: bool,
    ) -> Result<Self> {
        let ratio = (input.width as f32 / width as f32).min(input.height as f32 / height as f32);
        let offset = if centered {
            let pad_x = (input.width as f32 - (width as f32 * ratio).round()).max(0.0);
            let pad_y = (input.height as f32 - (height as f32 * ratio).round()).max(0.0);
            [(pad_x / 2.0).floor(), (pad_y / 2.0).floor()]
        } else {
            [0.0, 0.0]
        };
        Self::new([ratio, ratio], offset, width, height)
    }

    /// Checks that the scale is positive and finite and the image is not empty.
    pub fn check(&self) -> Result<()> {
        let finite = self.scale.iter().chain(&self.offset).all(|v| v.is_finite());
        if !finite || self.scale[0] <= 0.0 || self.scale[1] <= 0.0 {
            return Err(HeadsError::Transform {
                problem: format!(
                    "scale {:?} and offset {:?} must be finite with a positive scale",
                    self.scale, self.offset
                ),
            });
        }
        if self.width == 0 || self.height == 0 {
            return Err(HeadsError::Transform {
                problem: format!("original image {}x{} is empty", self.width, self.height),
            });
        }
        Ok(())
    }

    /// A model-input point in original image pixels.
    #[inline]
    pub fn to_image(&self, x: f32, y: f32) -> [f32; 2] {
        [
            (x - self.offset[0]) / self.scale[0],
            (y - self.offset[1]) / self.scale[1],
        ]
    }

    /// An original image point in model-input pixels (the inverse of [`Self::to_image`]).
    #[inline]
    pub fn to_model(&self, x: f32, y: f32) -> [f32; 2] {
        [
            x * self.scale[0] + self.offset[0],
            y * self.scale[1] + self.offset[1],
        ]
    }

    /// A model-input box `[x1, y1, x2, y2]` in original pixels (not clipped).
    #[inline]
    pub fn box_to_image(&self, corners: [f32; 4]) -> [f32; 4] {
        let [x1, y1] = self.to_image(corners[0], corners[1]);
        let [x2, y2] = self.to_image(corners[2], corners[3]);
        [x1, y1, x2, y2]
    }

    /// A box `[x1, y1, x2, y2]` clipped to the original image.
    #[inline]
    pub fn clip(&self, corners: [f32; 4]) -> [f32; 4] {
        let (width, height) = (self.width as f32, self.height as f32);
        [
            corners[0].clamp(0.0, width),
            corners[1].clamp(0.0, height),
            corners[2].clamp(0.0, width),
            corners[3].clamp(0.0, height),
        ]
    }

    /// For each original pixel centre along one axis, the index of the model-output cell that
    /// contains it, for an output of `cells` cells covering `input` model pixels.
    pub(crate) fn nearest_table(&self, axis: usize, input: usize, cells: usize) -> Vec<u32> {
        let size = if axis == 0 { self.width } else { self.height };
        let cell = input as f32 / cells as f32;
        let last = cells.saturating_sub(1) as f32;
        (0..size)
            .map(|pixel| {
                let model = (pixel as f32 + 0.5) * self.scale[axis] + self.offset[axis];
                (model / cell).floor().clamp(0.0, last) as u32
            })
            .collect()
    }

    /// For each original pixel centre along one axis, the two neighbouring output cells and the
    /// weight of the second, for bilinear interpolation over cell centres.
    pub(crate) fn linear_table(&self, axis: usize, input: usize, cells: usize) -> Vec<LinearTap> {
        let size = if axis == 0 { self.width } else { self.height };
        let cell = input as f32 / cells as f32;
        let last = cells.saturating_sub(1) as f32;
        (0..size)
            .map(|pixel| {
                let model = (pixel as f32 + 0.5) * self.scale[axis] + self.offset[axis];
                let position = (model / cell - 0.5).clamp(0.0, last);
                let first = position.floor();
                let second = (first + 1.0).min(last);
                LinearTap {
                    first: first as u32,
                    second: second as u32,
                    weight: position - first,
                }
            })
            .collect()
    }
}

/// Two neighbouring cells and the weight of the second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LinearTap {
    pub first: u32,
    pub second: u32,
    pub weight: f32,
}
