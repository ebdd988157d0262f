//! Camera projection models: where a ray in the sensor frame lands on the image, and back.
//!
//! The sensor frame is OpenCV's camera frame: x right, y down, z forward (optical axis).

use nalgebra::{Point2, Point3, Unit, Vector3};

/// Points closer to the camera's centre plane than this (metres) have no image.
const MIN_DEPTH: f64 = 1e-12;
/// Newton iterations stop once the residual is below this (normalized image units).
const NEWTON_TOLERANCE: f64 = 1e-15;
const NEWTON_ITERATIONS: usize = 50;

/// How a camera maps rays to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CameraModel {
    /// Pinhole with OpenCV's radial–tangential distortion `[k1, k2, p1, p2, k3]`.
    Pinhole {
        /// Focal length along x, pixels.
        fx: f64,
        /// Focal length along y, pixels.
        fy: f64,
        /// Principal point x, pixels.
        cx: f64,
        /// Principal point y, pixels.
        cy: f64,
        /// `[k1, k2, p1, p2, k3]`; all zero for an ideal pinhole.
        distortion: [f64; 5],
    },
    /// Kannala–Brandt fisheye (OpenCV `fisheye`, WoodScape): `θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸)`
    /// where θ is the angle off the optical axis; usable beyond 180° fields of view.
    KannalaBrandt {
        /// Focal length along x, pixels.
        fx: f64,
        /// Focal length along y, pixels.
        fy: f64,
        /// Principal point x, pixels.
        cx: f64,
        /// Principal point y, pixels.
        cy: f64,
        /// `[k1, k2, k3, k4]`.
        k: [f64; 4],
    },
}

impl CameraModel {
    /// An ideal pinhole (no distortion).
    pub fn pinhole(fx: f64, fy: f64, cx: f64, cy: f64) -> Self {
        Self::Pinhole {
            fx,
            fy,
            cx,
            cy,
            distortion: [0.0; 5],
        }
    }

    /// The model's name as written in `rig.json`: `pinhole` or `kannala-brandt`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Pinhole { .. } => "pinhole",
            Self::KannalaBrandt { .. } => "kannala-brandt",
        }
    }

    /// `(fx, fy, cx, cy)`.
    pub fn focal_and_centre(&self) -> (f64, f64, f64, f64) {
        match *self {
            Self::Pinhole { fx, fy, cx, cy, .. } | Self::KannalaBrandt { fx, fy, cx, cy, .. } => {
                (fx, fy, cx, cy)
            }
        }
    }

    /// The pixel of a point in the sensor frame, or `None` when the point is behind the camera
    /// or where the distortion polynomial folds back (outside the model's valid range).
    pub fn project(&self, point: &Point3<f64>) -> Option<Point2<f64>> {
        let (fx, fy, cx, cy) = self.focal_and_centre();
        let (x, y) = match *self {
            Self::Pinhole { distortion, .. } => {
                if point.z <= MIN_DEPTH {
                    return None;
                }
                distort_radial_tangential(point.x / point.z, point.y / point.z, &distortion)?
            }
            Self::KannalaBrandt { k, .. } => fisheye_normalized(point, &k)?,
        };
        let pixel = Point2::new(fx * x + cx, fy * y + cy);
        (pixel.x.is_finite() && pixel.y.is_finite()).then_some(pixel)
    }

    /// The unit ray (sensor frame) that lands on `pixel`. Pixels outside the model's valid range
    /// give the ray of the nearest valid solution the iteration reaches.
    pub fn unproject(&self, pixel: &Point2<f64>) -> Unit<Vector3<f64>> {
        let (fx, fy, cx, cy) = self.focal_and_centre();
        let xd = (pixel.x - cx) / fx;
        let yd = (pixel.y - cy) / fy;
        match *self {
            Self::Pinhole { distortion, .. } => {
                let (x, y) = undistort_radial_tangential(xd, yd, &distortion);
                Unit::new_normalize(Vector3::new(x, y, 1.0))
            }
            Self::KannalaBrandt { k, .. } => {
                let theta_d = xd.hypot(yd);
                if theta_d <= f64::EPSILON {
                    return Vector3::z_axis();
                }
                let theta = solve_fisheye_angle(theta_d, &k);
                let scale = theta.sin() / theta_d;
                Unit::new_normalize(Vector3::new(xd * scale, yd * scale, theta.cos()))
            }
        }
    }
}

/// OpenCV radial–tangential distortion of normalized coordinates; `None` where it folds back.
fn distort_radial_tangential(x: f64, y: f64, d: &[f64; 5]) -> Option<(f64, f64)> {
    let [k1, k2, p1, p2, k3] = *d;
    let r2 = x * x + y * y;
    // Beyond the first turning point of r·radial(r) two radii share one image radius.
    let slope = 1.0 + r2 * (3.0 * k1 + r2 * (5.0 * k2 + r2 * 7.0 * k3));
    if slope <= 0.0 {
        return None;
    }
    let radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3));
    let xd = x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x);
    let yd = y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y;
    Some((xd, yd))
}

/// Inverts [`distort_radial_tangential`] by Newton's method on both coordinates.
fn undistort_radial_tangential(xd: f64, yd: f64, d: &[f64; 5]) -> (f64, f64) {
    let [k1, k2, p1, p2, k3] = *d;
    if d.iter().all(|c| *c == 0.0) {
        return (xd, yd);
    }
    let (mut x, mut y) = (xd, yd);
    for _ in 0..NEWTON_ITERATIONS {
        let r2 = x * x + y * y;
        let radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3));
        let d_radial = k1 + r2 * (2.0 * k2 + r2 * 3.0 * k3);
        let fx = x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x) - xd;
        let fy = y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y - yd;
        if fx.abs() < NEWTON_TOLERANCE && fy.abs() < NEWTON_TOLERANCE {
            break;
        }
        let a = radial + 2.0 * x * x * d_radial + 2.0 * p1 * y + 6.0 * p2 * x;
        let b = 2.0 * x * y * d_radial + 2.0 * p1 * x + 2.0 * p2 * y;
        let c = 2.0 * x * y * d_radial + 2.0 * p1 * x + 2.0 * p2 * y;
        let e = radial + 2.0 * y * y * d_radial + 6.0 * p1 * y + 2.0 * p2 * x;
        let determinant = a * e - b * c;
        if determinant.abs() < f64::MIN_POSITIVE || !determinant.is_finite() {
            break;
        }
        x -= (e * fx - b * fy) / determinant;
        y -= (a * fy - c * fx) / determinant;
    }
    (x, y)
}

/// Kannala–Brandt normalized image coordinates of a sensor-frame point.
fn fisheye_normalized(point: &Point3<f64>, k: &[f64; 4]) -> Option<(f64, f64)> {
    let r = point.x.hypot(point.y);
    let theta = r.atan2(point.z);
    if r <= MIN_DEPTH {
        // On the optical axis: in front is the image centre, straight behind has no image.
        return (point.z > 0.0).then_some((0.0, 0.0));
    }
    let (theta_d, slope) = fisheye_polynomial(theta, k);
    if slope <= 0.0 {
        return None;
    }
    Some((theta_d * point.x / r, theta_d * point.y / r))
}

/// `θd(θ)` and its derivative.
fn fisheye_polynomial(theta: f64, k: &[f64; 4]) -> (f64, f64) {
    let [k1, k2, k3, k4] = *k;
    let t2 = theta * theta;
    let value = theta * (1.0 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))));
    let slope = 1.0 + t2 * (3.0 * k1 + t2 * (5.0 * k2 + t2 * (7.0 * k3 + t2 * 9.0 * k4)));
    (value, slope)
}

/// θ with `θd(θ) = theta_d`, by Newton's method from θ = θd.
fn solve_fisheye_angle(theta_d: f64, k: &[f64; 4]) -> f64 {
    let mut theta = theta_d.min(std::f64::consts::PI);
    for _ in 0..NEWTON_ITERATIONS {
        let (value, slope) = fisheye_polynomial(theta, k);
        let residual = value - theta_d;
        if residual.abs() < NEWTON_TOLERANCE || slope <= 0.0 {
            break;
        }
        theta -= residual / slope;
    }
    theta
}
