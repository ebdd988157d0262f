//! One camera's tile: image, segmentation tint, boxes, skeletons, depth inset and name.

use super::colors::{depth_color, detection_color, skeleton_color, tint_color, MISSING_GREY, TEXT};
use super::draw::{wrap, Canvas};
use super::font::{text_height, text_width};
use super::layout::Rect;
use super::scale::{nearest_indices, scale as scale_image};
use super::{OverlayCamera, OverlayStyle};
use image::RgbImage;
use ndarray::ArrayView2;
use panoptes_heads::{Detection, COCO_KEYPOINT_NAMES, COCO_SKELETON};
use panoptes_rig::Camera;

/// Draws `camera`'s tile into `rect` of `canvas`.
pub fn render_tile(
    image: &mut RgbImage,
    rect: Rect,
    camera: &Camera,
    data: Option<&OverlayCamera<'_>>,
    style: &OverlayStyle,
) {
    let missing = missing_reason(data);
    let mut canvas = Canvas::new(image, rect);
    let (x, y) = (i64::from(rect.x), i64::from(rect.y));
    let scale = style.text_scale.max(1);
    let frame = match (missing, data.and_then(|data| data.image)) {
        (None, Some(frame)) => frame,
        (reason, _) => {
            let reason = reason.unwrap_or_else(|| "no image".to_owned());
            missing_tile(&mut canvas, rect, &camera.name, &reason, scale);
            return;
        }
    };
    let height = scaled_height(frame, rect.width).min(rect.height);
    let area = Rect { height, ..rect };
    let scaled = scale_image(frame, area.width, area.height);
    for (column, row, pixel) in scaled.enumerate_pixels() {
        canvas.put(x + i64::from(column), y + i64::from(row), *pixel);
    }
    let Some(data) = data else { return };
    for (head_index, (_, mask)) in data.masks.iter().enumerate() {
        tint(&mut canvas, area, mask, head_index, style.mask_alpha);
    }
    let to_tile = (
        area.width as f32 / frame.width().max(1) as f32,
        area.height as f32 / frame.height().max(1) as f32,
    );
    for truth in data.truth {
        let [left, top, width, height] = truth.box_xywh;
        let (left, top) = (left as f32 * to_tile.0, top as f32 * to_tile.1);
        let (width, height) = (width as f32 * to_tile.0, height as f32 * to_tile.1);
        let (x0, y0) = (x + left.round() as i64, y + top.round() as i64);
        let (w, h) = (
            width.round().max(1.0) as i64,
            height.round().max(1.0) as i64,
        );
        canvas.stroke_rect(x0, y0, w, h, 1, TRUTH_WHITE);
        let label_scale = style.label_scale.max(1);
        canvas.text(
            x0 + 1,
            y0 + h + 1,
            &format!("gt:{}", truth.class),
            label_scale,
            TRUTH_WHITE,
        );
    }
    if let Some(perception) = data.perception {
        for detection in &perception.detections {
            draw_instance_mask(&mut canvas, area, detection, to_tile, style.mask_alpha);
        }
        for detection in &perception.detections {
            draw_skeleton(&mut canvas, area, detection, to_tile, style);
        }
        draw_heatmap_keypoints(&mut canvas, area, perception, to_tile);
        for detection in &perception.detections {
            draw_box(&mut canvas, area, detection, to_tile, style);
        }
        let mut placed = Vec::new();
        for detection in &perception.detections {
            draw_label(&mut canvas, area, detection, to_tile, style, &mut placed);
        }
    }
    if let Some(depth) = &data.depth {
        depth_inset(&mut canvas, area, depth, style);
    }
    let count = data.perception.map_or(0, |p| p.detections.len());
    canvas.label(x, y, &format!("{} ({count})", camera.name), scale);
}

/// Outline colour of ground-truth boxes.
const TRUTH_WHITE: image::Rgb<u8> = image::Rgb([255, 255, 255]);

/// Why a camera has no tile image, or `None` when it has one.
fn missing_reason(data: Option<&OverlayCamera<'_>>) -> Option<String> {
    let Some(data) = data else {
        return Some("not in frame set".to_owned());
    };
    if let Some(reason) = data.perception.and_then(|p| p.missing.as_ref()) {
        return Some(reason.clone());
    }
    data.image.is_none().then(|| "no image".to_owned())
}

fn missing_tile(canvas: &mut Canvas<'_>, rect: Rect, name: &str, reason: &str, scale: u32) {
    let (x, y) = (i64::from(rect.x), i64::from(rect.y));
    canvas.fill_rect(
        x,
        y,
        i64::from(rect.width),
        i64::from(rect.height),
        MISSING_GREY,
    );
    canvas.label(x, y, name, scale);
    let line_height = i64::from(text_height(scale) + 2 * scale);
    let margin = i64::from(2 * scale);
    let lines = wrap(
        &format!("MISSING: {reason}"),
        scale,
        rect.width.saturating_sub(4 * scale),
    );
    let top = y + i64::from(rect.height) / 2 - line_height * lines.len() as i64 / 2;
    for (index, line) in lines.iter().enumerate() {
        canvas.text(
            x + margin,
            top + index as i64 * line_height,
            line,
            scale,
            TEXT,
        );
    }
}

/// The height of `frame` scaled to `width`, keeping its aspect ratio.
fn scaled_height(frame: &RgbImage, width: u32) -> u32 {
    let scaled = u64::from(width) * u64::from(frame.height()) / u64::from(frame.width().max(1));
    scaled.max(1) as u32
}

/// Blends each non-zero class's colour over the image, sampling the mask at the nearest pixel.
fn tint(canvas: &mut Canvas<'_>, area: Rect, mask: &ArrayView2<'_, u8>, head: usize, alpha: f32) {
    let (rows, columns) = mask.dim();
    if rows == 0 || columns == 0 {
        return;
    }
    let row_indices = nearest_indices(area.height, rows);
    let column_indices = nearest_indices(area.width, columns);
    for (tile_row, &row) in row_indices.iter().enumerate() {
        let py = i64::from(area.y) + tile_row as i64;
        for (tile_column, &column) in column_indices.iter().enumerate() {
            let class = mask[[row, column]];
            if class != 0 {
                let px = i64::from(area.x) + tile_column as i64;
                canvas.blend(px, py, tint_color(head, class), alpha);
            }
        }
    }
}

/// Blends the detection's colour over its instance mask, sampled at the nearest original pixel.
fn draw_instance_mask(
    canvas: &mut Canvas<'_>,
    area: Rect,
    detection: &Detection,
    to_tile: (f32, f32),
    alpha: f32,
) {
    let Some(mask) = &detection.mask else {
        return;
    };
    let [left, top, width, height] = mask.rectangle;
    if width == 0 || height == 0 || to_tile.0 <= 0.0 || to_tile.1 <= 0.0 {
        return;
    }
    let mut on = vec![false; width * height];
    for (y, start, end) in mask.spans() {
        let row = (y - top) * width;
        on[row + start - left..row + end - left].fill(true);
    }
    let color = detection_color(detection.class_id);
    let tile_range = |start: usize, length: usize, scale: f32| {
        let first = (start as f32 * scale).floor() as i64;
        let last = ((start + length) as f32 * scale).ceil() as i64;
        first..last
    };
    for tile_y in tile_range(top, height, to_tile.1) {
        let y = ((tile_y as f32 + 0.5) / to_tile.1) as usize;
        if y < top || y >= top + height {
            continue;
        }
        for tile_x in tile_range(left, width, to_tile.0) {
            let x = ((tile_x as f32 + 0.5) / to_tile.0) as usize;
            if x >= left && x < left + width && on[(y - top) * width + x - left] {
                canvas.blend(
                    i64::from(area.x) + tile_x,
                    i64::from(area.y) + tile_y,
                    color,
                    alpha,
                );
            }
        }
    }
}

fn tile_box(area: Rect, detection: &Detection, to_tile: (f32, f32)) -> Option<[i64; 4]> {
    let [bx, by, bw, bh] = detection.box_xywh;
    if ![bx, by, bw, bh].iter().all(|v| v.is_finite()) {
        return None;
    }
    Some([
        i64::from(area.x) + (bx * to_tile.0).round() as i64,
        i64::from(area.y) + (by * to_tile.1).round() as i64,
        ((bw * to_tile.0).round() as i64).max(1),
        ((bh * to_tile.1).round() as i64).max(1),
    ])
}

fn draw_box(
    canvas: &mut Canvas<'_>,
    area: Rect,
    detection: &Detection,
    to_tile: (f32, f32),
    style: &OverlayStyle,
) {
    if let Some([left, top, width, height]) = tile_box(area, detection, to_tile) {
        let color = detection_color(detection.class_id);
        let thickness = i64::from(style.box_thickness);
        canvas.stroke_rect(left, top, width, height, thickness, color);
    }
}

/// Writes `label score` by the box: above it, else just inside its top, below it, or inside
/// its bottom, whichever first stays in the tile and clear of the labels already placed.
fn draw_label(
    canvas: &mut Canvas<'_>,
    area: Rect,
    detection: &Detection,
    to_tile: (f32, f32),
    style: &OverlayStyle,
    placed: &mut Vec<[i64; 4]>,
) {
    let Some([left, top, _, height]) = tile_box(area, detection, to_tile) else {
        return;
    };
    let text = format!("{} {:.2}", detection.label, detection.score);
    let scale = style.label_scale.max(1);
    let label_width = i64::from(text_width(&text, scale) + 3 * scale);
    let label_height = i64::from(text_height(scale) + 2 * scale);
    let (area_top, area_bottom) = (i64::from(area.y), i64::from(area.y + area.height));
    let candidates = [
        top - label_height,
        top,
        top + height,
        top + height - label_height,
    ];
    let fits = |y: &i64| *y >= area_top && *y + label_height <= area_bottom;
    let clear = |y: &i64| {
        placed.iter().all(|[px, py, pw, ph]| {
            left + label_width <= *px
                || *px + *pw <= left
                || *y + label_height <= *py
                || *py + *ph <= *y
        })
    };
    let label_top = candidates
        .iter()
        .copied()
        .find(|y| fits(y) && clear(y))
        .or_else(|| candidates.iter().copied().find(fits))
        .unwrap_or(top);
    placed.push([left, label_top, label_width, label_height]);
    // A bar of the class colour ties the label to its box.
    let color = detection_color(detection.class_id);
    canvas.fill_rect(left, label_top, i64::from(scale), label_height, color);
    canvas.label(left + i64::from(scale), label_top, &text, scale);
}

fn draw_skeleton(
    canvas: &mut Canvas<'_>,
    area: Rect,
    detection: &Detection,
    to_tile: (f32, f32),
    style: &OverlayStyle,
) {
    let Some(keypoints) = &detection.keypoints else {
        return;
    };
    let confident: Vec<Option<[f32; 2]>> = keypoints
        .iter()
        .map(|&[kx, ky, score]| (score > style.keypoint_threshold).then_some([kx, ky]))
        .collect();
    draw_pose(
        canvas,
        area,
        &confident,
        to_tile,
        skeleton_color(detection.class_id),
    );
}

/// A heatmap keypoint head's points (already thresholded by the head), in the colour of the
/// head's place among the camera's keypoint heads.
fn draw_heatmap_keypoints(
    canvas: &mut Canvas<'_>,
    area: Rect,
    perception: &crate::record::CameraPerception,
    to_tile: (f32, f32),
) {
    for (head_index, points) in perception.keypoints.values().enumerate() {
        let points: Vec<Option<[f32; 2]>> = points
            .iter()
            .map(|point| point.map(|[kx, ky, _]| [kx, ky]))
            .collect();
        draw_pose(canvas, area, &points, to_tile, tint_color(head_index, 2));
    }
}

/// Keypoints (original pixels; `None` is not drawn) as white dots, joined by the COCO
/// skeleton's limbs in `color` when there are 17 of them.
fn draw_pose(
    canvas: &mut Canvas<'_>,
    area: Rect,
    keypoints: &[Option<[f32; 2]>],
    to_tile: (f32, f32),
    color: image::Rgb<u8>,
) {
    let point = |index: usize| {
        keypoints
            .get(index)
            .copied()
            .flatten()
            .filter(|[kx, ky]| kx.is_finite() && ky.is_finite())
            .map(|[kx, ky]| {
                (
                    area.x as f32 + kx * to_tile.0,
                    area.y as f32 + ky * to_tile.1,
                )
            })
    };
    if keypoints.len() == COCO_KEYPOINT_NAMES.len() {
        for [from, to] in COCO_SKELETON {
            if let (Some(a), Some(b)) = (point(from), point(to)) {
                canvas.line(a, b, 2, color);
            }
        }
    }
    for index in 0..keypoints.len() {
        if let Some(centre) = point(index) {
            canvas.disc(centre, 2.5, TEXT);
        }
    }
}

/// A depth colour map of the whole view, shrunk into the tile's bottom-right corner.
fn depth_inset(
    canvas: &mut Canvas<'_>,
    area: Rect,
    depth: &ArrayView2<'_, f32>,
    style: &OverlayStyle,
) {
    let (rows, columns) = depth.dim();
    if rows == 0 || columns == 0 {
        return;
    }
    let width = ((area.width as f32 * style.depth_inset_fraction.clamp(0.1, 1.0)) as u32).max(8);
    let height = ((u64::from(width) * rows as u64 / columns as u64) as u32).clamp(1, area.height);
    let left = i64::from(area.x + area.width - width);
    let top = i64::from(area.y + area.height - height);
    canvas.fill_rect(
        left - 1,
        top - 1,
        i64::from(width) + 1,
        i64::from(height) + 1,
        TEXT,
    );
    let column_indices = nearest_indices(width, columns);
    for (inset_row, row) in nearest_indices(height, rows).into_iter().enumerate() {
        for (inset_column, &column) in column_indices.iter().enumerate() {
            let color = depth_color(depth[[row, column]], style.depth_max_m);
            canvas.put(left + inset_column as i64, top + inset_row as i64, color);
        }
    }
    let legend = format!("depth 0-{:.0} m", style.depth_max_m);
    canvas.label(left, top, &legend, style.label_scale.max(1));
}
