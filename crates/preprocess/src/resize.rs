//! Bilinear resize fused with colour reordering, scale, mean/std and padding, writing f32 planes.
//!
//! Sampling follows OpenCV's `INTER_LINEAR` (the reference outputs of the real models were made
//! with `cv2.resize`): destination pixel `d` samples source `(d + 0.5) / scale - 0.5`, clamped at
//! the borders, and the interpolated value is rounded to a whole grey level as OpenCV's 8-bit
//! output is, before scale/mean/std.

use crate::{ColorOrder, InputLayout, PixelTransform};

/// One destination column (or row): the two source indices and the weight of the second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tap {
    pub first: usize,
    pub second: usize,
    pub weight: f32,
}

/// Taps for `destination` samples over `source` samples, OpenCV `INTER_LINEAR` style.
pub(crate) fn axis_taps(source: usize, destination: usize, taps: &mut Vec<Tap>) {
    taps.clear();
    let ratio = source as f64 / destination as f64;
    let last = source.saturating_sub(1);
    taps.extend((0..destination).map(|index| {
        let position = (index as f64 + 0.5) * ratio - 0.5;
        let floor = position.floor();
        let (first, weight) = if floor < 0.0 {
            (0, 0.0)
        } else if floor as usize >= last {
            (last, 0.0)
        } else {
            (floor as usize, (position - floor) as f32)
        };
        Tap {
            first,
            second: (first + 1).min(last),
            weight,
        }
    }));
}

/// The per-plane arithmetic of a layout, fixed once per pre-processor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Normalisation {
    /// For each model plane, the RGB channel it reads.
    source_channel: [usize; 3],
    /// For each model plane, `(multiplier, offset)` applied to the 0–255 value.
    affine: [(f32, f32); 3],
    /// For each model plane, the value of a padding pixel.
    pad: [f32; 3],
}

impl Normalisation {
    pub(crate) fn new(layout: &InputLayout) -> Self {
        let affine = layout.affine();
        let pad_level = f32::from(layout.pad_value);
        Self {
            source_channel: match layout.color {
                ColorOrder::Rgb => [0, 1, 2],
                ColorOrder::Bgr => [2, 1, 0],
            },
            affine,
            pad: affine.map(|(multiplier, offset)| pad_level * multiplier + offset),
        }
    }

    /// Fills a whole image slot (three planes) with padding.
    pub(crate) fn fill_padding(&self, slot: &mut [f32]) {
        let plane_len = slot.len() / 3;
        for (plane, value) in slot.chunks_exact_mut(plane_len).zip(self.pad) {
            plane.fill(value);
        }
    }
}

/// A tightly packed RGB8 image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RgbImage<'a> {
    pub pixels: &'a [u8],
    pub width: usize,
    pub height: usize,
}

/// Reused tap tables of one camera.
#[derive(Debug, Default)]
pub(crate) struct ResizeScratch {
    columns: Vec<Tap>,
    rows: Vec<Tap>,
    /// (source width, source height, resized width, resized height) the taps were made for.
    made_for: Option<(usize, usize, usize, usize)>,
}

/// Writes `image`, placed as `transform` says, into `slot` (three planes of the model size).
pub(crate) fn resize_into(
    image: RgbImage<'_>,
    transform: &PixelTransform,
    normalisation: &Normalisation,
    scratch: &mut ResizeScratch,
    slot: &mut [f32],
) {
    let model_width = transform.model_width as usize;
    let (left, top, resized_width, resized_height) = {
        let (x, y, width, height) = transform.content();
        (x as usize, y as usize, width as usize, height as usize)
    };
    let key = (image.width, image.height, resized_width, resized_height);
    if scratch.made_for != Some(key) {
        axis_taps(image.width, resized_width, &mut scratch.columns);
        axis_taps(image.height, resized_height, &mut scratch.rows);
        scratch.made_for = Some(key);
    }
    if resized_width != model_width || resized_height != transform.model_height as usize {
        normalisation.fill_padding(slot);
    }
    let plane_len = slot.len() / 3;
    let stride = image.width * 3;
    for (plane_index, plane) in slot.chunks_exact_mut(plane_len).enumerate() {
        let channel = normalisation.source_channel[plane_index];
        let (multiplier, offset) = normalisation.affine[plane_index];
        let rows = plane
            .chunks_exact_mut(model_width)
            .skip(top)
            .zip(&scratch.rows);
        for (output_row, row_tap) in rows {
            let upper = &image.pixels[row_tap.first * stride..][..stride];
            let lower = &image.pixels[row_tap.second * stride..][..stride];
            let output = &mut output_row[left..left + resized_width];
            for (value, column) in output.iter_mut().zip(&scratch.columns) {
                let first = column.first * 3 + channel;
                let second = column.second * 3 + channel;
                let blend = |row: &[u8]| {
                    let a = f32::from(row[first]);
                    a + (f32::from(row[second]) - a) * column.weight
                };
                let high = blend(upper);
                let level = high + (blend(lower) - high) * row_tap.weight;
                // Round to a whole grey level like OpenCV's 8-bit output; `level` is never negative.
                let rounded = (level + 0.5) as u32 as f32;
                *value = rounded * multiplier + offset;
            }
        }
    }
}
