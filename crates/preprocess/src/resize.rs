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

/// Which of `source` rows (or columns) a resize to `destination` of them reads.
pub(crate) fn read(source: usize, destination: usize) -> Vec<bool> {
    let mut taps = Vec::new();
    axis_taps(source, destination, ROW_WEIGHT_BITS, &mut taps);
    let mut wanted = vec![false; source];
    for tap in taps {
        wanted[tap.first] = true;
        wanted[tap.second] = true;
    }
    wanted
}

/// The per-plane arithmetic of a layout, fixed once per pre-processor.
#[derive(Debug, Clone)]
pub(crate) struct Normalisation {
    /// Whether model plane 0 is blue (BGR) rather than red.
    reversed: bool,
    /// For each RGB channel, the model value of every grey level 0–255.
    levels: [[f32; 256]; 3],
    /// For each model plane, the value of a padding pixel.
    pad: [f32; 3],
}

impl Normalisation {
    pub(crate) fn new(layout: &InputLayout) -> Self {
        let affine = layout.affine();
        let reversed = layout.color == ColorOrder::Bgr;
        let levels = std::array::from_fn(|channel| {
            let plane = if reversed { 2 - channel } else { channel };
            let (multiplier, offset) = affine[plane];
            std::array::from_fn(|level| level as f32 * multiplier + offset)
        });
        let pad_level = f32::from(layout.pad_value);
        Self {
            reversed,
            levels,
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
#[derive(Debug, Clone, Default)]
pub(crate) struct ResizeScratch {
    columns: Vec<Tap>,
    rows: Vec<Tap>,
    /// One output row's two source rows blended, per source pixel, in `2^-ROW_WEIGHT_BITS` units.
    blended: Vec<[u16; 3]>,
    /// (source width, source height, resized width, resized height) the taps were made for.
    made_for: Option<(usize, usize, usize, usize)>,
    /// The content rectangle whose surrounding padding the slot holds.
    padded_around: Option<(usize, usize, usize, usize)>,
}

impl ResizeScratch {
    /// Records that the slot was overwritten (e.g. all padding after a failure).
    pub(crate) fn forget_padding(&mut self) {
        self.padded_around = None;
    }
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
    // The padding from the last frame set is still in place when the content did not move.
    let content = (left, top, resized_width, resized_height);
    if scratch.padded_around != Some(content) {
        normalisation.fill_outside(slot, model_width, content);
        scratch.padded_around = Some(content);
    }
    let (Some(first_column), Some(last_column)) = (scratch.columns.first(), scratch.columns.last())
    else {
        return;
    };
    // Only the source pixels some output column reads are blended.
    let used = first_column.first..last_column.second + 1;
    let stride = image.width * 3;
    let plane_len = slot.len() / 3;
    let (plane_0, rest) = slot.split_at_mut(plane_len);
    let (plane_1, plane_2) = rest.split_at_mut(plane_len);
    let (red, green, blue) = if normalisation.reversed {
        (plane_2, plane_1, plane_0)
    } else {
        (plane_0, plane_1, plane_2)
    };
    let rows = |plane| content_rows(plane, model_width, (left, top, resized_width));
    let outputs = rows(red).zip(rows(green)).zip(rows(blue));
    let [red_levels, green_levels, blue_levels] = &normalisation.levels;
    scratch.blended.resize(image.width, [0; 3]);
    for (((red_row, green_row), blue_row), row_tap) in outputs.zip(&scratch.rows) {
        let upper = &image.pixels[row_tap.first * stride..][used.start * 3..used.end * 3];
        let lower = &image.pixels[row_tap.second * stride..][used.start * 3..used.end * 3];
        // At most 255 * 256: the sum fits in u16, so it vectorises as 16-bit multiplies.
        let lower_weight = row_tap.weight as u16;
        let upper_weight = (1_u16 << ROW_WEIGHT_BITS) - lower_weight;
        let blended = scratch.blended[used.clone()].as_flattened_mut();
        for ((value, high), low) in blended.iter_mut().zip(upper).zip(lower) {
            *value = u16::from(*high) * upper_weight + u16::from(*low) * lower_weight;
        }
        let blended = &scratch.blended;
        let pixels = red_row.iter_mut().zip(green_row).zip(blue_row);
        for (((red, green), blue), column) in pixels.zip(&scratch.columns) {
            let (first, second) = (&blended[column.first], &blended[column.second]);
            let second_weight = column.weight;
            let first_weight = (1 << COLUMN_WEIGHT_BITS) - second_weight;
            // Round half up to a whole grey level, as OpenCV's fixed-point resize does; the
            // result is at most 255, the mask only spares a bounds check.
            let level = |channel: usize| {
                let sum = i32::from(first[channel]) * first_weight
                    + i32::from(second[channel]) * second_weight;
                ((sum + (1 << (SHIFT - 1))) >> SHIFT) as usize & 0xFF
            };
            *red = red_levels[level(0)];
            *green = green_levels[level(1)];
            *blue = blue_levels[level(2)];
        }
    }
}

const SHIFT: u32 = ROW_WEIGHT_BITS + COLUMN_WEIGHT_BITS;

/// The content part of each row of a plane, from row `top` on.
fn content_rows(
    plane: &mut [f32],
    model_width: usize,
    (left, top, width): (usize, usize, usize),
) -> impl Iterator<Item = &mut [f32]> {
    plane
        .chunks_exact_mut(model_width)
        .skip(top)
        .map(move |row| &mut row[left..left + width])
}
