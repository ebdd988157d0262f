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
    /// A map of these class ids (from elsewhere than a model: ground truth, tests); the
    /// fractions are counted over `classes` ids (ids at or above it are not counted).
    pub fn from_ids(ids: Array2<u8>, classes: usize) -> Self {
        let mut counts = vec![0_u64; classes];
        for &id in &ids {
            if let Some(count) = counts.get_mut(usize::from(id)) {
                *count += 1;
            }
        }
        let total = ids.len().max(1) as f32;
        let fractions = counts.iter().map(|count| *count as f32 / total).collect();
        Self { ids, fractions }
    }

    /// Class id per pixel, `[height, width]`.
    pub fn ids(&self) -> &Array2<u8> {
        &self.ids
    }

    /// The class ids, taken out of the map (no copy).
    pub fn into_ids(self) -> Array2<u8> {
        self.ids
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
            crate::png::GreySamples::Eight(pixels.as_slice().unwrap_or_default()),
            self.width(),
            self.height(),
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
    column_counts: Vec<u32>,
    row_counts: Vec<u32>,
    column_taps: Vec<LinearTap>,
    row_taps: Vec<LinearTap>,
    /// Runs of output columns that blend the same two source columns.
    column_runs: Vec<ColumnRun>,
}

/// Output columns `start..end` blend source columns `first` and `second`.
#[derive(Debug, Clone, Copy)]
struct ColumnRun {
    first: usize,
    second: usize,
    start: usize,
    end: usize,
}

fn column_runs(taps: &[LinearTap]) -> Vec<ColumnRun> {
    let mut runs: Vec<ColumnRun> = Vec::new();
    for (column, tap) in taps.iter().enumerate() {
        let (first, second) = (tap.first as usize, tap.second as usize);
        match runs.last_mut() {
            Some(run) if run.first == first && run.second == second => run.end = column + 1,
            _ => runs.push(ColumnRun {
                first,
                second,
                start: column,
                end: column + 1,
            }),
        }
    }
    runs
}

/// Reusable buffers of one segmentation head on one camera.
#[derive(Debug, Default)]
pub(crate) struct SegmentationScratch {
    tables: Tables,
    source_ids: Vec<u8>,
    best: Vec<f32>,
    row: Vec<u8>,
    /// Per channel, a run's blended score at its left source column and the step to the right.
    edges: Vec<(f32, f32)>,
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
        self.column_runs = column_runs(&self.column_taps);
        self.key = Some(key);
    }
}

fn counts(table: &[u32], cells: usize) -> Vec<u32> {
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
    let non_finite = match config.upsample {
        Upsample::Nearest => {
            let non_finite = argmax(values, channels, height * width, scratch);
            upsample_nearest(
                &scratch.source_ids,
                width,
                &scratch.tables,
                &mut scratch.row,
                map,
            );
            non_finite
        }
        Upsample::Bilinear => {
            let non_finite = argmax(values, channels, height * width, scratch);
            let totals = upsample_bilinear(values, channels, height, width, scratch, map);
            map.fractions = shares(&totals, config.classes.len(), map.ids.len());
            return non_finite;
        }
    };
    map.fractions = fractions(map, config.classes.len(), &scratch.tables, scratch);
    non_finite
}

/// 1 for NaN/±inf (all exponent bits set), 0 otherwise; branch-free so loops vectorize.
#[inline]
fn non_finite_bit(value: f32) -> u32 {
    const EXPONENT: u32 = 0x7f80_0000;
    u32::from(value.to_bits() & EXPONENT == EXPONENT)
}

/// Counts NaN/±inf values; a branch-free OR over each block finds the (rare) blocks to count.
fn count_non_finite(values: &[f32]) -> usize {
    values
        .chunks(4096)
        .filter(|block| block.iter().fold(0, |any, &v| any | non_finite_bit(v)) != 0)
        .map(|block| block.iter().filter(|v| !v.is_finite()).count())
        .sum()
}

/// Argmax over channel planes into `scratch.source_ids`; NaN is never the maximum. Returns the
/// number of non-finite values.
fn argmax(
    values: &[f32],
    channels: usize,
    pixels: usize,
    scratch: &mut SegmentationScratch,
) -> usize {
    let ids = &mut scratch.source_ids;
    ids.resize(pixels, 0);
    let plane = |channel: usize| &values[channel * pixels..(channel + 1) * pixels];
    if channels == 2 {
        // The common binary case in one branch-free pass that also notices non-finite values;
        // only then a second pass counts them and lets a finite value beat NaN.
        let mut any = 0;
        for ((id, &first), &second) in ids.iter_mut().zip(plane(0)).zip(plane(1)) {
            *id = u8::from(second > first);
            any |= non_finite_bit(first) | non_finite_bit(second);
        }
        if any == 0 {
            return 0;
        }
        for ((id, &first), &second) in ids.iter_mut().zip(plane(0)).zip(plane(1)) {
            *id |= u8::from(first.is_nan() && !second.is_nan());
        }
        return count_non_finite(values);
    }
    ids.fill(0);
    let best = &mut scratch.best;
    best.clear();
    best.extend(
        plane(0)
            .iter()
            .map(|&v| if v.is_nan() { f32::NEG_INFINITY } else { v }),
    );
    for channel in 1..channels {
        for ((id, best), &value) in ids.iter_mut().zip(best.iter_mut()).zip(plane(channel)) {
            if value > *best {
                *best = value;
                *id = channel as u8;
            }
        }
    }
    count_non_finite(values)
}

/// Nearest neighbour on the class map through precomputed tables; a destination row that reads
/// the same source row as the previous one is a copy.
fn upsample_nearest(
    source: &[u8],
    width: usize,
    tables: &Tables,
    row: &mut Vec<u8>,
    map: &mut ClassMap,
) {
    let out_width = map.ids.ncols();
    // Runs of at most `BLOCK` output pixels per source column (any upscaling up to 8×) are
    // written as one fixed-size block each, overlapping the next run; wider runs use the table.
    const BLOCK: usize = 8;
    let runs = tables
        .column_counts
        .iter()
        .all(|&count| count as usize <= BLOCK);
    row.resize(out_width + BLOCK, 0);
    let Some(out) = map.ids.as_slice_mut() else {
        return;
    };
    let buffer = row.as_mut_slice();
    let mut previous: Option<u32> = None;
    for (target, &source_row) in out.chunks_exact_mut(out_width).zip(&tables.rows) {
        // Consecutive output rows often read the same source row: reuse the buffered row.
        if previous != Some(source_row) {
            let line = &source[source_row as usize * width..(source_row as usize + 1) * width];
            if runs {
                let mut position = 0;
                for (&id, &count) in line.iter().zip(&tables.column_counts) {
                    buffer[position..position + BLOCK].copy_from_slice(&[id; BLOCK]);
                    position += count as usize;
                }
            } else {
                for (pixel, &column) in buffer.iter_mut().zip(&tables.columns) {
                    *pixel = line[column as usize];
                }
            }
            previous = Some(source_row);
        }
        target.copy_from_slice(&buffer[..out_width]);
    }
}

/// Bilinear interpolation of every channel's scores, then argmax per original pixel; returns
/// the pixel count of each class id (256 entries).
///
/// Where the four source cells a pixel blends share one argmax (`scratch.source_ids`, filled
/// first), the blend — a convex combination of four score vectors that all rank that class first
/// — ranks it first too, so only pixels near a class boundary need the per-channel blend. The
/// check is made once per run of output columns that blend the same two source columns, and a
/// uniform run is one fill.
fn upsample_bilinear(
    values: &[f32],
    channels: usize,
    height: usize,
    width: usize,
    scratch: &mut SegmentationScratch,
    map: &mut ClassMap,
) -> [u64; 256] {
    let mut totals = [0_u64; 256];
    let out_width = map.ids.ncols();
    let tables = &scratch.tables;
    let source = &scratch.source_ids;
    let edges = &mut scratch.edges;
    let Some(out) = map.ids.as_slice_mut() else {
        return totals;
    };
    let pixels = height * width;
    for (row_index, tap) in tables.row_taps.iter().enumerate() {
        let line = &mut out[row_index * out_width..(row_index + 1) * out_width];
        let upper_ids = &source[tap.first as usize * width..(tap.first as usize + 1) * width];
        let lower_ids = &source[tap.second as usize * width..(tap.second as usize + 1) * width];
        for run in &tables.column_runs {
            let class = upper_ids[run.first];
            if upper_ids[run.second] == class
                && lower_ids[run.first] == class
                && lower_ids[run.second] == class
            {
                line[run.start..run.end].fill(class);
                totals[usize::from(class)] += (run.end - run.start) as u64;
                continue;
            }
            // Each channel blended down the rows once per run, at its two source columns; each
            // pixel then blends across.
            edges.clear();
            edges.extend((0..channels).map(|channel| {
                let plane = &values[channel * pixels..(channel + 1) * pixels];
                let (upper, lower) = (tap.first as usize * width, tap.second as usize * width);
                let vertical = |column: usize| {
                    let (top, bottom) = (plane[upper + column], plane[lower + column]);
                    top + (bottom - top) * tap.weight
                };
                let (left, right) = (vertical(run.first), vertical(run.second));
                (left, right - left)
            }));
            for (id, column) in line[run.start..run.end]
                .iter_mut()
                .zip(&tables.column_taps[run.start..run.end])
            {
                let mut best = f32::NEG_INFINITY;
                *id = 0;
                for (channel, &(left, step)) in edges.iter().enumerate() {
                    let value = left + step * column.weight;
                    if value > best {
                        best = value;
                        *id = channel as u8;
                    }
                }
                totals[usize::from(*id)] += 1;
            }
        }
    }
    totals
}

/// Class counts as fractions of `all` pixels, `classes` of them; ids beyond the class table
/// count in the last class.
fn shares(totals: &[u64], classes: usize, all: usize) -> Vec<f32> {
    let mut folded = vec![0_u64; classes.max(1)];
    let last = folded.len() - 1;
    for (id, &count) in totals.iter().enumerate() {
        folded[id.min(last)] += count;
    }
    let all = (all as f32).max(1.0);
    folded.iter().map(|&count| count as f32 / all).collect()
}

/// Per-class fractions of a nearest-upsampled map: weighted counts on the source map (each
/// source cell stands for a known block of output pixels).
fn fractions(
    map: &ClassMap,
    classes: usize,
    tables: &Tables,
    scratch: &SegmentationScratch,
) -> Vec<f32> {
    let mut totals = vec![0_u64; classes.max(1)];
    let last = totals.len() - 1;
    let width = tables.column_counts.len();
    if last == 1 {
        // Binary maps: the weighted count of ones is a dot product (vectorizes).
        for (row, &row_count) in tables.row_counts.iter().enumerate() {
            let line = &scratch.source_ids[row * width..(row + 1) * width];
            let ones: u32 = line
                .iter()
                .zip(&tables.column_counts)
                .map(|(&id, &count)| u32::from(id) * count)
                .sum();
            totals[1] += u64::from(ones) * u64::from(row_count);
        }
        totals[0] = map.ids.len() as u64 - totals[1];
    } else {
        let mut row_totals = vec![0_u64; totals.len()];
        for (row, &row_count) in tables.row_counts.iter().enumerate() {
            if row_count == 0 {
                continue;
            }
            row_totals.fill(0);
            let line = &scratch.source_ids[row * width..(row + 1) * width];
            for (&id, &column_count) in line.iter().zip(&tables.column_counts) {
                row_totals[usize::from(id).min(last)] += u64::from(column_count);
            }
            for (total, row_total) in totals.iter_mut().zip(&row_totals) {
                *total += row_total * u64::from(row_count);
            }
        }
    }
    shares(&totals, classes, map.ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Upsample;
    use crate::transform::{InputSize, ModelToImage};

    /// The plain per-channel blend at every pixel, as the fast path must reproduce.
    fn blend_everywhere(
        values: &[f32],
        channels: usize,
        height: usize,
        width: usize,
        tables: &Tables,
        out: &mut Array2<u8>,
    ) {
        let pixels = height * width;
        for (tap, line) in tables.row_taps.iter().zip(out.rows_mut()) {
            for (id, column) in line.into_iter().zip(&tables.column_taps) {
                let mut best = f32::NEG_INFINITY;
                *id = 0;
                for channel in 0..channels {
                    let at = |row: u32, column: u32| {
                        values[channel * pixels + row as usize * width + column as usize]
                    };
                    // Down the rows first, then across, as the decoder blends.
                    let left = at(tap.first, column.first)
                        + (at(tap.second, column.first) - at(tap.first, column.first)) * tap.weight;
                    let right = at(tap.first, column.second)
                        + (at(tap.second, column.second) - at(tap.first, column.second))
                            * tap.weight;
                    let value = left + (right - left) * column.weight;
                    if value > best {
                        best = value;
                        *id = channel as u8;
                    }
                }
            }
        }
    }

    #[test]
    fn the_boundary_only_blend_equals_the_blend_everywhere() {
        let (channels, height, width) = (13, 14, 24);
        // Smooth class regions with noise: many boundaries, many uniform blocks.
        let mut state = 12345u32;
        let values: Vec<f32> = (0..channels * height * width)
            .map(|index| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let (channel, pixel) = (index / (height * width), index % (height * width));
                let (y, x) = ((pixel / width) as f32, (pixel % width) as f32);
                (channel as f32 * 0.7 + x * 0.3 - y * 0.2).sin()
                    + (state >> 8) as f32 / 16_777_216.0 * 0.3
            })
            .collect();
        let input = InputSize::new(96, 56).unwrap_or_else(|_| unreachable!());
        let transform = ModelToImage::stretch(input, 160, 90).unwrap_or_else(|_| unreachable!());
        let config = SegmentationConfig {
            name: "semantic".to_string(),
            outputs: vec!["segmentation".to_string()],
            classes: (0..channels).map(|c| c.to_string()).collect(),
            upsample: Upsample::Bilinear,
        };
        let scores = ndarray::ArrayView3::from_shape((channels, height, width), &values)
            .unwrap_or_else(|_| unreachable!());
        let mut scratch = SegmentationScratch::default();
        let mut map = ClassMap::default();
        decode_segmentation(&config, input, scores, &transform, &mut scratch, &mut map);
        let mut reference = Array2::zeros((90, 160));
        blend_everywhere(
            &values,
            channels,
            height,
            width,
            &scratch.tables,
            &mut reference,
        );
        assert_eq!(map.ids, reference);
        let classes: std::collections::BTreeSet<u8> = map.ids.iter().copied().collect();
        assert!(
            classes.len() > 3,
            "the test image has boundaries: {classes:?}"
        );
    }
}
