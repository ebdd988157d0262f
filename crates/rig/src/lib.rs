//! Camera models (pinhole, Kannala–Brandt fisheye), calibration and projection.
//!
//! Frames: the ego frame is x forward, y left, z up (metres, as nuScenes); each camera's sensor
//! frame is OpenCV's (x right, y down, z forward). `Camera::sensor_to_ego` maps sensor
//! coordinates to ego coordinates.

mod camera;
mod error;
mod model;
mod record;
mod rig;

pub use camera::Camera;
pub use error::RigError;
pub use model::CameraModel;
pub use record::{CameraRecord, IntrinsicsRecord, PoseRecord, RigRecord};
pub use rig::{CameraRig, ROTATION_TOLERANCE};

pub use nalgebra::{
    Isometry3, Point2, Point3, Quaternion, Translation3, Unit, UnitQuaternion, Vector2, Vector3,
};
