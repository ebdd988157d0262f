//! Bilinear resize fused with colour reordering, scale, mean/std and padding, writing f32 planes.
//!
//! Sampling follows OpenCV's `INTER_LINEAR` (the reference outputs of the real models were made
//! with `cv2.resize`): destination pixel `d` samples source `(d + 0.5) / scale - 0.5`, clamped at
//! the borders, with weights in fixed point (8 bits between rows, 11 between columns, as OpenCV
//! uses 11) and the result rounded half up to a whole grey level as OpenCV's 8-bit output is,
//! before scale/mean/std. Each output row blends its two source rows in 16-bit integers (a
//! vectorised pass), then samples the blended row per column into the three planes.

use crate::{ColorOrder, InputLayout, PixelTransform};

/// Fixed-point bits of column weights (OpenCV's `INTER_RESIZE_COEF_BITS`).
pub(crate) const COLUMN_WEIGHT_BITS: u32 = 11;
/// Fixed-point bits of row weights: 8, so that `pixel * weight` sums fit in u16.
pub(crate) const ROW_WEIGHT_BITS: u32 = 8;

/// One destination column (or row): the two source indices and the weight of the second, in
/// units of `2^-bits`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tap {
    pub first: usize,
    pub second: usize,
    pub weight: i32,
}

/// Taps for `destination` samples over `source` samples, OpenCV `INTER_LINEAR` style.
pub(crate) fn axis_taps(source: usize, destination: usize, bits: u32, taps: &mut Vec<Tap>) {
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
            let fraction = (position - floor) * f64::from(1_u32 << bits);
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

    /// Fills the padding around the `(left, top, width, height)` content rectangle of each plane.
    fn fill_outside(
        &self,
        slot: &mut [f32],
        model_width: usize,
        content: (usize, usize, usize, usize),
    ) {
        let (left, top, width, height) = content;
        let plane_len = slot.len() / 3;
        for (plane, value) in slot.chunks_exact_mut(plane_len).zip(self.pad) {
            let (above, rest) = plane.split_at_mut(top * model_width);
            above.fill(value);
            let (middle, below) = rest.split_at_mut(height * model_width);
            below.fill(value);
            if width < model_width {
                for row in middle.chunks_exact_mut(model_width) {
                    row[..left].fill(value);
                    row[left + width..].fill(value);
                }
            }
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
    /// One output row's two source rows blended, RGB interleaved, in `2^-ROW_WEIGHT_BITS` units.
    blended: Vec<u16>,
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
        axis_taps(
            image.width,
            resized_width,
            COLUMN_WEIGHT_BITS,
            &mut scratch.columns,
        );
        axis_taps(
            image.height,
            resized_height,
            ROW_WEIGHT_BITS,
            &mut scratch.rows,
        );
        scratch.made_for = Some(key);
    }
    normalisation.fill_outside(
        slot,
        model_width,
        (left, top, resized_width, resized_height),
    );
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
    const SHIFT: u32 = ROW_WEIGHT_BITS + COLUMN_WEIGHT_BITS;
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
        // At most 255 * 256: the sum fits in u16, so it vectorises as 16-bit multiplies.
        let lower_weight = row_tap.weight as u16;
        let upper_weight = (1_u16 << ROW_WEIGHT_BITS) - lower_weight;
        let blended = &mut scratch.blended[used.clone()];
        for ((value, high), low) in blended.iter_mut().zip(upper).zip(lower) {
            *value = u16::from(*high) * upper_weight + u16::from(*low) * lower_weight;
        }
        let blended = &scratch.blended;
        let outputs = row_0[left..left + resized_width]
            .iter_mut()
            .zip(&mut row_1[left..left + resized_width])
            .zip(&mut row_2[left..left + resized_width])
            .zip(&scratch.columns);
        for (((output_0, output_1), output_2), column) in outputs {
            let (first, second) = (column.first * 3, column.second * 3);
            let second_weight = column.weight;
            let first_weight = (1 << COLUMN_WEIGHT_BITS) - second_weight;
            // Round half up to a whole grey level, as OpenCV's fixed-point resize does.
            let level = |channel: usize| {
                let sum = i32::from(blended[first + channel]) * first_weight
                    + i32::from(blended[second + channel]) * second_weight;
                ((sum + (1 << (SHIFT - 1))) >> SHIFT) as f32
            };
            *output_0 = level(channel_0) * multiplier_0 + offset_0;
            *output_1 = level(channel_1) * multiplier_1 + offset_1;
            *output_2 = level(channel_2) * multiplier_2 + offset_2;
        }
    }
}
