//! Heatmap keypoints (`[K, H, W]` per camera) and the COCO-17 person skeleton.

use ndarray::ArrayView3;

use crate::config::KeypointsConfig;
use crate::transform::{InputSize, ModelToImage};

/// The 17 COCO person keypoints, in channel order.
pub const COCO_KEYPOINT_NAMES: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

/// The COCO-17 skeleton: pairs of keypoint indices (0-based) joined by a limb.
pub const COCO_SKELETON: [[usize; 2]; 19] = [
    [15, 13],
    [13, 11],
    [16, 14],
    [14, 12],
    [11, 12],
    [5, 11],
    [6, 12],
    [5, 6],
    [5, 7],
    [6, 8],
    [7, 9],
    [8, 10],
    [1, 2],
    [0, 1],
    [0, 2],
    [1, 3],
    [2, 4],
    [3, 5],
    [4, 6],
];

/// The name of keypoint `index` of a head: its `classes` entry, else the COCO name for a
/// 17-keypoint head, else `keypoint_<index>`.
pub fn keypoint_name(config: &KeypointsConfig, index: usize) -> String {
    if let Some(name) = config.classes.get(index) {
        return name.clone();
    }
    if config.keypoints == COCO_KEYPOINT_NAMES.len() {
        if let Some(name) = COCO_KEYPOINT_NAMES.get(index) {
            return (*name).to_owned();
        }
    }
    format!("keypoint_{index}")
}

/// Offset in (−0.5, 0.5) of the vertex of the parabola through three samples around a peak.
#[inline]
pub fn quadratic_peak_offset(before: f32, peak: f32, after: f32) -> f32 {
    let curvature = before - 2.0 * peak + after;
    if curvature < 0.0 {
        let offset = (before - after) / (2.0 * curvature);
        if offset.is_finite() {
            return offset.clamp(-0.5, 0.5);
        }
    }
    0.0
}

/// Decodes one camera's heatmaps into `points` (one per channel: `[x, y, score]` in original
/// pixels, or `None` below the threshold); returns the number of non-finite values.
pub(crate) fn decode_heatmaps(
    config: &KeypointsConfig,
    input: InputSize,
    heatmaps: ArrayView3<'_, f32>,
    transform: &ModelToImage,
    points: &mut Vec<Option<[f32; 3]>>,
) -> usize {
    let (_, height, width) = heatmaps.dim();
    let cell = [
        input.width as f32 / width as f32,
        input.height as f32 / height as f32,
    ];
    let mut non_finite = 0;
    points.clear();
    for heatmap in heatmaps.outer_iter() {
        let mut peak: Option<(usize, usize, f32)> = None;
        for ((y, x), &value) in heatmap.indexed_iter() {
            if !value.is_finite() {
                non_finite += 1;
            } else if peak.is_none_or(|(_, _, best)| value > best) {
                peak = Some((y, x, value));
            }
        }
        let point = peak
            .filter(|&(_, _, score)| score >= config.score_threshold)
            .map(|(y, x, score)| {
                let sample = |y: usize, x: usize| heatmap[[y, x]];
                let refine = |before: Option<f32>, after: Option<f32>| match (before, after) {
                    (Some(before), Some(after)) if before.is_finite() && after.is_finite() => {
                        quadratic_peak_offset(before, score, after)
                    }
                    _ => 0.0,
                };
                let dx = refine(
                    x.checked_sub(1).map(|x| sample(y, x)),
                    (x + 1 < width).then(|| sample(y, x + 1)),
                );
                let dy = refine(
                    y.checked_sub(1).map(|y| sample(y, x)),
                    (y + 1 < height).then(|| sample(y + 1, x)),
                );
                let model_x = (x as f32 + dx + 0.5) * cell[0];
                let model_y = (y as f32 + dy + 0.5) * cell[1];
                let [image_x, image_y] = transform.to_image(model_x, model_y);
                [image_x, image_y, score]
            });
        points.push(point);
    }
    non_finite
}
