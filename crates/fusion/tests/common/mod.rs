//! Cameras, boxes and maps for the fusion tests.
#![allow(dead_code, clippy::unwrap_used)]

use nalgebra::{Matrix3, Rotation3, UnitQuaternion};
use panoptes_heads::{ClassMap, DepthAlong, DepthMap, Detection};
use panoptes_rig::{Camera, CameraModel, CameraRig, Isometry3, Point3, Translation3, Vector3};

/// A camera at `position` (ego frame) looking along azimuth `yaw_degrees` (0 = ego +x, 90 =
/// left), tilted down by `pitch_degrees`.
pub fn camera(
    name: &str,
    model: CameraModel,
    size: (u32, u32),
    position: [f64; 3],
    yaw_degrees: f64,
    pitch_degrees: f64,
) -> Camera {
    // Sensor x right, y down, z forward → ego: z → +x, x → −y, y → −z.
    let forward = Rotation3::from_matrix_unchecked(Matrix3::new(
        0.0, 0.0, 1.0, -1.0, 0.0, 0.0, 0.0, -1.0, 0.0,
    ));
    let yaw = Rotation3::from_axis_angle(&Vector3::z_axis(), yaw_degrees.to_radians());
    let pitch = Rotation3::from_axis_angle(&Vector3::x_axis(), pitch_degrees.to_radians());
    let rotation = UnitQuaternion::from_rotation_matrix(&(yaw * forward * pitch));
    let [x, y, z] = position;
    Camera::new(
        name,
        model,
        size.0,
        size.1,
        Isometry3::from_parts(Translation3::new(x, y, z), rotation),
    )
}

/// A 1600 × 900 pinhole camera 1.5 m up, looking forward.
pub fn front_pinhole() -> Camera {
    camera(
        "FRONT",
        CameraModel::pinhole(1266.0, 1266.0, 800.0, 450.0),
        (1600, 900),
        [1.7, 0.0, 1.5],
        0.0,
        0.0,
    )
}

/// The same with OpenCV radial–tangential distortion.
pub fn front_distorted() -> Camera {
    camera(
        "FRONT",
        CameraModel::Pinhole {
            fx: 1266.0,
            fy: 1266.0,
            cx: 800.0,
            cy: 450.0,
            distortion: [-0.12, 0.03, 0.001, -0.0005, 0.0],
        },
        (1600, 900),
        [1.7, 0.0, 1.5],
        0.0,
        0.0,
    )
}

/// A WoodScape-like 190° fisheye on the left mirror, 1 m up, looking left and 35° down.
pub fn left_fisheye() -> Camera {
    camera(
        "LEFT",
        CameraModel::KannalaBrandt {
            fx: 200.0,
            fy: 200.0,
            cx: 319.5,
            cy: 239.5,
            k: [-0.012, 0.0025, -0.0002, 0.0],
        },
        (640, 480),
        [2.0, 1.0, 1.0],
        90.0,
        35.0,
    )
}

pub fn rig(cameras: Vec<Camera>) -> CameraRig {
    CameraRig::new(cameras).unwrap()
}

/// A detection whose box has its bottom centre at `foot` (a pixel) and the given size.
pub fn detection_at(label: &str, score: f32, foot: (f64, f64), size: (f64, f64)) -> Detection {
    let (width, height) = size;
    Detection {
        head: "objects".into(),
        class_id: 0,
        label: label.into(),
        score,
        box_xywh: [
            (foot.0 - width / 2.0) as f32,
            (foot.1 - height) as f32,
            width as f32,
            height as f32,
        ],
        keypoints: None,
        ego: None,
        mask: None,
    }
}

/// The pixel of an ego-frame point (inside the image).
pub fn pixel_of(camera: &Camera, point: &Point3<f64>) -> (f64, f64) {
    let pixel = camera.project_ego_in_image(point).unwrap();
    (pixel.x, pixel.y)
}

/// A depth map of `camera`'s size holding `value` everywhere.
pub fn constant_depth(camera: &Camera, value: f32) -> DepthMap {
    DepthMap::from_metres(ndarray::Array2::from_elem(
        (camera.height as usize, camera.width as usize),
        value,
    ))
}

/// The depth a map measuring `along` holds for the ego point `point` seen by `camera`.
pub fn depth_value(camera: &Camera, point: &Point3<f64>, along: DepthAlong) -> f32 {
    let in_sensor = camera.sensor_to_ego.inverse_transform_point(point);
    match along {
        DepthAlong::OpticalAxis => in_sensor.z as f32,
        DepthAlong::Ray => in_sensor.coords.norm() as f32,
    }
}

/// A class map of `camera`'s size: `id` everywhere.
pub fn uniform_classes(camera: &Camera, id: u8, classes: usize) -> ClassMap {
    ClassMap::from_ids(
        ndarray::Array2::from_elem((camera.height as usize, camera.width as usize), id),
        classes,
    )
}
