//! Depth heads: value encodings to metres, back to the original resolution.

use std::path::Path;

use ndarray::{Array2, ArrayView2};

use crate::config::{DepthConfig, DepthEncoding};
use crate::error::Result;
use crate::transform::{InputSize, LinearTap, ModelToImage};

/// Depth in metres at the original image resolution (`[height, width]`); NaN where invalid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DepthMap {
    metres: Array2<f32>,
}

impl DepthMap {
    /// Depth per pixel in metres, NaN where the model gave no valid value.
    pub fn metres(&self) -> &Array2<f32> {
        &self.metres
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.metres.ncols()
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.metres.nrows()
    }

    /// Depth in whole millimetres, saturating at 65 535; 0 where invalid.
    pub fn millimetres(&self) -> Array2<u16> {
        self.metres.mapv(to_millimetres)
    }

    /// A 16-bit grey PNG of [`Self::millimetres`].
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        let bytes: Vec<u8> = self
            .metres
            .iter()
            .flat_map(|&metres| to_millimetres(metres).to_ne_bytes())
            .collect();
        crate::png::encode(
            &bytes,
            self.width(),
            self.height(),
            image::ExtendedColorType::L16,
        )
    }

    /// Writes [`Self::encode_png`] to `path`.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        crate::png::write(path, &self.encode_png()?)
    }
}

/// Metres to millimetres for the 16-bit PNG: rounded, saturating; 0 marks invalid.
pub fn to_millimetres(metres: f32) -> u16 {
    if metres.is_finite() && metres > 0.0 {
        (metres * 1000.0).round().clamp(1.0, f32::from(u16::MAX)) as u16
    } else {
        0
    }
}

/// One output value in metres, or NaN when it is not a valid depth. Valid depths are clamped to
/// `[min_depth, max_depth]`.
pub fn decode_depth_value(config: &DepthConfig, value: f32) -> f32 {
    let (min, max) = (config.min_depth, config.max_depth);
    let metres = match config.encoding {
        DepthEncoding::Metric => value,
        DepthEncoding::Inverse => 1.0 / value,
        DepthEncoding::Sigmoid => {
            if !value.is_finite() {
                return f32::NAN;
            }
            1.0 / (1.0 / max + (1.0 / min - 1.0 / max) * value.clamp(0.0, 1.0))
        }
    };
    if metres.is_finite() && metres > 0.0 {
        metres.clamp(min, max)
    } else {
        f32::NAN
    }
}

/// Reusable buffers of one depth head on one camera.
#[derive(Debug, Default)]
pub(crate) struct DepthScratch {
    key: Option<(ModelToImage, usize, usize)>,
    column_taps: Vec<LinearTap>,
    row_taps: Vec<LinearTap>,
    metres: Vec<f32>,
}

/// Decodes one camera's `[H, W]` output into `map` (bilinear; where a neighbour is invalid, the
/// nearest neighbour is used instead); returns the number of invalid source values.
pub(crate) fn decode_depth(
    config: &DepthConfig,
    input: InputSize,
    values: ArrayView2<'_, f32>,
    transform: &ModelToImage,
    scratch: &mut DepthScratch,
    map: &mut DepthMap,
) -> usize {
    let (height, width) = values.dim();
    let key = (*transform, height, width);
    if scratch.key != Some(key) {
        scratch.column_taps = transform.linear_table(0, input.width, width);
        scratch.row_taps = transform.linear_table(1, input.height, height);
        scratch.key = Some(key);
    }
    scratch.metres.clear();
    scratch.metres.extend(
        values
            .iter()
            .map(|&value| decode_depth_value(config, value)),
    );
    let invalid = scratch.metres.iter().filter(|v| v.is_nan()).count();
    let shape = (transform.height, transform.width);
    if map.metres.dim() != shape {
        map.metres = Array2::zeros(shape);
    }
    let source = &scratch.metres;
    for (mut line, tap) in map.metres.rows_mut().into_iter().zip(&scratch.row_taps) {
        let upper = &source[tap.first as usize * width..(tap.first as usize + 1) * width];
        let lower = &source[tap.second as usize * width..(tap.second as usize + 1) * width];
        for (pixel, column) in line.iter_mut().zip(&scratch.column_taps) {
            let corners = [
                upper[column.first as usize],
                upper[column.second as usize],
                lower[column.first as usize],
                lower[column.second as usize],
            ];
            *pixel = if corners.iter().all(|v| v.is_finite()) {
                let top = corners[0] + (corners[1] - corners[0]) * column.weight;
                let bottom = corners[2] + (corners[3] - corners[2]) * column.weight;
                top + (bottom - top) * tap.weight
            } else {
                let right = usize::from(column.weight >= 0.5);
                let below = usize::from(tap.weight >= 0.5);
                corners[below * 2 + right]
            };
        }
    }
    invalid
}
