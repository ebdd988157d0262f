//! A scene's camera rig from `calibrated_sensor` records.

use std::path::Path;

use nalgebra::{Isometry3, Quaternion, Translation3, UnitQuaternion};
use panoptes_rig::{Camera, CameraModel, CameraRig};

use super::tables::CalibratedSensorRecord;
use crate::error::DriveError;

/// How far a stored quaternion's norm may be from 1.
const QUATERNION_TOLERANCE: f64 = 1e-6;

/// One camera's calibration as a scene uses it.
pub(crate) struct CameraCalibration<'a> {
    pub channel: String,
    /// Position of the record in `calibrated_sensor.json`, and the record.
    pub record: (usize, &'a CalibratedSensorRecord),
    pub width: u32,
    pub height: u32,
}

pub(crate) fn build_rig(
    cameras: &[CameraCalibration<'_>],
    file: &Path,
) -> Result<CameraRig, DriveError> {
    let mut rig_cameras = Vec::with_capacity(cameras.len());
    for camera in cameras {
        let (position, record) = camera.record;
        let field = |name: &str| format!("[{position}].{name}");
        let invalid = |name: &str, problem: String, fix: &str| DriveError::InvalidField {
            file: file.to_owned(),
            field: field(name),
            problem,
            fix: fix.to_owned(),
        };
        let intrinsic = &record.camera_intrinsic;
        let shape_ok = intrinsic.len() == 3 && intrinsic.iter().all(|row| row.len() == 3);
        if !shape_ok {
            return Err(invalid(
                "camera_intrinsic",
                format!("expected a 3×3 matrix for camera {}", camera.channel),
                "give the camera matrix [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]",
            ));
        }
        let last_row = &intrinsic[2];
        if intrinsic[0][1].abs() > 1e-9
            || intrinsic[1][0].abs() > 1e-9
            || last_row[..] != [0.0, 0.0, 1.0]
        {
            return Err(invalid(
                "camera_intrinsic",
                format!(
                    "camera {} matrix {intrinsic:?} has skew or a projective last row",
                    camera.channel
                ),
                "give the camera matrix [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]",
            ));
        }
        let (fx, fy) = (intrinsic[0][0], intrinsic[1][1]);
        if !(fx.is_finite() && fy.is_finite() && fx > 0.0 && fy > 0.0) {
            return Err(invalid(
                "camera_intrinsic",
                format!(
                    "camera {} focal lengths fx {fx}, fy {fy} must be positive pixels",
                    camera.channel
                ),
                "give positive focal lengths in pixels",
            ));
        }
        let rotation = to_rotation(record.rotation).ok_or_else(|| {
            invalid(
                "rotation",
                format!(
                    "quaternion {:?} of camera {} is not of unit length",
                    record.rotation, camera.channel
                ),
                "give a unit quaternion [w, x, y, z]",
            )
        })?;
        let [x, y, z] = record.translation;
        let model = CameraModel::pinhole(
            intrinsic[0][0],
            intrinsic[1][1],
            intrinsic[0][2],
            intrinsic[1][2],
        );
        let pose = Isometry3::from_parts(Translation3::new(x, y, z), rotation);
        rig_cameras.push(Camera::new(
            camera.channel.clone(),
            model,
            camera.width,
            camera.height,
            pose,
        ));
    }
    CameraRig::new(rig_cameras).map_err(|error| DriveError::Rig(error.in_file(file)))
}

/// A unit quaternion from nuScenes' `[w, x, y, z]`, or `None` when it is not of unit length.
pub(crate) fn to_rotation(wxyz: [f64; 4]) -> Option<UnitQuaternion<f64>> {
    let [w, x, y, z] = wxyz;
    let quaternion = Quaternion::new(w, x, y, z);
    let norm = quaternion.norm();
    (norm.is_finite() && (norm - 1.0).abs() <= QUATERNION_TOLERANCE)
        .then(|| UnitQuaternion::from_quaternion(quaternion))
}
