//! Row layouts of the supported detection formats → candidates in original pixels.

use ndarray::{ArrayViewD, CowArray, IxDyn};

use super::{Candidate, DetectionContext, DetectionScratch};
use crate::shape::{anchor_count, grid_size, row_width};

/// A contiguous copy-free view when possible (outputs of ONNX Runtime always are).
fn contiguous<'a>(view: &'a ArrayViewD<'_, f32>) -> CowArray<'a, f32, IxDyn> {
    view.as_standard_layout()
}

#[inline]
fn sigmoid(value: f32) -> f32 {
    1.0 / (1.0 + (-value).exp())
}

/// The best class of a row's class scores, or `None` when one of them is not finite.
#[inline]
fn best_class(scores: &[f32]) -> Option<(usize, f32)> {
    let mut best = (0, f32::NEG_INFINITY);
    let mut finite = true;
    for (class, &score) in scores.iter().enumerate() {
        finite &= score.is_finite();
        if score > best.1 {
            best = (class, score);
        }
    }
    finite.then_some(best)
}

/// Maps a model-pixel centre box to original pixels, unclipped: suppression compares the boxes
/// the model gave, as the tools' own post-processing does, and clipping comes after it.
/// Keypoints must already be in `scratch.keypoints` from `keypoint_start`.
#[inline]
fn push(
    context: DetectionContext<'_>,
    scratch: &mut DetectionScratch,
    center_box: [f32; 4],
    score: f32,
    class_id: usize,
    keypoint_start: usize,
) {
    let [cx, cy, w, h] = center_box;
    let transform = context.transform;
    let corners = transform.box_to_image([cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]);
    if corners[2] > corners[0] && corners[3] > corners[1] {
        scratch.candidates.push(Candidate {
            corners,
            score,
            class_id,
            keypoint_start,
            row: 0,
        });
    } else {
        scratch.keypoints.truncate(keypoint_start);
    }
}

/// Appends keypoints given as (x, y, score) triples in model pixels, mapped and clipped.
/// A candidate without keypoints; false (nothing pushed) when the decoded box is not finite.
fn push_box(
    context: DetectionContext<'_>,
    scratch: &mut DetectionScratch,
    center_box: [f32; 4],
    score: f32,
    class_id: usize,
) -> bool {
    if !center_box.iter().all(|v| v.is_finite()) {
        return false;
    }
    let start = scratch.keypoints.len();
    push(context, scratch, center_box, score, class_id, start);
    true
}

fn push_keypoints(
    context: DetectionContext<'_>,
    scratch: &mut DetectionScratch,
    triples: impl Iterator<Item = [f32; 3]>,
) {
    let transform = context.transform;
    let (width, height) = (transform.width as f32, transform.height as f32);
    scratch.keypoints.extend(triples.map(|[x, y, score]| {
        let [x, y] = transform.to_image(x, y);
        [x.clamp(0.0, width), y.clamp(0.0, height), score]
    }));
}

/// YOLOX: probabilities; the score is objectness × best class score. A row whose objectness is
/// below the threshold is rejected before its other values are read (class scores ≤ 1).
pub(super) fn yolox(
    context: DetectionContext<'_>,
    output: &ArrayViewD<'_, f32>,
    scratch: &mut DetectionScratch,
) -> usize {
    let values = contiguous(output);
    let Some(values) = values.as_slice() else {
        return 0;
    };
    let width = row_width(context.config);
    let threshold = context.config.score_threshold;
    let mut rows = values.chunks_exact(width);
    let mut skipped = 0;
    for &stride in &context.config.strides {
        let (columns, lines) = grid_size(context.input, stride);
        let step = stride as f32;
        for cell_y in 0..lines {
            for cell_x in 0..columns {
                let Some(row) = rows.next() else {
                    return skipped;
                };
                let objectness = row[4];
                if !objectness.is_finite() {
                    skipped += 1;
                    continue;
                }
                if objectness < threshold {
                    continue;
                }
                let Some((class_id, class_score)) = best_class(&row[5..]) else {
                    skipped += 1;
                    continue;
                };
                let score = objectness * class_score;
                if !score.is_finite() {
                    skipped += 1;
                    continue;
                }
                if score < threshold {
                    continue;
                }
                let center_box = [
                    (row[0] + cell_x as f32) * step,
                    (row[1] + cell_y as f32) * step,
                    row[2].exp() * step,
                    row[3].exp() * step,
                ];
                skipped += usize::from(!push_box(context, scratch, center_box, score, class_id));
            }
        }
    }
    skipped
}

/// YOLOv5 / YOLOP before their Detect decoding: raw logits with anchors, rows ordered
/// [anchor, y, x] per stride; one flattened output or one output per stride.
pub(super) fn yolov5_raw(
    context: DetectionContext<'_>,
    outputs: &[ArrayViewD<'_, f32>],
    scratch: &mut DetectionScratch,
) -> usize {
    let config = context.config;
    let width = row_width(config);
    let anchors = config.anchors.as_deref().unwrap_or_default();
    let per_cell = anchor_count(config);
    let threshold = config.score_threshold;
    // σ(objectness) ≥ threshold ⇔ objectness ≥ logit(threshold): reject before any exp.
    let objectness_floor = (threshold / (1.0 - threshold)).ln();
    let views: Vec<CowArray<'_, f32, IxDyn>> = outputs.iter().map(contiguous).collect();
    let mut skipped = 0;
    let mut rows = views
        .first()
        .and_then(|view| view.as_slice())
        .unwrap_or_default()
        .chunks_exact(width);
    for (level, &stride) in config.strides.iter().enumerate() {
        if views.len() > 1 {
            let slice = views
                .get(level)
                .and_then(|view| view.as_slice())
                .unwrap_or_default();
            rows = slice.chunks_exact(width);
        }
        let (columns, lines) = grid_size(context.input, stride);
        let step = stride as f32;
        for anchor in 0..per_cell {
            let [anchor_w, anchor_h] = anchors
                .get(level)
                .and_then(|group| group.get(anchor))
                .copied()
                .unwrap_or([1.0, 1.0]);
            for cell_y in 0..lines {
                for cell_x in 0..columns {
                    let Some(row) = rows.next() else {
                        return skipped;
                    };
                    if !row[4].is_finite() {
                        skipped += 1;
                        continue;
                    }
                    if row[4] < objectness_floor {
                        continue;
                    }
                    let Some((class_id, class_logit)) = best_class(&row[5..]) else {
                        skipped += 1;
                        continue;
                    };
                    let score = sigmoid(row[4]) * sigmoid(class_logit);
                    if score < threshold {
                        continue;
                    }
                    let center_box = [
                        (2.0 * sigmoid(row[0]) - 0.5 + cell_x as f32) * step,
                        (2.0 * sigmoid(row[1]) - 0.5 + cell_y as f32) * step,
                        (2.0 * sigmoid(row[2])).powi(2) * anchor_w,
                        (2.0 * sigmoid(row[3])).powi(2) * anchor_h,
                    ];
                    skipped +=
                        usize::from(!push_box(context, scratch, center_box, score, class_id));
                }
            }
        }
    }
    skipped
}

/// YOLOv8 (and YOLOv8-pose): `[4 + C + 3K, rows]`, channel planes; decoded pixel boxes and
/// class probabilities, no objectness.
pub(super) fn yolov8(
    context: DetectionContext<'_>,
    output: &ArrayViewD<'_, f32>,
    scratch: &mut DetectionScratch,
) -> usize {
    let config = context.config;
    let values = contiguous(output);
    let Some(values) = values.as_slice() else {
        return 0;
    };
    let channels = row_width(config);
    let rows = values.len() / channels.max(1);
    let classes = config.classes.len();
    let plane = |channel: usize| &values[channel * rows..(channel + 1) * rows];
    scratch.best_score.clear();
    scratch.best_score.resize(rows, f32::NEG_INFINITY);
    scratch.best_class.clear();
    scratch.best_class.resize(rows, 0);
    scratch.broken.clear();
    scratch.broken.resize(rows, false);
    // Channel by channel keeps the reads sequential.
    for channel in 0..4 {
        for (broken, value) in scratch.broken.iter_mut().zip(plane(channel)) {
            *broken |= !value.is_finite();
        }
    }
    for class in 0..classes {
        let scores = plane(4 + class);
        for (row, &score) in scores.iter().enumerate() {
            scratch.broken[row] |= !score.is_finite();
            if score > scratch.best_score[row] {
                scratch.best_score[row] = score;
                scratch.best_class[row] = class as u32;
            }
        }
    }
    let keypoint_channels = 4 + classes;
    let mut skipped = 0;
    for row in 0..rows {
        if scratch.broken[row] {
            skipped += 1;
            continue;
        }
        let score = scratch.best_score[row];
        if score < config.score_threshold {
            continue;
        }
        let triple = |k: usize| {
            let base = keypoint_channels + 3 * k;
            [plane(base)[row], plane(base + 1)[row], plane(base + 2)[row]]
        };
        if !(0..config.keypoints).all(|k| triple(k).iter().all(|v| v.is_finite())) {
            skipped += 1;
            continue;
        }
        let start = scratch.keypoints.len();
        push_keypoints(context, scratch, (0..config.keypoints).map(triple));
        let center_box = [plane(0)[row], plane(1)[row], plane(2)[row], plane(3)[row]];
        let before = scratch.candidates.len();
        push(
            context,
            scratch,
            center_box,
            score,
            scratch.best_class[row] as usize,
            start,
        );
        if let Some(candidate) = scratch.candidates.get_mut(before) {
            candidate.row = row; // where its mask coefficients are
        }
    }
    skipped
}

/// Our own format, and YOLOv5's export (K = 0): `[rows, 5 + C + 3K]`, everything already in
/// model pixels / probabilities.
pub(super) fn panoptes(
    context: DetectionContext<'_>,
    output: &ArrayViewD<'_, f32>,
    scratch: &mut DetectionScratch,
) -> usize {
    let config = context.config;
    let values = contiguous(output);
    let Some(values) = values.as_slice() else {
        return 0;
    };
    let classes = config.classes.len();
    let threshold = config.score_threshold;
    let mut skipped = 0;
    for row in values.chunks_exact(row_width(config)) {
        let objectness = row[4];
        if !objectness.is_finite() {
            skipped += 1;
            continue;
        }
        if objectness < threshold {
            continue;
        }
        let Some((class_id, class_score)) = best_class(&row[5..5 + classes]) else {
            skipped += 1;
            continue;
        };
        let score = objectness * class_score;
        if !score.is_finite() {
            skipped += 1;
            continue;
        }
        if score < threshold {
            continue;
        }
        let keypoints = &row[5 + classes..];
        if !row[..4].iter().chain(keypoints).all(|v| v.is_finite()) {
            skipped += 1;
            continue;
        }
        let start = scratch.keypoints.len();
        push_keypoints(
            context,
            scratch,
            keypoints
                .chunks_exact(3)
                .map(|triple| [triple[0], triple[1], triple[2]]),
        );
        push(
            context,
            scratch,
            [row[0], row[1], row[2], row[3]],
            score,
            class_id,
            start,
        );
    }
    skipped
}
