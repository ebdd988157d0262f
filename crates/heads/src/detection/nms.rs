//! Greedy non-maximum suppression.

use super::Candidate;

/// Intersection over union of two `[x1, y1, x2, y2]` boxes; 0 when the union is empty (two
/// zero-area boxes never suppress each other).
#[inline]
pub fn iou(first: &[f32; 4], second: &[f32; 4]) -> f32 {
    let width = (first[2].min(second[2]) - first[0].max(second[0])).max(0.0);
    let height = (first[3].min(second[3]) - first[1].max(second[1])).max(0.0);
    let intersection = width * height;
    let area = |b: &[f32; 4]| (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0);
    let union = area(first) + area(second) - intersection;
    if union > 0.0 {
        intersection / union
    } else {
        0.0
    }
}

/// Sorts `candidates` by descending score (ties keep their row order, so results are
/// deterministic) and writes into `kept` the indices of the survivors, at most `max_count`:
/// a candidate is dropped when its IoU with a kept box of the same class (any class when
/// `class_agnostic`) exceeds `iou_threshold`.
pub fn non_maximum_suppression(
    candidates: &mut [Candidate],
    iou_threshold: f32,
    class_agnostic: bool,
    max_count: usize,
    kept: &mut Vec<usize>,
) {
    kept.clear();
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    for (index, candidate) in candidates.iter().enumerate() {
        if kept.len() >= max_count {
            break;
        }
        let suppressed = kept.iter().any(|&other| {
            let other = &candidates[other];
            (class_agnostic || other.class_id == candidate.class_id)
                && iou(&other.corners, &candidate.corners) > iou_threshold
        });
        if !suppressed {
            kept.push(index);
        }
    }
}
