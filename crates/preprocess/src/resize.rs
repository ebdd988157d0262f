//! Bilinear resize fused with colour reordering, scale, mean/std and padding, writing f32 planes.
//!
//! Sampling follows OpenCV's `INTER_LINEAR` (the reference outputs of the real models were made
//! with `cv2.resize`): destination pixel `d` samples source `(d + 0.5) / scale - 0.5`, clamped at
//! the borders, with weights in 11-bit fixed point and the result rounded to a whole grey level as
//! OpenCV's 8-bit output is, before scale/mean/std. Each output row blends its two source rows
//! (a vectorisable pass), then samples the blended row per column into the three planes.

use crate::{ColorOrder, InputLayout, PixelTransform};

/// Fixed-point weight of 1.0 (OpenCV's `INTER_RESIZE_COEF_SCALE`).
const WEIGHT_ONE: i32 = 1 << WEIGHT_BITS;
const WEIGHT_BITS: u32 = 11;

/// One destination column (or row): the two source indices and the weight of the second, in
/// units of `1 / WEIGHT_ONE`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tap {
    pub first: usize,
    pub second: usize,
    pub weight: i32,
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
            (0, 0)
        } else if floor as usize >= last {
            (last, 0)
        } else {
            let fraction = (position - floor) * f64::from(WEIGHT_ONE);
            (floor as usize, fraction.round() as i32)
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
    /// One output row's two source rows blended, RGB interleaved, in `1 / WEIGHT_ONE` units.
    blended: Vec<i32>,
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
    let (Some(first_column), Some(last_column)) = (scratch.columns.first(), scratch.columns.last())
    else {
        return;
    };
    // Only the source columns some output column reads are blended.
    let used = first_column.first * 3..(last_column.second + 1) * 3;
    let stride = image.width * 3;
    let plane_len = slot.len() / 3;
    let (red_or_blue, rest) = slot.split_at_mut(plane_len);
    let (green, blue_or_red) = rest.split_at_mut(plane_len);
    let planes = [red_or_blue, green, blue_or_red];
    let mut plane_rows = planes.map(|plane| plane.chunks_exact_mut(model_width).skip(top));
    let [channel_0, channel_1, channel_2] = normalisation.source_channel;
    let [(multiplier_0, offset_0), (multiplier_1, offset_1), (multiplier_2, offset_2)] =
        normalisation.affine;
    scratch.blended.resize(stride, 0);
    for row_tap in &scratch.rows {
        let (Some(row_0), Some(row_1), Some(row_2)) = (
            plane_rows[0].next(),
            plane_rows[1].next(),
            plane_rows[2].next(),
        ) else {
            return;
        };
        let upper = &image.pixels[row_tap.first * stride..][used.clone()];
        let lower = &image.pixels[row_tap.second * stride..][used.clone()];
        let (upper_weight, lower_weight) = (WEIGHT_ONE - row_tap.weight, row_tap.weight);
        let blended = &mut scratch.blended[used.clone()];
        for ((value, high), low) in blended.iter_mut().zip(upper).zip(lower) {
            *value = i32::from(*high) * upper_weight + i32::from(*low) * lower_weight;
        }
        let blended = &scratch.blended;
        let outputs = row_0[left..left + resized_width]
            .iter_mut()
            .zip(&mut row_1[left..left + resized_width])
            .zip(&mut row_2[left..left + resized_width])
            .zip(&scratch.columns);
        for (((output_0, output_1), output_2), column) in outputs {
            let (first, second) = (column.first * 3, column.second * 3);
            let (first_weight, second_weight) = (WEIGHT_ONE - column.weight, column.weight);
            // Round half up to a whole grey level, as OpenCV's fixed-point resize does.
            let level = |channel: usize| {
                let sum = blended[first + channel] * first_weight
                    + blended[second + channel] * second_weight;
                ((sum + (1 << (2 * WEIGHT_BITS - 1))) >> (2 * WEIGHT_BITS)) as f32
            };
            *output_0 = level(channel_0) * multiplier_0 + offset_0;
            *output_1 = level(channel_1) * multiplier_1 + offset_1;
            *output_2 = level(channel_2) * multiplier_2 + offset_2;
        }
    }
}
