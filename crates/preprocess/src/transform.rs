//! Where an original image lands in the model input, and the exact map between the two.

use crate::{InputLayout, ResizeMode};

/// The exact map between model-input pixel coordinates and original image pixel coordinates.
///
/// Coordinates are continuous, with `(0, 0)` at the top-left corner of the top-left pixel (pixel
/// `(i, j)` covers `[i, i+1) × [j, j+1)`), so box corners and sizes map with one scale and one
/// offset per axis: `model = original * scale + offset`, `original = (model - offset) / scale`.
/// The scale is the one the resize really used (`resized_width / original_width`), not the
/// nominal letterbox ratio, so the map stays exact when the resized size was rounded.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PixelTransform {
    /// Model pixels per original pixel along x.
    pub scale_x: f64,
    /// Model pixels per original pixel along y.
    pub scale_y: f64,
    /// Model x of the original image's left edge (left padding).
    pub offset_x: f64,
    /// Model y of the original image's top edge (top padding).
    pub offset_y: f64,
    /// Original image width in pixels.
    pub original_width: u32,
    /// Original image height in pixels.
    pub original_height: u32,
    /// Width of the resized image inside the model input (the rest is padding).
    pub resized_width: u32,
    /// Height of the resized image inside the model input.
    pub resized_height: u32,
    /// Model input width.
    pub model_width: u32,
    /// Model input height.
    pub model_height: u32,
}

impl PixelTransform {
    /// The placement `layout` gives an `original_width` × `original_height` image.
    ///
    /// Letterbox ratio `r = min(W / w, H / h)`. Top-left (YOLOX) truncates the resized size,
    /// `int(w * r)`, as YOLOX's reference code does; centre rounds it and puts the odd padding
    /// pixel on the right/bottom, as Ultralytics' letterbox does. Sizes never fall below 1.
    #[must_use]
    pub fn for_layout(layout: &InputLayout, original_width: u32, original_height: u32) -> Self {
        let (model_width, model_height) = (layout.width, layout.height);
        let (width, height) = (f64::from(original_width), f64::from(original_height));
        let ratio = (f64::from(model_width) / width).min(f64::from(model_height) / height);
        let fit = |value: f64, limit: u32| -> u32 {
            // Saturating float-to-int; the clamp keeps at least one pixel and never overflows.
            (value as u32).clamp(1, limit)
        };
        let (resized_width, resized_height, offset_x, offset_y) = match layout.resize {
            ResizeMode::Stretch => (model_width, model_height, 0, 0),
            ResizeMode::LetterboxTopLeft => (
                fit(width * ratio, model_width),
                fit(height * ratio, model_height),
                0,
                0,
            ),
            ResizeMode::LetterboxCenter => {
                let resized_width = fit((width * ratio).round(), model_width);
                let resized_height = fit((height * ratio).round(), model_height);
                (
                    resized_width,
                    resized_height,
                    (model_width - resized_width) / 2,
                    (model_height - resized_height) / 2,
                )
            }
        };
        Self {
            scale_x: f64::from(resized_width) / width,
            scale_y: f64::from(resized_height) / height,
            offset_x: f64::from(offset_x),
            offset_y: f64::from(offset_y),
            original_width,
            original_height,
            resized_width,
            resized_height,
            model_width,
            model_height,
        }
    }

    /// Model-input coordinates → original image coordinates.
    #[must_use]
    pub fn to_original(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.offset_x) / self.scale_x,
            (y - self.offset_y) / self.scale_y,
        )
    }

    /// Original image coordinates → model-input coordinates.
    #[must_use]
    pub fn to_model(&self, x: f64, y: f64) -> (f64, f64) {
        (
            x * self.scale_x + self.offset_x,
            y * self.scale_y + self.offset_y,
        )
    }

    /// A model-input box `[x, y, width, height]` (top-left corner and size) in original pixels.
    #[must_use]
    pub fn box_to_original(&self, [x, y, width, height]: [f64; 4]) -> [f64; 4] {
        let (left, top) = self.to_original(x, y);
        [left, top, width / self.scale_x, height / self.scale_y]
    }

    /// The resized image's rectangle inside the model input: `(x, y, width, height)` in whole
    /// model pixels; everything outside it is padding (crop masks to it before upsampling).
    #[must_use]
    pub fn content(&self) -> (u32, u32, u32, u32) {
        (
            self.offset_x as u32,
            self.offset_y as u32,
            self.resized_width,
            self.resized_height,
        )
    }
}
