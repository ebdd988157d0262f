//! A rig of cameras and its validation.

use std::path::Path;

use nalgebra::Isometry3;

use crate::camera::Camera;
use crate::error::RigError;
use crate::model::CameraModel;
use crate::record::RigRecord;

/// How far a stored rotation matrix may stray from orthonormal (max |RᵀR − I| entry).
pub const ROTATION_TOLERANCE: f64 = 1e-6;

/// The cameras of one vehicle, validated: unique names, positive sizes and focal lengths,
/// finite intrinsics and poses.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraRig {
    cameras: Vec<Camera>,
}

impl CameraRig {
    /// A rig of these cameras, after checking each of them.
    pub fn new(cameras: Vec<Camera>) -> Result<Self, RigError> {
        if cameras.is_empty() {
            return Err(RigError::Empty);
        }
        for (index, camera) in cameras.iter().enumerate() {
            validate_camera(camera)?;
            if cameras[..index]
                .iter()
                .any(|other| other.name == camera.name)
            {
                return Err(RigError::DuplicateName {
                    camera: camera.name.clone(),
                    index,
                });
            }
        }
        Ok(Self { cameras })
    }

    /// The cameras, in rig order.
    pub fn cameras(&self) -> &[Camera] {
        &self.cameras
    }

    /// Number of cameras.
    pub fn len(&self) -> usize {
        self.cameras.len()
    }

    /// Always false: a rig has at least one camera.
    pub fn is_empty(&self) -> bool {
        self.cameras.is_empty()
    }

    /// The camera with this name.
    pub fn camera(&self, name: &str) -> Option<&Camera> {
        self.cameras.iter().find(|camera| camera.name == name)
    }

    /// Position of the camera with this name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.cameras.iter().position(|camera| camera.name == name)
    }

    /// Camera names, in rig order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.cameras.iter().map(|camera| camera.name.as_str())
    }

    /// Parses and validates a `rig.json` document.
    pub fn from_json_str(text: &str) -> Result<Self, RigError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let record: RigRecord =
            serde_path_to_error::deserialize(deserializer).map_err(|error| {
                let field = error.path().to_string();
                RigError::Json {
                    field,
                    message: error.into_inner().to_string(),
                }
            })?;
        Self::try_from(record)
    }

    /// The `rig.json` document of this rig (pretty-printed).
    pub fn to_json_string(&self) -> String {
        // A record holds only numbers, strings and arrays: serializing it cannot fail, and a
        // non-finite number (rejected by validation) is the only thing serde_json refuses.
        serde_json::to_string_pretty(&RigRecord::from(self)).unwrap_or_default()
    }

    /// Reads and validates a `rig.json` file; errors name the file and the field.
    pub fn load(path: &Path) -> Result<Self, RigError> {
        let text = std::fs::read_to_string(path).map_err(|source| RigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json_str(&text).map_err(|error| error.in_file(path))
    }

    /// Writes this rig as a `rig.json` file.
    pub fn save(&self, path: &Path) -> Result<(), RigError> {
        std::fs::write(path, self.to_json_string()).map_err(|source| RigError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

impl<'rig> IntoIterator for &'rig CameraRig {
    type Item = &'rig Camera;
    type IntoIter = std::slice::Iter<'rig, Camera>;

    fn into_iter(self) -> Self::IntoIter {
        self.cameras.iter()
    }
}

fn validate_camera(camera: &Camera) -> Result<(), RigError> {
    let name = camera.name.as_str();
    if name.trim().is_empty() {
        return Err(RigError::invalid(
            name,
            "name",
            "the name is empty",
            "give the camera a name such as CAM_FRONT",
        ));
    }
    if camera.width == 0 || camera.height == 0 {
        let field = if camera.width == 0 { "width" } else { "height" };
        return Err(RigError::invalid(
            name,
            field,
            format!("image size is {}×{}", camera.width, camera.height),
            "give the image size in pixels, both positive",
        ));
    }
    let (fx, fy, cx, cy) = camera.model.focal_and_centre();
    for (field, value) in [("intrinsics.fx", fx), ("intrinsics.fy", fy)] {
        if !(value.is_finite() && value > 0.0) {
            return Err(RigError::invalid(
                name,
                field,
                format!("focal length is {value}, expected a positive number of pixels"),
                "give the focal length in pixels (positive; flip axes in the pose instead)",
            ));
        }
    }
    for (field, value) in [("intrinsics.cx", cx), ("intrinsics.cy", cy)] {
        if !value.is_finite() {
            return Err(RigError::invalid(
                name,
                field,
                format!("principal point is {value}"),
                "give the principal point in pixels",
            ));
        }
    }
    let coefficients: &[f64] = match &camera.model {
        CameraModel::Pinhole { distortion, .. } => distortion,
        CameraModel::KannalaBrandt { k, .. } => k,
    };
    let coefficients_field = match camera.model {
        CameraModel::Pinhole { .. } => "intrinsics.distortion",
        CameraModel::KannalaBrandt { .. } => "intrinsics.k",
    };
    if let Some(value) = coefficients.iter().find(|value| !value.is_finite()) {
        return Err(RigError::invalid(
            name,
            coefficients_field,
            format!("coefficient {value} is not a finite number"),
            "give finite distortion coefficients",
        ));
    }
    validate_pose(name, &camera.sensor_to_ego)
}

fn validate_pose(name: &str, pose: &Isometry3<f64>) -> Result<(), RigError> {
    if pose
        .translation
        .vector
        .iter()
        .any(|value| !value.is_finite())
    {
        return Err(RigError::invalid(
            name,
            "sensor_to_ego.translation",
            format!(
                "translation {:?} is not finite",
                pose.translation.vector.as_slice()
            ),
            "give the sensor position in the ego frame, metres",
        ));
    }
    let quaternion = pose.rotation.quaternion();
    let norm = quaternion.norm();
    if !norm.is_finite() || (norm - 1.0).abs() > ROTATION_TOLERANCE {
        return Err(RigError::invalid(
            name,
            "sensor_to_ego.rotation",
            format!("rotation quaternion has norm {norm}, expected 1"),
            "build the pose from a proper rotation",
        ));
    }
    Ok(())
}
