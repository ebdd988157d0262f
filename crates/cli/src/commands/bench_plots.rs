//! `panoptes bench`'s plots, written beside its JSON as SVG: a latency histogram per stage, a
//! timeline of stages per frame set (overlapped and sequential replay), and the comparisons'
//! ratios with their range.

use panoptes_pipeline::{Comparison, StageBenchmark, StageSpan};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Bins of each histogram.
const BINS: usize = 24;
/// Frame sets shown in a timeline (after the first few, which start the pipeline up).
const TIMELINE_FRAME_SETS: usize = 10;
/// Frame sets skipped at the start of a timeline.
const TIMELINE_SKIP: usize = 3;

/// One colour per frame set in the timelines, one per stage in the histograms.
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// `bench.json` → `bench-latency.svg` and so on, beside it.
fn beside(json: &Path, suffix: &str) -> PathBuf {
    let stem = json.file_stem().map_or_else(
        || "bench".into(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    json.with_file_name(format!("{stem}-{suffix}.svg"))
}

/// Any plotting error as one line naming the file.
fn failed(path: &Path) -> impl Fn(String) -> anyhow::Error + '_ {
    move |message| anyhow::anyhow!("cannot draw {}: {message}", path.display())
}

/// Writes the plots beside `json`; returns their paths.
pub(super) fn write_all(
    json: &Path,
    stages: &[StageBenchmark],
    comparisons: &[Comparison],
    timelines: Option<(&[StageSpan], &[StageSpan])>,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let path = beside(json, "latency");
    histograms(&path, stages).map_err(failed(&path))?;
    written.push(path);
    if let Some((overlapped, sequential)) = timelines {
        let path = beside(json, "timeline");
        timeline(&path, overlapped, sequential).map_err(failed(&path))?;
        written.push(path);
    }
    if !comparisons.is_empty() {
        let path = beside(json, "comparisons");
        bars(&path, comparisons).map_err(failed(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// One histogram per model and stage, stacked.
fn histograms(path: &Path, stages: &[StageBenchmark]) -> Result<(), String> {
    // In pipeline order.
    const ORDER: [&str; 5] = ["preprocess", "inference", "decode", "fusion", "bev_png"];
    let panels: Vec<(String, &[f64])> = stages
        .iter()
        .flat_map(|stage| {
            ORDER.iter().filter_map(move |name| {
                let samples = stage.samples_ms.get(name)?;
                Some((format!("{}: {name}", stage.model), samples.as_slice()))
            })
        })
        .collect();
    let height = 40 + 180 * panels.len().max(1) as u32;
    let root = SVGBackend::new(path, (900, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|error| error.to_string())?;
    let root = root
        .titled(
            "Latency per stage, each measured alone (ms per frame set)",
            ("sans-serif", 20),
        )
        .map_err(|error| error.to_string())?;
    for (index, (area, (title, samples))) in root
        .split_evenly((panels.len().max(1), 1))
        .into_iter()
        .zip(&panels)
        .enumerate()
    {
        histogram(&area, title, samples, PALETTE[index % PALETTE.len()])?;
    }
    root.present().map_err(|error| error.to_string())
}

fn histogram(area: &Area<'_>, title: &str, samples: &[f64], color: RGBColor) -> Result<(), String> {
    let low = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let high = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() || !high.is_finite() {
        return Ok(());
    }
    let width = ((high - low) / BINS as f64).max(1e-3);
    let mut counts = [0u32; BINS];
    for sample in samples {
        let bin = (((sample - low) / width) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{title} ({} runs)", samples.len()),
            ("sans-serif", 15),
        )
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(40)
        .build_cartesian_2d(low..low + width * BINS as f64, 0u32..tallest + 1)
        .map_err(|error| error.to_string())?;
    chart
        .configure_mesh()
        .x_desc("ms")
        .y_desc("runs")
        .disable_x_mesh()
        .draw()
        .map_err(|error| error.to_string())?;
    chart
        .draw_series(counts.iter().enumerate().map(|(bin, count)| {
            let start = low + width * bin as f64;
            Rectangle::new([(start, 0), (start + width, *count)], color.filled())
        }))
        .map_err(|error| error.to_string())?;
    Ok(())
}

/// Where a stage's lane sits: pre-processing on top, then inference, decoding, writing.
fn lane_rank(stage: &str) -> (u8, String) {
    let rank = match stage {
        "pre-processing" => 0,
        "decoding" => 2,
        "writing" => 3,
        _ => 1,
    };
    (rank, stage.to_owned())
}

/// The overlapped replay's stages above the sequential one's, over the same span of time.
fn timeline(path: &Path, overlapped: &[StageSpan], sequential: &[StageSpan]) -> Result<(), String> {
    let root = SVGBackend::new(path, (1100, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|error| error.to_string())?;
    let root = root
        .titled(
            "Stages per frame set (one colour per frame set, same time scale)",
            ("sans-serif", 20),
        )
        .map_err(|error| error.to_string())?;
    let windows = [overlapped, sequential].map(window);
    let longest = windows
        .iter()
        .map(|(start, end)| end - start)
        .fold(1.0, f64::max);
    let areas = root.split_evenly((2, 1));
    for ((area, spans), (title, (start, _))) in areas.iter().zip([overlapped, sequential]).zip(
        ["overlapped (concurrent) replay", "sequential replay"]
            .into_iter()
            .zip(windows),
    ) {
        lanes(area, title, spans, start, longest)?;
    }
    root.present().map_err(|error| error.to_string())
}

/// The time window of [`TIMELINE_FRAME_SETS`] frame sets written after the first
/// [`TIMELINE_SKIP`]: from the end of one write to the end of a later one.
fn window(spans: &[StageSpan]) -> (f64, f64) {
    let mut writes: Vec<f64> = spans
        .iter()
        .filter(|span| span.stage == "writing")
        .map(|span| span.end_ms)
        .collect();
    writes.sort_by(f64::total_cmp);
    let at = |index: usize| {
        writes
            .get(index.min(writes.len().saturating_sub(1)))
            .copied()
    };
    match (at(TIMELINE_SKIP), at(TIMELINE_SKIP + TIMELINE_FRAME_SETS)) {
        (Some(start), Some(end)) if end > start => (start, end),
        _ => (
            0.0,
            spans.iter().map(|span| span.end_ms).fold(1.0, f64::max),
        ),
    }
}

fn lanes(
    area: &Area<'_>,
    title: &str,
    spans: &[StageSpan],
    start: f64,
    length: f64,
) -> Result<(), String> {
    let mut names: Vec<(u8, String)> = spans.iter().map(|span| lane_rank(&span.stage)).collect();
    names.sort();
    names.dedup();
    let lane = |stage: &str| {
        names
            .iter()
            .position(|(_, name)| name == stage)
            .unwrap_or(0)
    };
    let count = names.len().max(1);
    let labels: Vec<String> = names.iter().map(|(_, name)| name.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(150)
        .build_cartesian_2d(0.0..length, 0.0..count as f64)
        .map_err(|error| error.to_string())?;
    chart
        .configure_mesh()
        .x_desc("ms")
        .y_labels(count * 2 + 1)
        .y_label_formatter(&|value| {
            let lane = value.floor() as usize;
            if (value - value.floor() - 0.5).abs() < 1e-6 {
                labels
                    .get(count.saturating_sub(1 + lane))
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        })
        .disable_y_mesh()
        .draw()
        .map_err(|error| error.to_string())?;
    let shown = spans
        .iter()
        .filter(|span| span.end_ms > start && span.start_ms < start + length);
    chart
        .draw_series(shown.map(|span| {
            // Lanes from the top: the first lane has the highest y.
            let row = (count - 1 - lane(&span.stage)) as f64;
            let color = PALETTE[span.frame % PALETTE.len()];
            Rectangle::new(
                [
                    ((span.start_ms - start).max(0.0), row + 0.15),
                    ((span.end_ms - start).min(length), row + 0.85),
                ],
                color.filled(),
            )
        }))
        .map_err(|error| error.to_string())?;
    Ok(())
}

/// Each comparison's median ratio as a bar, its range as a whisker, 1 marked.
fn bars(path: &Path, comparisons: &[Comparison]) -> Result<(), String> {
    let height = 80 + 70 * comparisons.len() as u32;
    let root = SVGBackend::new(path, (1000, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|error| error.to_string())?;
    let highest = comparisons
        .iter()
        .map(|comparison| comparison.ratio.max)
        .fold(1.0, f64::max)
        * 1.15;
    let count = comparisons.len();
    let names: Vec<String> = comparisons
        .iter()
        .map(|comparison| comparison.name.clone())
        .collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "B's time over A's per round (median, range): above 1, A is faster",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(230)
        .build_cartesian_2d(0.0..highest, 0.0..count as f64)
        .map_err(|error| error.to_string())?;
    chart
        .configure_mesh()
        .x_desc("ratio")
        .y_labels(count * 2 + 1)
        .y_label_formatter(&|value| {
            let row = value.floor() as usize;
            if (value - value.floor() - 0.5).abs() < 1e-6 {
                names
                    .get(count.saturating_sub(1 + row))
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        })
        .disable_y_mesh()
        .draw()
        .map_err(|error| error.to_string())?;
    for (index, comparison) in comparisons.iter().enumerate() {
        let row = (count - 1 - index) as f64;
        let ratio = comparison.ratio;
        chart
            .draw_series([Rectangle::new(
                [(0.0, row + 0.25), (ratio.median, row + 0.75)],
                PALETTE[index % PALETTE.len()].mix(0.8).filled(),
            )])
            .map_err(|error| error.to_string())?;
        chart
            .draw_series([PathElement::new(
                vec![(ratio.min, row + 0.5), (ratio.max, row + 0.5)],
                BLACK.stroke_width(2),
            )])
            .map_err(|error| error.to_string())?;
        chart
            .draw_series([Text::new(
                format!(
                    "{:.2}× — A: {}; B: {}",
                    ratio.median, comparison.a, comparison.b
                ),
                (highest * 0.02, row + 0.12),
                ("sans-serif", 12),
            )])
            .map_err(|error| error.to_string())?;
    }
    chart
        .draw_series([PathElement::new(
            vec![(1.0, 0.0), (1.0, count as f64)],
            RED.stroke_width(1),
        )])
        .map_err(|error| error.to_string())?;
    root.present().map_err(|error| error.to_string())
}
