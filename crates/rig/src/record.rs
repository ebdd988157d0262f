//! The JSON shape of a rig (`rig.json`, and the `cameras` of `panoptes info`).
//!
//! ```json
//! {"cameras": [{"name": "CAM_FRONT", "model": "pinhole", "width": 1600, "height": 900,
//!   "intrinsics": {"fx": 1266.4, "fy": 1266.4, "cx": 816.3, "cy": 491.5,
//!                  "distortion": [0, 0, 0, 0, 0]},
//!   "sensor_to_ego": {"translation": [1.70, 0.02, 1.51],
//!                     "rotation": [[r00, r01, r02], [r10, r11, r12], [r20, r21, r22]]}}]}
//! ```
//! `kannala-brandt` cameras give `"k": [k1, k2, k3, k4]` instead of `distortion`.

use nalgebra::{Isometry3, Matrix3, Rotation3, Translation3, UnitQuaternion};
use serde::{Deserialize, Serialize};

use crate::camera::Camera;
use crate::error::RigError;
use crate::model::CameraModel;
use crate::rig::{CameraRig, ROTATION_TOLERANCE};

/// A whole `rig.json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RigRecord {
    /// The cameras, in rig order.
    pub cameras: Vec<CameraRecord>,
}

/// One camera as stored in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraRecord {
    /// Unique camera name.
    pub name: String,
    /// `pinhole` or `kannala-brandt`.
    pub model: String,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Focal lengths, principal point and distortion.
    pub intrinsics: IntrinsicsRecord,
    /// Sensor → ego pose.
    pub sensor_to_ego: PoseRecord,
}

/// Intrinsics as stored in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntrinsicsRecord {
    /// Focal length along x, pixels.
    pub fx: f64,
    /// Focal length along y, pixels.
    pub fy: f64,
    /// Principal point x, pixels.
    pub cx: f64,
    /// Principal point y, pixels.
    pub cy: f64,
    /// Pinhole only: `[k1, k2, p1, p2, k3]` (zero when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distortion: Option<[f64; 5]>,
    /// Kannala–Brandt only: `[k1, k2, k3, k4]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<[f64; 4]>,
}

/// A sensor → ego pose as stored in JSON: translation in metres and a row-major 3×3 rotation
/// matrix (so a non-orthonormal matrix is caught, not silently normalized).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoseRecord {
    /// `[x, y, z]`, metres, in the ego frame.
    pub translation: [f64; 3],
    /// Rows of the rotation matrix.
    pub rotation: [[f64; 3]; 3],
}

impl From<&CameraRig> for RigRecord {
    fn from(rig: &CameraRig) -> Self {
        Self {
            cameras: rig.cameras().iter().map(CameraRecord::from).collect(),
        }
    }
}

impl From<&Camera> for CameraRecord {
    fn from(camera: &Camera) -> Self {
        let (fx, fy, cx, cy) = camera.model.focal_and_centre();
        let (distortion, k) = match camera.model {
            CameraModel::Pinhole { distortion, .. } => (Some(distortion), None),
            CameraModel::KannalaBrandt { k, .. } => (None, Some(k)),
        };
        Self {
            name: camera.name.clone(),
            model: camera.model.kind().to_owned(),
            width: camera.width,
            height: camera.height,
            intrinsics: IntrinsicsRecord {
                fx,
                fy,
                cx,
                cy,
                distortion,
                k,
            },
            sensor_to_ego: PoseRecord::from(&camera.sensor_to_ego),
        }
    }
}

impl From<&Isometry3<f64>> for PoseRecord {
    fn from(pose: &Isometry3<f64>) -> Self {
        let matrix = pose.rotation.to_rotation_matrix().into_inner();
        let t = pose.translation.vector;
        Self {
            translation: [t.x, t.y, t.z],
            rotation: [0, 1, 2].map(|row| [0, 1, 2].map(|column| matrix[(row, column)])),
        }
    }
}

impl TryFrom<RigRecord> for CameraRig {
    type Error = RigError;

    fn try_from(record: RigRecord) -> Result<Self, RigError> {
        let cameras = record
            .cameras
            .into_iter()
            .enumerate()
            .map(|(index, camera)| camera.into_camera(index))
            .collect::<Result<Vec<_>, _>>()?;
        CameraRig::new(cameras)
    }
}

impl CameraRecord {
    /// The camera this record describes; `index` names it in errors when it has no name.
    pub fn into_camera(self, index: usize) -> Result<Camera, RigError> {
        let label = if self.name.is_empty() {
            format!("#{index}")
        } else {
            self.name.clone()
        };
        let IntrinsicsRecord {
            fx,
            fy,
            cx,
            cy,
            distortion,
            k,
        } = self.intrinsics;
        let model = match self.model.as_str() {
            "pinhole" => {
                if k.is_some() {
                    return Err(RigError::invalid(
                        &label,
                        "intrinsics.k",
                        "a pinhole camera has no Kannala–Brandt coefficients",
                        "use `distortion: [k1, k2, p1, p2, k3]` or model `kannala-brandt`",
                    ));
                }
                CameraModel::Pinhole {
                    fx,
                    fy,
                    cx,
                    cy,
                    distortion: distortion.unwrap_or([0.0; 5]),
                }
            }
            "kannala-brandt" => {
                if distortion.is_some() {
                    return Err(RigError::invalid(
                        &label,
                        "intrinsics.distortion",
                        "a Kannala–Brandt camera has no radial–tangential coefficients",
                        "use `k: [k1, k2, k3, k4]` or model `pinhole`",
                    ));
                }
                let Some(k) = k else {
                    return Err(RigError::invalid(
                        &label,
                        "intrinsics.k",
                        "missing",
                        "give the four fisheye coefficients `k: [k1, k2, k3, k4]`",
                    ));
                };
                CameraModel::KannalaBrandt { fx, fy, cx, cy, k }
            }
            other => {
                return Err(RigError::invalid(
                    &label,
                    "model",
                    format!("unknown camera model `{other}`"),
                    "use `pinhole` or `kannala-brandt`",
                ))
            }
        };
        let sensor_to_ego = self.sensor_to_ego.to_isometry(&label)?;
        Ok(Camera::new(
            self.name,
            model,
            self.width,
            self.height,
            sensor_to_ego,
        ))
    }
}

impl PoseRecord {
    /// The pose, after checking that the rotation is orthonormal with determinant +1.
    pub fn to_isometry(&self, camera: &str) -> Result<Isometry3<f64>, RigError> {
        let matrix = Matrix3::from_fn(|row, column| self.rotation[row][column]);
        if matrix.iter().any(|value| !value.is_finite()) {
            return Err(RigError::invalid(
                camera,
                "sensor_to_ego.rotation",
                "the rotation matrix holds a non-finite number",
                "give a finite 3×3 rotation matrix",
            ));
        }
        let deviation = (matrix.transpose() * matrix - Matrix3::identity()).amax();
        if deviation > ROTATION_TOLERANCE {
            return Err(RigError::invalid(
                camera,
                "sensor_to_ego.rotation",
                format!("the matrix is not orthonormal (RᵀR differs from I by {deviation:.3e}, tolerance {ROTATION_TOLERANCE:.0e})"),
                "give a proper rotation matrix (rows of unit length, mutually orthogonal)",
            ));
        }
        let determinant = matrix.determinant();
        if determinant < 0.0 {
            return Err(RigError::invalid(
                camera,
                "sensor_to_ego.rotation",
                format!("the matrix is a reflection (determinant {determinant:.6})"),
                "give a right-handed rotation (determinant +1)",
            ));
        }
        if let Some(value) = self.translation.iter().find(|value| !value.is_finite()) {
            return Err(RigError::invalid(
                camera,
                "sensor_to_ego.translation",
                format!("translation holds {value}"),
                "give the sensor position in the ego frame, metres",
            ));
        }
        let rotation =
            UnitQuaternion::from_rotation_matrix(&Rotation3::from_matrix_unchecked(matrix));
        let [x, y, z] = self.translation;
        Ok(Isometry3::from_parts(Translation3::new(x, y, z), rotation))
    }
}
