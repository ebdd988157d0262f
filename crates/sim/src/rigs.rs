//! The simulated camera rigs: `nuscenes6` (six pinhole cameras placed, aimed and with the
//! fields of view of nuScenes') and `fisheye4` (four ~190° Kannala–Brandt cameras mounted like
//! WoodScape's: front grille, both mirrors, rear).

use crate::error::SimError;
use nalgebra::{Isometry3, Matrix3, Quaternion, Rotation3, Translation3, UnitQuaternion, Vector3};
use panoptes_rig::{Camera, CameraModel, CameraRig};
use std::fmt;
use std::str::FromStr;

/// A rig preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RigPreset {
    NuScenes6,
    Fisheye4,
}

/// A nuScenes camera: name, sensor→ego translation (m), rotation (w, x, y, z), intrinsics
/// (fx, fy, cx, cy) at 1600×900, and its exposure offset within a frame set (ms).
struct Reference {
    name: &'static str,
    translation: [f64; 3],
    rotation: [f64; 4],
    intrinsics: [f64; 4],
    offset_ms: f64,
}

/// Reference calibration of nuScenes v1.0-mini log n015-2018-07-24-11-22-45+0800.
const NUSCENES: [Reference; 6] = [
    Reference {
        name: "CAM_FRONT_LEFT",
        translation: [1.5238779783248901, 0.4946313500404358, 1.5093282461166382],
        rotation: [
            0.6757265048017743,
            -0.6736266525368336,
            0.21214014507815268,
            -0.21122827118219278,
        ],
        intrinsics: [
            1272.5979470598488,
            1272.5979470598488,
            826.6154927353808,
            479.75165386361925,
        ],
        offset_ms: 42.0,
    },
    Reference {
        name: "CAM_FRONT",
        translation: [1.7007912397384644, 0.01594563201069832, 1.5109575986862183],
        rotation: [
            0.49980155826420963,
            -0.5030316194596632,
            0.4997798008442294,
            -0.49737083031532797,
        ],
        intrinsics: [
            1266.417203046554,
            1266.417203046554,
            816.2670197447984,
            491.50706579294757,
        ],
        offset_ms: 0.0,
    },
    Reference {
        name: "CAM_FRONT_RIGHT",
        translation: [1.5508477687835693, -0.4934048056602478, 1.4957480430603027],
        rotation: [
            0.2060347909750781,
            -0.20269405473165586,
            0.6824507885520733,
            -0.6713610848782864,
        ],
        intrinsics: [
            1260.8474446004698,
            1260.8474446004698,
            807.968244525554,
            495.3344268742088,
        ],
        offset_ms: 8.0,
    },
    Reference {
        name: "CAM_BACK_LEFT",
        translation: [1.0356910228729248, 0.4847950339317322, 1.5909701585769653],
        rotation: [
            0.692418560095606,
            -0.7031619402987405,
            -0.11648342789820017,
            0.11203318426039276,
        ],
        intrinsics: [
            1256.7414812095406,
            1256.7414812095406,
            792.1125740759628,
            492.7757465151356,
        ],
        offset_ms: 33.0,
    },
    Reference {
        name: "CAM_BACK",
        translation: [
            0.02832603082060814,
            0.0034513676073402166,
            1.5791034698486328,
        ],
        rotation: [
            0.5037872623143601,
            -0.49740250023684385,
            -0.49418501567239354,
            0.5045496183457234,
        ],
        intrinsics: [
            809.2209905677063,
            809.2209905677063,
            829.2196003259838,
            481.77842384512485,
        ],
        offset_ms: 25.0,
    },
    Reference {
        name: "CAM_BACK_RIGHT",
        translation: [1.0148781538009644, -0.4805682301521301, 1.562395453453064],
        rotation: [
            0.12280980230506967,
            -0.1324008405017939,
            -0.7004305752717893,
            0.6904960384510822,
        ],
        intrinsics: [
            1259.5137405846733,
            1259.5137405846733,
            807.2529053838625,
            501.19579884916527,
        ],
        offset_ms: 17.0,
    },
];

/// A WoodScape-like fisheye: name, position (m), yaw and downward pitch (degrees), offset (ms).
const FISHEYES: [(&str, [f64; 3], f64, f64, f64); 4] = [
    ("FV", [3.75, 0.0, 0.65], 0.0, 15.0, 0.0),
    ("MVR", [2.05, -1.02, 1.05], -90.0, 35.0, 6.0),
    ("RV", [-0.95, 0.0, 0.95], 180.0, 22.0, 12.0),
    ("MVL", [2.05, 1.02, 1.05], 90.0, 35.0, 18.0),
];

/// Kannala–Brandt distortion of the simulated fisheye lenses (mildly compressing the rim).
pub const FISHEYE_K: [f64; 4] = [-0.012, 0.0025, -0.0002, 0.0];

impl RigPreset {
    /// The preset's name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            RigPreset::NuScenes6 => "nuscenes6",
            RigPreset::Fisheye4 => "fisheye4",
        }
    }

    /// The image size used when none is asked for: nuScenes' 16:9, WoodScape's ~4:3.
    #[must_use]
    pub fn default_size(self) -> (u32, u32) {
        match self {
            RigPreset::NuScenes6 => (640, 360),
            RigPreset::Fisheye4 => (640, 480),
        }
    }

    /// Each camera's exposure time within a frame set, milliseconds after the set's timestamp.
    #[must_use]
    pub fn exposure_offsets_ms(self) -> Vec<f64> {
        match self {
            RigPreset::NuScenes6 => NUSCENES.iter().map(|camera| camera.offset_ms).collect(),
            RigPreset::Fisheye4 => FISHEYES.iter().map(|camera| camera.4).collect(),
        }
    }

    /// The rig of another vehicle of the same fleet, `vehicle` ≥ 1 (0 is [`RigPreset::rig`]
    /// itself): each camera mounted up to 3 cm and 0.8° off the preset and its focal length up
    /// to 2 % different, from a hash of `vehicle`.
    pub fn variant(self, width: u32, height: u32, vehicle: u64) -> Result<CameraRig, SimError> {
        let rig = self.rig(width, height)?;
        if vehicle == 0 {
            return Ok(rig);
        }
        let cameras = rig
            .cameras()
            .iter()
            .enumerate()
            .map(|(index, camera)| {
                let mut random = crate::random::Random::new(vehicle, &[0x7269_6776, index as u64]);
                let mut offset = |limit: f64| random.range(-limit, limit);
                let shift = nalgebra::Vector3::new(offset(0.03), offset(0.03), offset(0.03));
                let turn = UnitQuaternion::from_euler_angles(
                    offset(0.8_f64.to_radians()),
                    offset(0.8_f64.to_radians()),
                    offset(0.8_f64.to_radians()),
                );
                let scale = 1.0 + offset(0.02);
                let mut pose = camera.sensor_to_ego;
                pose.translation.vector += shift;
                pose.rotation *= turn;
                let model = match camera.model {
                    CameraModel::Pinhole {
                        fx,
                        fy,
                        cx,
                        cy,
                        distortion,
                    } => CameraModel::Pinhole {
                        fx: fx * scale,
                        fy: fy * scale,
                        cx,
                        cy,
                        distortion,
                    },
                    CameraModel::KannalaBrandt { fx, fy, cx, cy, k } => {
                        CameraModel::KannalaBrandt {
                            fx: fx * scale,
                            fy: fy * scale,
                            cx,
                            cy,
                            k,
                        }
                    }
                };
                Camera::new(
                    camera.name.clone(),
                    model,
                    camera.width,
                    camera.height,
                    pose,
                )
            })
            .collect();
        Ok(CameraRig::new(cameras)?)
    }

    /// The rig with images of `width` × `height` pixels.
    pub fn rig(self, width: u32, height: u32) -> Result<CameraRig, SimError> {
        if width < 16 || height < 16 || width > 8192 || height > 8192 {
            return Err(SimError::ImageSize { width, height });
        }
        let (w, h) = (f64::from(width), f64::from(height));
        let cameras = match self {
            RigPreset::NuScenes6 => NUSCENES
                .iter()
                .map(|reference| {
                    let [fx, fy, cx, cy] = reference.intrinsics;
                    // Scale the 1600×900 calibration to the asked size (per axis).
                    let model = CameraModel::pinhole(
                        fx * w / 1600.0,
                        fy * h / 900.0,
                        (cx + 0.5) * w / 1600.0 - 0.5,
                        (cy + 0.5) * h / 900.0 - 0.5,
                    );
                    let [qw, qx, qy, qz] = reference.rotation;
                    let rotation = UnitQuaternion::from_quaternion(Quaternion::new(qw, qx, qy, qz));
                    let [x, y, z] = reference.translation;
                    Camera::new(
                        reference.name,
                        model,
                        width,
                        height,
                        Isometry3::from_parts(Translation3::new(x, y, z), rotation),
                    )
                })
                .collect(),
            RigPreset::Fisheye4 => FISHEYES
                .iter()
                .map(|(name, [x, y, z], yaw, pitch, _)| {
                    // 95° off axis lands 2% beyond the image's half width: ~190° across.
                    let focal = 0.51 * w / fisheye_radius(95f64.to_radians());
                    let model = CameraModel::KannalaBrandt {
                        fx: focal,
                        fy: focal,
                        cx: (w - 1.0) / 2.0,
                        cy: (h - 1.0) / 2.0,
                        k: FISHEYE_K,
                    };
                    Camera::new(
                        *name,
                        model,
                        width,
                        height,
                        Isometry3::from_parts(Translation3::new(*x, *y, *z), looking(*yaw, *pitch)),
                    )
                })
                .collect(),
        };
        Ok(CameraRig::new(cameras)?)
    }
}

/// θd(θ) of [`FISHEYE_K`].
fn fisheye_radius(theta: f64) -> f64 {
    let t2 = theta * theta;
    let [k1, k2, k3, k4] = FISHEYE_K;
    theta * (1.0 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))
}

/// Sensor→ego rotation of an OpenCV camera looking along ego heading `yaw`, tilted down by
/// `pitch` (degrees).
fn looking(yaw: f64, pitch: f64) -> UnitQuaternion<f64> {
    let (yaw, pitch) = (yaw.to_radians(), pitch.to_radians());
    let forward = Vector3::new(
        pitch.cos() * yaw.cos(),
        pitch.cos() * yaw.sin(),
        -pitch.sin(),
    );
    let right = forward.cross(&Vector3::z()).normalize();
    let down = forward.cross(&right);
    UnitQuaternion::from_rotation_matrix(&Rotation3::from_matrix_unchecked(Matrix3::from_columns(
        &[right, down, forward],
    )))
}

impl fmt::Display for RigPreset {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl FromStr for RigPreset {
    type Err = SimError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "nuscenes6" => Ok(RigPreset::NuScenes6),
            "fisheye4" => Ok(RigPreset::Fisheye4),
            other => Err(SimError::UnknownRig {
                name: other.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use nalgebra::Point3;

    #[test]
    fn nuscenes_front_camera_looks_forward_and_back_camera_backward() {
        let rig = RigPreset::NuScenes6.rig(640, 360).unwrap();
        let front = rig.camera("CAM_FRONT").unwrap();
        let ahead = front
            .project_ego_in_image(&Point3::new(30.0, 0.0, 1.5))
            .unwrap();
        assert!(
            (ahead.x - 320.0).abs() < 15.0 && (ahead.y - 180.0).abs() < 15.0,
            "{ahead}"
        );
        assert!(front
            .project_ego_in_image(&Point3::new(-30.0, 0.0, 1.5))
            .is_none());
        let back = rig.camera("CAM_BACK").unwrap();
        assert!(back
            .project_ego_in_image(&Point3::new(-30.0, 0.0, 1.5))
            .is_some());
        // The front camera's horizontal field of view is nuScenes' ~64°.
        let (fx, ..) = front.model.focal_and_centre();
        let fov = 2.0 * (320.0 / fx).atan().to_degrees();
        assert!((fov - 64.6).abs() < 1.0, "{fov}");
    }

    #[test]
    fn fisheyes_see_almost_a_half_sphere_and_look_where_mounted() {
        let rig = RigPreset::Fisheye4.rig(640, 480).unwrap();
        let left = rig.camera("MVL").unwrap();
        // A point beside the car on the left lands mid-image; one at 92° off axis still lands.
        let beside = left
            .project_ego_in_image(&Point3::new(
                2.05,
                1.02 + 6.0,
                1.05 - 6.0 * 35f64.to_radians().tan(),
            ))
            .unwrap();
        assert!(
            (beside.x - 319.5).abs() < 1.0 && (beside.y - 239.5).abs() < 1.0,
            "{beside}"
        );
        let grazing = left.sensor_to_ego
            * Point3::new((92f64.to_radians()).sin(), 0.0, (92f64.to_radians()).cos());
        assert!(left.project_ego_in_image(&grazing).is_some());
        assert_eq!(
            "fisheye4".parse::<RigPreset>().unwrap(),
            RigPreset::Fisheye4
        );
        assert!("pinhole9".parse::<RigPreset>().is_err());
    }
}

/// Reads an image size written `WIDTHxHEIGHT` (for example `640x360`).
pub fn parse_size(text: &str) -> Result<(u32, u32), SimError> {
    let syntax = || SimError::SizeSyntax {
        text: text.to_owned(),
    };
    let (width, height) = text.split_once(['x', 'X', '×']).ok_or_else(syntax)?;
    let width: u32 = width.trim().parse().map_err(|_| syntax())?;
    let height: u32 = height.trim().parse().map_err(|_| syntax())?;
    if !(16..=8192).contains(&width) || !(16..=8192).contains(&height) {
        return Err(SimError::ImageSize { width, height });
    }
    Ok((width, height))
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn sizes_parse_and_bad_ones_say_why() {
        assert_eq!(parse_size("640x360").ok(), Some((640, 360)));
        assert_eq!(parse_size("1280X966").ok(), Some((1280, 966)));
        assert!(matches!(
            parse_size("640"),
            Err(SimError::SizeSyntax { .. })
        ));
        assert!(matches!(
            parse_size("ax3"),
            Err(SimError::SizeSyntax { .. })
        ));
        assert!(matches!(
            parse_size("8x8"),
            Err(SimError::ImageSize {
                width: 8,
                height: 8
            })
        ));
    }
}
