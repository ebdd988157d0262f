//! Instance masks: prototype masks × a detection's coefficients, sampled bilinearly at every
//! original pixel of its box, kept where positive; run-length encoded within the box.
//!
//! This is Ultralytics' `process_mask_native` (retina masks): the mask logits at prototype
//! resolution, the letterbox padding cropped, bilinear resize to the original image
//! (`align_corners=False`, edges clamped to the content), `> 0`, then `crop_mask` (pixel column
//! `i` kept when `x1 <= i < x2`, rows alike). Sampling goes through the same model-to-image
//! transform as the boxes, so stretch and top-left letterboxes are handled too; for a centred
//! letterbox whose padding is a whole number of prototype pixels (a 640 × 640 input and
//! 16:9 or 4:3 images) it is the same sampling as Ultralytics'.

use ndarray::ArrayView3;
use serde::Serialize;

use crate::transform::{InputSize, ModelToImage};

/// One detection's mask in original pixels: run lengths over `rectangle`, row by row, the
/// first run counting pixels off (it may be 0), then alternating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct InstanceMask {
    /// `[left, top, width, height]` in original pixels: the pixels of the detection's box.
    pub rectangle: [usize; 4],
    /// Alternating runs, off first, row-major over the rectangle; they sum to its area.
    pub counts: Vec<u32>,
}

impl InstanceMask {
    /// The mask over `rectangle` whose pixels, row by row, are `pixels` (true: the object).
    pub fn from_pixels(rectangle: [usize; 4], pixels: impl IntoIterator<Item = bool>) -> Self {
        let mut runs = RunLengths::default();
        pixels.into_iter().for_each(|on| runs.push(on));
        Self {
            rectangle,
            counts: runs.finish(),
        }
    }

    /// Whether original pixel (`x`, `y`) is part of the object.
    pub fn contains(&self, x: usize, y: usize) -> bool {
        let [left, top, width, height] = self.rectangle;
        if x < left || y < top || x >= left + width || y >= top + height {
            return false;
        }
        let index = (y - top) * width + (x - left);
        let mut start = 0;
        for (run, &count) in self.counts.iter().enumerate() {
            let end = start + count as usize;
            if index < end {
                return run % 2 == 1;
            }
            start = end;
        }
        false
    }

    /// Pixels that are part of the object.
    pub fn area(&self) -> usize {
        self.counts
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&c| c as usize)
            .sum()
    }

    /// Each row's spans of object pixels, as `(y, x_start, x_end)` with `x_end` exclusive.
    pub fn spans(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let [left, top, width, _] = self.rectangle;
        let mut start = 0;
        self.counts
            .iter()
            .enumerate()
            .flat_map(move |(run, &count)| {
                let from = start;
                start += count as usize;
                let on = run % 2 == 1 && count > 0 && width > 0;
                let rows = if on {
                    from / width..(from + count as usize - 1) / width + 1
                } else {
                    0..0
                };
                rows.map(move |row| {
                    let row_start = row * width;
                    let x_start = from.max(row_start) - row_start;
                    let x_end = (from + count as usize).min(row_start + width) - row_start;
                    (top + row, left + x_start, left + x_end)
                })
            })
    }
}

/// Run lengths being counted, off first.
#[derive(Debug, Default)]
struct RunLengths {
    counts: Vec<u32>,
    on: bool,
    run: u32,
}

impl RunLengths {
    fn push(&mut self, on: bool) {
        if on != self.on {
            self.counts.push(self.run);
            self.run = 0;
            self.on = on;
        }
        self.run += 1;
    }

    fn finish(mut self) -> Vec<u32> {
        self.counts.push(self.run);
        self.counts
    }
}

/// Where a model axis's prototype samples come from: stride and the content's clamp range.
#[derive(Debug, Clone, Copy)]
struct Axis {
    /// Model pixels per prototype pixel.
    stride: f32,
    /// Model pixels per original pixel, and the original image's origin in model pixels.
    scale: f32,
    offset: f32,
    /// First and last prototype index holding the image (not the padding).
    first: usize,
    last: usize,
}

impl Axis {
    fn new(input: usize, prototypes: usize, scale: f32, offset: f32, original: usize) -> Self {
        let stride = input as f32 / prototypes as f32;
        // Ultralytics' `scale_masks`: content start rounded from the padding, length rounded.
        let first = ((offset / stride - 0.1).round().max(0.0) as usize).min(prototypes - 1);
        let length = ((original as f32 * scale / stride).round() as usize).max(1);
        let last = (first + length - 1).min(prototypes - 1);
        Self {
            stride,
            scale,
            offset,
            first,
            last,
        }
    }

    /// The two prototype indices and the second one's weight for original pixel `pixel`.
    #[inline]
    fn sample(&self, pixel: usize) -> (usize, usize, f32) {
        let model = (pixel as f32 + 0.5) * self.scale + self.offset;
        let position = (model / self.stride - 0.5).clamp(self.first as f32, self.last as f32);
        let low = position.floor() as usize;
        let high = (low + 1).min(self.last);
        (low, high, position - low as f32)
    }
}

/// Reusable buffers of mask decoding.
#[derive(Debug, Default)]
pub(crate) struct MaskScratch {
    logits: Vec<f32>,
    columns: Vec<(usize, usize, f32)>,
    row: Vec<f32>,
}

/// The pixels of box `corners` (original pixels, clipped) as column and row ranges.
fn box_pixels(corners: [f32; 4], transform: &ModelToImage) -> ([usize; 2], [usize; 2]) {
    let columns = [
        (corners[0].ceil().max(0.0) as usize).min(transform.width),
        (corners[2].ceil().max(0.0) as usize).min(transform.width),
    ];
    let rows = [
        (corners[1].ceil().max(0.0) as usize).min(transform.height),
        (corners[3].ceil().max(0.0) as usize).min(transform.height),
    ];
    (columns, rows)
}

/// The mask of the detection with `coefficients` and clipped box `corners`.
pub(crate) fn instance_mask(
    prototypes: ArrayView3<'_, f32>,
    coefficients: &[f32],
    corners: [f32; 4],
    input: InputSize,
    transform: &ModelToImage,
    scratch: &mut MaskScratch,
) -> InstanceMask {
    let (channels, height, width) = prototypes.dim();
    let ([left, right], [top, bottom]) = box_pixels(corners, transform);
    let mut mask = InstanceMask {
        rectangle: [left, top, right - left, bottom - top],
        counts: Vec::new(),
    };
    if right <= left || bottom <= top || height == 0 || width == 0 {
        return mask;
    }
    let horizontal = Axis::new(
        input.width,
        width,
        transform.scale[0],
        transform.offset[0],
        transform.width,
    );
    let vertical = Axis::new(
        input.height,
        height,
        transform.scale[1],
        transform.offset[1],
        transform.height,
    );
    // The prototype window the box samples, and the mask logits in it.
    scratch.columns.clear();
    scratch
        .columns
        .extend((left..right).map(|x| horizontal.sample(x)));
    let window_left = scratch.columns.first().map_or(0, |c| c.0);
    let window_right = scratch.columns.last().map_or(0, |c| c.1) + 1;
    let window_top = vertical.sample(top).0;
    let window_bottom = vertical.sample(bottom - 1).1 + 1;
    let window_width = window_right - window_left;
    scratch.logits.clear();
    scratch
        .logits
        .resize(window_width * (window_bottom - window_top), 0.0);
    for (channel, &coefficient) in coefficients.iter().enumerate().take(channels) {
        let plane = prototypes.index_axis(ndarray::Axis(0), channel);
        for (row, logits) in
            (window_top..window_bottom).zip(scratch.logits.chunks_mut(window_width))
        {
            for (column, logit) in (window_left..window_right).zip(logits.iter_mut()) {
                *logit += coefficient * plane[[row, column]];
            }
        }
    }
    let mut runs = RunLengths::default();
    scratch.row.resize(window_width, 0.0);
    for y in top..bottom {
        let (low, high, weight) = vertical.sample(y);
        let low_row = &scratch.logits[(low - window_top) * window_width..][..window_width];
        let high_row = &scratch.logits[(high - window_top) * window_width..][..window_width];
        for ((value, &a), &b) in scratch.row.iter_mut().zip(low_row).zip(high_row) {
            *value = a * (1.0 - weight) + b * weight;
        }
        for &(first, second, weight) in &scratch.columns {
            let value = scratch.row[first - window_left] * (1.0 - weight)
                + scratch.row[second - window_left] * weight;
            runs.push(value > 0.0);
        }
    }
    mask.counts = runs.finish();
    mask
}
