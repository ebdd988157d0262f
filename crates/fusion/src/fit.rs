//! Fitting the class's prior box to the detected box: where on the ground must an object of
//! that size stand for its image to end on the box's bottom row, centred on the box's column?
//!
//! The bottom centre of a box is the object's nearest ground point only for a pinhole camera
//! looking at it square on. Through a fisheye, or seen obliquely, the lowest image point of
//! the object lies elsewhere; projecting the prior box instead accounts for the lens and the
//! view alike.

use nalgebra::{Matrix2, Point3, Vector2};
use panoptes_rig::Camera;

/// Points sampled along each edge of the box (ends included): fisheye edges are curves.
const EDGE_SAMPLES: usize = 5;
/// Gauss–Newton iterations.
const ITERATIONS: usize = 12;
/// Stop when both residuals are below this, pixels.
const TOLERANCE_PIXELS: f64 = 0.05;
/// Step of the numerical derivative, metres.
const STEP_M: f64 = 0.02;
/// The fit may move the start by at most this fraction of its distance from the camera.
const MAX_MOVE_FRACTION: f64 = 0.3;

/// The prior box's image extent: its lowest bottom-face row and the middle of its columns.
fn image_extent(
    camera: &Camera,
    centre: &Vector2<f64>,
    size_lwh: &[f64; 3],
    ground_z: f64,
) -> Option<Vector2<f64>> {
    let [length, width, height] = *size_lwh;
    let corners = [
        (length / 2.0, width / 2.0),
        (length / 2.0, -width / 2.0),
        (-length / 2.0, -width / 2.0),
        (-length / 2.0, width / 2.0),
    ];
    let mut lowest = f64::NEG_INFINITY;
    let (mut left, mut right) = (f64::INFINITY, f64::NEG_INFINITY);
    for (index, start) in corners.iter().enumerate() {
        let end = corners[(index + 1) % 4];
        for sample in 0..EDGE_SAMPLES {
            let t = sample as f64 / (EDGE_SAMPLES - 1) as f64;
            let x = centre.x + start.0 + (end.0 - start.0) * t;
            let y = centre.y + start.1 + (end.1 - start.1) * t;
            for z in [ground_z, ground_z + height] {
                let pixel = camera.project_ego(&Point3::new(x, y, z))?;
                left = left.min(pixel.x);
                right = right.max(pixel.x);
                if z == ground_z {
                    lowest = lowest.max(pixel.y);
                }
            }
        }
    }
    Some(Vector2::new((left + right) / 2.0, lowest))
}

/// The ground-plane centre near `start` at which the prior box (heading along ego x) projects
/// with its lowest point on `bottom_row` and its middle on `centre_column`; `None` when the
/// box cannot be projected there or the fit does not settle near the start.
pub fn fit_on_ground(
    camera: &Camera,
    centre_column: f64,
    bottom_row: f64,
    size_lwh: &[f64; 3],
    ground_z: f64,
    start: Vector2<f64>,
) -> Option<Vector2<f64>> {
    let target = Vector2::new(centre_column, bottom_row);
    let residual = |centre: &Vector2<f64>| {
        image_extent(camera, centre, size_lwh, ground_z).map(|extent| extent - target)
    };
    let mut centre = start;
    for _ in 0..ITERATIONS {
        let error = residual(&centre)?;
        if error.abs().max() < TOLERANCE_PIXELS {
            break;
        }
        let along_x = (residual(&(centre + Vector2::new(STEP_M, 0.0)))? - error) / STEP_M;
        let along_y = (residual(&(centre + Vector2::new(0.0, STEP_M)))? - error) / STEP_M;
        let jacobian = Matrix2::from_columns(&[along_x, along_y]);
        let step = jacobian.try_inverse()? * error;
        centre -= step;
    }
    let origin = camera.sensor_to_ego.translation.vector.xy();
    let reach = MAX_MOVE_FRACTION * (start - origin).norm();
    let settled = residual(&centre)?.abs().max() < 1.0;
    (settled && (centre - start).norm() <= reach).then_some(centre)
}
