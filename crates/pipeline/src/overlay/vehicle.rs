//! The top-down vehicle icon between the side cameras: body outline, front marker, and each
//! camera's position with a ray along its optical axis.

use super::colors::{detection_color, TEXT, VEHICLE_BODY};
use super::draw::Canvas;
use super::font::text_height;
use super::layout::{azimuth_degrees, Rect};
use image::RgbImage;
use panoptes_rig::CameraRig;

/// Draws the icon into `rect`: front up, the vehicle's left on the left.
pub fn draw_vehicle(image: &mut RgbImage, rect: Rect, rig: &CameraRig, text_scale: u32) {
    let mut canvas = Canvas::new(image, rect);
    let positions: Vec<(f64, f64)> = rig
        .cameras()
        .iter()
        .map(|camera| {
            let t = camera.sensor_to_ego.translation.vector;
            (t.x, t.y)
        })
        .collect();
    let fold = |pick: fn(&(f64, f64)) -> f64, init: f64, merge: fn(f64, f64) -> f64| {
        positions.iter().map(pick).fold(init, merge)
    };
    // The body spans the cameras, and is at least a small car's size.
    let front = fold(|p| p.0, f64::MIN, f64::max);
    let rear = fold(|p| p.0, f64::MAX, f64::min).min(front - 4.0);
    let half_width = fold(|p| p.1.abs(), 0.9, f64::max);
    let length = front - rear;

    let margin = f64::from(text_height(text_scale) + 4 * text_scale);
    let usable_height = (f64::from(rect.height) - 2.0 * margin).max(8.0);
    let usable_width = (f64::from(rect.width) - 2.0 * margin).max(8.0);
    let pixels_per_metre = (usable_height / length).min(usable_width / (2.0 * half_width));
    let (centre_x, centre_y) = rect.centre();
    let middle = (front + rear) / 2.0;
    // Ego x forward → up; ego y left → left.
    let to_pixel = |x: f64, y: f64| {
        (
            (centre_x - y * pixels_per_metre) as f32,
            (centre_y - (x - middle) * pixels_per_metre) as f32,
        )
    };

    let (left, top) = to_pixel(front, half_width);
    let (right, bottom) = to_pixel(rear, -half_width);
    let (left, top, right, bottom) = (left as i64, top as i64, right as i64, bottom as i64);
    canvas.fill_rect(left, top, right - left, bottom - top, VEHICLE_BODY);
    canvas.stroke_rect(left, top, right - left, bottom - top, 2, TEXT);
    // In the corner, clear of the rays that leave the body's front edge.
    let (corner_x, corner_y) = (i64::from(rect.x), i64::from(rect.y));
    canvas.text(corner_x + 2, corner_y + 2, "^ FRONT", text_scale, TEXT);

    let ray = (length * pixels_per_metre * 0.25) as f32;
    for (index, camera) in rig.cameras().iter().enumerate() {
        let (x, y) = positions[index];
        let origin = to_pixel(x, y);
        let azimuth = azimuth_degrees(camera).to_radians() as f32;
        // Azimuth 0 points up, +90° (left) points left.
        let tip = (
            origin.0 - ray * azimuth.sin(),
            origin.1 - ray * azimuth.cos(),
        );
        let color = detection_color(index);
        canvas.line(origin, tip, 2, color);
        canvas.disc(origin, 3.0, color);
    }
}
