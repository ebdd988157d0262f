//! One calibrated camera: its projection model, image size and pose on the vehicle.

use nalgebra::{Isometry3, Point2, Point3, Unit, Vector3};

use crate::model::CameraModel;

/// Rays closer than this to parallel with the ground never meet it.
const MIN_RAY_SLOPE: f64 = 1e-12;

/// A calibrated camera.
///
/// The ego frame is nuScenes': x forward, y left, z up, metres. The sensor frame is OpenCV's
/// camera frame (x right, y down, z forward); `sensor_to_ego` maps sensor coordinates to ego
/// coordinates, exactly as nuScenes' `calibrated_sensor` does.
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    /// Unique name within the rig (for example `CAM_FRONT`).
    pub name: String,
    /// Projection model and intrinsics.
    pub model: CameraModel,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Pose of the sensor frame in the ego frame.
    pub sensor_to_ego: Isometry3<f64>,
}

impl Camera {
    /// A camera; [`crate::CameraRig::new`] validates it.
    pub fn new(
        name: impl Into<String>,
        model: CameraModel,
        width: u32,
        height: u32,
        sensor_to_ego: Isometry3<f64>,
    ) -> Self {
        Self {
            name: name.into(),
            model,
            width,
            height,
            sensor_to_ego,
        }
    }

    /// The pixel of a point in the sensor frame (see [`CameraModel::project`]); it may lie
    /// outside the image, check with [`Camera::contains`].
    pub fn project(&self, point_in_sensor: &Point3<f64>) -> Option<Point2<f64>> {
        self.model.project(point_in_sensor)
    }

    /// The unit ray, in the sensor frame, through a pixel.
    pub fn unproject(&self, pixel: &Point2<f64>) -> Unit<Vector3<f64>> {
        self.model.unproject(pixel)
    }

    /// The pixel of a point in the ego frame.
    pub fn project_ego(&self, point_in_ego: &Point3<f64>) -> Option<Point2<f64>> {
        self.project(&self.sensor_to_ego.inverse_transform_point(point_in_ego))
    }

    /// The pixel of a point in the ego frame, only when it falls inside the image.
    pub fn project_ego_in_image(&self, point_in_ego: &Point3<f64>) -> Option<Point2<f64>> {
        self.project_ego(point_in_ego)
            .filter(|pixel| self.contains(pixel))
    }

    /// The camera centre and the unit ray through a pixel, both in the ego frame.
    pub fn ray_in_ego(&self, pixel: &Point2<f64>) -> (Point3<f64>, Unit<Vector3<f64>>) {
        let origin = Point3::from(self.sensor_to_ego.translation.vector);
        let direction =
            Unit::new_unchecked(self.sensor_to_ego.rotation * self.unproject(pixel).into_inner());
        (origin, direction)
    }

    /// Where the ray through a pixel meets the plane `z = ground_z` of the ego frame, or `None`
    /// when the ray is parallel to it or points away from it.
    pub fn ground_intersection(&self, pixel: &Point2<f64>, ground_z: f64) -> Option<Point3<f64>> {
        let (origin, direction) = self.ray_in_ego(pixel);
        if direction.z.abs() < MIN_RAY_SLOPE {
            return None;
        }
        let distance = (ground_z - origin.z) / direction.z;
        (distance > 0.0 && distance.is_finite()).then(|| origin + direction.into_inner() * distance)
    }

    /// Whether a pixel lies inside the image (`0 ≤ x < width`, `0 ≤ y < height`).
    pub fn contains(&self, pixel: &Point2<f64>) -> bool {
        pixel.x >= 0.0
            && pixel.y >= 0.0
            && pixel.x < f64::from(self.width)
            && pixel.y < f64::from(self.height)
    }
}
