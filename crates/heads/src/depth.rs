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
    /// A map of these depths in metres, NaN where invalid (from elsewhere than a model:
    /// ground truth, tests).
    pub fn from_metres(metres: Array2<f32>) -> Self {
        Self { metres }
    }

    /// Depth per pixel in metres, NaN where the model gave no valid value.
    pub fn metres(&self) -> &Array2<f32> {
        &self.metres
    }

    /// The metres, taken out of the map (no copy).
    pub fn into_metres(self) -> Array2<f32> {
        self.metres
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
        let mut bytes = vec![0_u8; self.metres.len() * 2];
        let metres = self.metres.as_standard_layout();
        // Big-endian millimetres (the PNG's byte order) in one pass.
        for (pair, &value) in bytes
            .chunks_exact_mut(2)
            .zip(metres.as_slice().unwrap_or_default())
        {
            pair.copy_from_slice(&to_millimetres(value).to_be_bytes());
        }
        crate::png::encode(
            crate::png::GreySamples::SixteenBigEndian(&bytes),
            self.width(),
            self.height(),
        )
    }

    /// Writes [`Self::encode_png`] to `path`.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        crate::png::write(path, &self.encode_png()?)
    }
}

/// Metres to millimetres for the 16-bit PNG: rounded half up, saturating; 0 marks invalid.
/// Branch-free (`+ 0.5` and truncation rather than `round`, a libm call per pixel on x86-64), so
/// that a whole map converts in vector instructions.
pub fn to_millimetres(metres: f32) -> u16 {
    let valid = metres > 0.0 && metres < f32::INFINITY;
    // NaN stays NaN through `clamp` and converts to 0; valid values land in 1..=65535.
    let millimetres = ((metres * 1000.0).clamp(1.0, f32::from(u16::MAX)) + 0.5) as i32 as u16;
    if valid {
        millimetres
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
    if invalid == 0 {
        blend(source, width, &scratch.column_taps, &scratch.row_taps, map);
        return invalid;
    }
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
                // Rows first, as `blend` does, so that both paths give the same bits.
                let left = corners[0] + (corners[2] - corners[0]) * tap.weight;
                let right = corners[1] + (corners[3] - corners[1]) * tap.weight;
                left + (right - left) * column.weight
            } else {
                let right = usize::from(column.weight >= 0.5);
                let below = usize::from(tap.weight >= 0.5);
                corners[below * 2 + right]
            };
        }
    }
    invalid
}

/// The plain bilinear blend, for a source without invalid values: per row, the two source rows
/// are blended once into a row of source width, then each output pixel blends two of its values.
fn blend(
    source: &[f32],
    width: usize,
    column_taps: &[LinearTap],
    row_taps: &[LinearTap],
    map: &mut DepthMap,
) {
    let mut rows = vec![0.0_f32; width];
    for (mut line, tap) in map.metres.rows_mut().into_iter().zip(row_taps) {
        let upper = &source[tap.first as usize * width..(tap.first as usize + 1) * width];
        let lower = &source[tap.second as usize * width..(tap.second as usize + 1) * width];
        for ((value, &top), &bottom) in rows.iter_mut().zip(upper).zip(lower) {
            *value = top + (bottom - top) * tap.weight;
        }
        for (pixel, column) in line.iter_mut().zip(column_taps) {
            let (left, right) = (rows[column.first as usize], rows[column.second as usize]);
            *pixel = left + (right - left) * column.weight;
        }
    }
}
