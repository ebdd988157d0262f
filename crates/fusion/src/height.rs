//! The apparent height of an object as a second range cue for the ground-plane method.
//!
//! The ground plane is exact only where the road is flat: a road rising 0.2 m over 40 m (a
//! gentle 0.5 % grade) makes a camera 1.5 m up place a car 13 % too far. The angle an object
//! of known height subtends does not depend on the ground at all, but object heights vary
//! (cars ±10 %, trucks ±25 %). Weighing the two by their variances keeps the ground plane's
//! precision near the ego and lets the height pull far objects back where the plane is
//! unsure.

use nalgebra::{Matrix2, Point2, Vector2};
use panoptes_heads::Detection;
use panoptes_rig::Camera;

use crate::config::{LiftingConfig, ObjectClass};
use crate::lift::extent_along;

/// Cameras this close to the ground (or below it) have no slope-based uncertainty model.
const MIN_CAMERA_HEIGHT: f64 = 0.1;

/// Horizontal range from the camera to a vertical edge of `height_m` spanning the box's top
/// and bottom rows at its centre column: `H / (tan θ_bottom − tan θ_top)` with θ the angles
/// below the horizon, whatever the ground's height.
pub fn range_from_height(camera: &Camera, detection: &Detection, height_m: f64) -> Option<f64> {
    let [x, y, width, height] = detection.box_xywh.map(f64::from);
    let column = x + width / 2.0;
    let below = |row: f64| {
        let (_, ray) = camera.ray_in_ego(&Point2::new(column, row));
        let horizontal = ray.xy().norm();
        (horizontal > f64::EPSILON).then(|| -ray.z / horizontal)
    };
    let span = below(y + height)? - below(y)?;
    (span > f64::EPSILON).then(|| height_m / span)
}

/// Blends the ground-plane `centre` (with its `covariance`) with the height cue along the
/// viewing direction; returns the centre and covariance to report. Boxes cut at the top or
/// bottom, classes without a height spread, and a ground trusted as flat (slope 0) keep the
/// ground plane's answer (with the slope's uncertainty added).
pub fn blend_with_height(
    camera: &Camera,
    detection: &Detection,
    class: &ObjectClass,
    ground_z: f64,
    cut_vertically: bool,
    config: &LiftingConfig,
    (centre, covariance): (Vector2<f64>, Matrix2<f64>),
) -> (Vector2<f64>, Matrix2<f64>) {
    let origin = camera.sensor_to_ego.translation.vector.xy();
    let camera_height = camera.sensor_to_ego.translation.vector.z - ground_z;
    let Some(direction) = (centre - origin).try_normalize(f64::EPSILON) else {
        return (centre, covariance);
    };
    let projector = direction * direction.transpose();
    let range = (centre - origin).norm();
    // Range error of a ground height error of slope × range: range × Δz / camera height.
    let slope_variance = if camera_height > MIN_CAMERA_HEIGHT {
        (config.ground_slope_sigma * range * range / camera_height).powi(2)
    } else {
        0.0
    };
    let covariance = covariance + projector * slope_variance;
    let ground_variance = (direction.transpose() * covariance * direction)[(0, 0)];
    let cue = (!cut_vertically && class.height_spread > 0.0 && config.ground_slope_sigma > 0.0)
        .then(|| range_from_height(camera, detection, class.size_lwh[2]))
        .flatten();
    let Some(near) = cue else {
        return (centre, covariance);
    };
    let height_range = near + extent_along(class, &direction) / 2.0;
    let height_variance = (class.height_spread * near).powi(2);
    let weight = height_variance / (height_variance + ground_variance);
    let blended = weight * range + (1.0 - weight) * height_range;
    let variance = ground_variance * height_variance / (ground_variance + height_variance);
    (
        origin + direction * blended,
        covariance + projector * (variance - ground_variance),
    )
}
