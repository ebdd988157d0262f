//! Segmentation heads: argmax over channels, back to the original resolution.

use std::path::Path;

use ndarray::{Array2, ArrayView3};

use crate::config::{SegmentationConfig, Upsample};
use crate::error::Result;
use crate::transform::{InputSize, LinearTap, ModelToImage};

/// Class ids at the original image resolution (`[height, width]`), with per-class fractions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassMap {
    ids: Array2<u8>,
    fractions: Vec<f32>,
}

impl ClassMap {
    /// Class id per pixel, `[height, width]`.
    pub fn ids(&self) -> &Array2<u8> {
        &self.ids
    }

    /// Fraction of the image's pixels per class id (sums to 1).
    pub fn fractions(&self) -> &[f32] {
        &self.fractions
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.ids.ncols()
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.ids.nrows()
    }

    /// An 8-bit grey PNG whose pixel values are the class ids.
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        let pixels = self.ids.as_standard_layout();
        crate::png::encode(
            pixels.as_slice().unwrap_or_default(),
            self.width(),
            self.height(),
            image::ExtendedColorType::L8,
        )
    }

    /// Writes [`Self::encode_png`] to `path`.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        crate::png::write(path, &self.encode_png()?)
    }
}

/// Source-index tables for one (transform, output size) pair, rebuilt only when that changes.
#[derive(Debug, Default)]
struct Tables {
    key: Option<(ModelToImage, usize, usize)>,
    columns: Vec<u32>,
    rows: Vec<u32>,
    column_counts: Vec<u64>,
    row_counts: Vec<u64>,
    column_taps: Vec<LinearTap>,
    row_taps: Vec<LinearTap>,
}

/// Reusable buffers of one segmentation head on one camera.
#[derive(Debug, Default)]
pub(crate) struct SegmentationScratch {
    tables: Tables,
    source_ids: Vec<u8>,
    best: Vec<f32>,
}

impl Tables {
    fn prepare(&mut self, transform: &ModelToImage, input: InputSize, height: usize, width: usize) {
        let key = (*transform, height, width);
        if self.key == Some(key) {
            return;
        }
        self.columns = transform.nearest_table(0, input.width, width);
        self.rows = transform.nearest_table(1, input.height, height);
        self.column_counts = counts(&self.columns, width);
        self.row_counts = counts(&self.rows, height);
        self.column_taps = transform.linear_table(0, input.width, width);
        self.row_taps = transform.linear_table(1, input.height, height);
        self.key = Some(key);
    }
}

fn counts(table: &[u32], cells: usize) -> Vec<u64> {
    let mut counts = vec![0; cells];
    for &index in table {
        counts[index as usize] += 1;
    }
    counts
}

/// Decodes one camera's `[C, H, W]` scores into `map`; returns the number of non-finite
/// values (never chosen by the argmax).
pub(crate) fn decode_segmentation(
    config: &SegmentationConfig,
    input: InputSize,
    scores: ArrayView3<'_, f32>,
    transform: &ModelToImage,
    scratch: &mut SegmentationScratch,
    map: &mut ClassMap,
) -> usize {
    let (channels, height, width) = scores.dim();
    scratch.tables.prepare(transform, input, height, width);
    let shape = (transform.height, transform.width);
    if map.ids.dim() != shape {
        map.ids = Array2::zeros(shape);
    }
    let scores = scores.as_standard_layout();
    let values = scores.as_slice().unwrap_or_default();
    let non_finite = values.iter().filter(|v| !v.is_finite()).count();
    match config.upsample {
        Upsample::Nearest => {
            argmax(values, channels, height * width, scratch);
            upsample_nearest(&scratch.source_ids, width, &scratch.tables, map);
        }
        Upsample::Bilinear => upsample_bilinear(values, channels, height, width, scratch, map),
    }
    map.fractions = fractions(map, config.classes.len(), &scratch.tables, scratch, config.upsample);
    non_finite
}

/// Argmax over channel planes into `scratch.source_ids`; NaN is never the maximum.
fn argmax(values: &[f32], channels: usize, pixels: usize, scratch: &mut SegmentationScratch) {
    let ids = &mut scratch.source_ids;
    ids.clear();
    ids.resize(pixels, 0);
    let plane = |channel: usize| &values[channel * pixels..(channel + 1) * pixels];
    if channels == 2 {
        // The common binary case, in one branch-free pass.
        for ((id, &first), &second) in ids.iter_mut().zip(plane(0)).zip(plane(1)) {
            *id = u8::from(second > first || (first.is_nan() && !second.is_nan()));
        }
        return;
    }
    let best = &mut scratch.best;
    best.clear();
    best.extend(plane(0).iter().map(|&v| if v.is_nan() { f32::NEG_INFINITY } else { v }));
    for channel in 1..channels {
        for ((id, best), &value) in ids.iter_mut().zip(best.iter_mut()).zip(plane(channel)) {
            if value > *best {
                *best = value;
                *id = channel as u8;
            }
        }
    }
}

/// Nearest neighbour on the class map through precomputed tables; a destination row that reads
/// the same source row as the previous one is a copy.
fn upsample_nearest(source: &[u8], width: usize, tables: &Tables, map: &mut ClassMap) {
    let out_width = map.ids.ncols();
    let Some(out) = map.ids.as_slice_mut() else { return };
    let mut previous: Option<u32> = None;
    let mut previous_start = 0;
    for (row_index, &source_row) in tables.rows.iter().enumerate() {
        let start = row_index * out_width;
        if previous == Some(source_row) {
            out.copy_within(previous_start..previous_start + out_width, start);
        } else {
            let line = &source[source_row as usize * width..(source_row as usize + 1) * width];
            for (pixel, &column) in out[start..start + out_width].iter_mut().zip(&tables.columns) {
                *pixel = line[column as usize];
            }
            previous = Some(source_row);
            previous_start = start;
        }
    }
}

/// Bilinear interpolation of every channel's scores, then argmax per original pixel.
fn upsample_bilinear(
    values: &[f32],
    channels: usize,
    height: usize,
    width: usize,
    scratch: &mut SegmentationScratch,
    map: &mut ClassMap,
) {
    let out_width = map.ids.ncols();
    let tables = &scratch.tables;
    let best = &mut scratch.best;
    best.resize(out_width, 0.0);
    let Some(out) = map.ids.as_slice_mut() else { return };
    let pixels = height * width;
    for (row_index, tap) in tables.row_taps.iter().enumerate() {
        let line = &mut out[row_index * out_width..(row_index + 1) * out_width];
        best.fill(f32::NEG_INFINITY);
        line.fill(0);
        for channel in 0..channels {
            let plane = &values[channel * pixels..(channel + 1) * pixels];
            let upper = &plane[tap.first as usize * width..(tap.first as usize + 1) * width];
            let lower = &plane[tap.second as usize * width..(tap.second as usize + 1) * width];
            for ((id, best), column) in line.iter_mut().zip(best.iter_mut()).zip(&tables.column_taps) {
                let horizontal = |row: &[f32]| {
                    let (a, b) = (row[column.first as usize], row[column.second as usize]);
                    a + (b - a) * column.weight
                };
                let (top, bottom) = (horizontal(upper), horizontal(lower));
                let value = top + (bottom - top) * tap.weight;
                if value > *best {
                    *best = value;
                    *id = channel as u8;
                }
            }
        }
    }
}

/// Per-class fractions: weighted counts on the source map for nearest (each source cell stands
/// for a known block of output pixels), a full count otherwise.
fn fractions(
    map: &ClassMap,
    classes: usize,
    tables: &Tables,
    scratch: &SegmentationScratch,
    upsample: Upsample,
) -> Vec<f32> {
    let mut totals = vec![0_u64; classes.max(1)];
    let last = totals.len() - 1;
    match upsample {
        Upsample::Nearest => {
            let width = tables.column_counts.len();
            let mut row_totals = vec![0_u64; totals.len()];
            for (row, &row_count) in tables.row_counts.iter().enumerate() {
                if row_count == 0 {
                    continue;
                }
                row_totals.fill(0);
                let line = &scratch.source_ids[row * width..(row + 1) * width];
                for (&id, &column_count) in line.iter().zip(&tables.column_counts) {
                    row_totals[usize::from(id).min(last)] += column_count;
                }
                for (total, row_total) in totals.iter_mut().zip(&row_totals) {
                    *total += row_total * row_count;
                }
            }
        }
        Upsample::Bilinear => {
            for &id in map.ids.iter() {
                totals[usize::from(id).min(last)] += 1;
            }
        }
    }
    let all = (map.ids.len() as f32).max(1.0);
    totals.iter().map(|&count| count as f32 / all).collect()
}
