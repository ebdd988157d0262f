//! Reading a nuScenes dataroot (v1.0 tables): one sample becomes one frame set.
//!
//! Only key-frame camera `sample_data` are used. A drive has one rig, so every sample must use
//! the same calibration per camera (one log, or logs of one vehicle calibration).

use std::collections::HashMap;
use std::path::Path;

use panoptes_preprocess::ImageData;

use nalgebra::{Isometry3, Quaternion, Translation3, UnitQuaternion};
use panoptes_rig::{Camera, CameraModel, CameraRig};
use serde::Deserialize;

use crate::drive::{Drive, DriveFormat};
use crate::error::{read_json, DriveError};
use crate::frame_set::{CameraFrame, Frame, FrameSet};
use crate::ground_truth::EgoPose;
use crate::paths::{resolve_inside, Links};
use crate::sync::MissingReason;

/// How far a stored quaternion's norm may be from 1.
const QUATERNION_TOLERANCE: f64 = 1e-6;

#[derive(Debug, Deserialize)]
struct SensorRecord {
    token: String,
    channel: String,
    modality: String,
}

#[derive(Debug, Deserialize)]
struct CalibratedSensorRecord {
    token: String,
    sensor_token: String,
    translation: [f64; 3],
    rotation: [f64; 4],
    #[serde(default)]
    camera_intrinsic: Vec<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
struct SampleDataRecord {
    sample_token: String,
    ego_pose_token: String,
    calibrated_sensor_token: String,
    timestamp: u64,
    is_key_frame: bool,
    height: u32,
    width: u32,
    filename: String,
}

#[derive(Debug, Deserialize)]
struct EgoPoseRecord {
    token: String,
    timestamp: u64,
    rotation: [f64; 4],
    translation: [f64; 3],
}

#[derive(Debug, Deserialize)]
struct SampleRecord {
    token: String,
    timestamp: u64,
}

/// Names of `v1.0-*` directories holding a `sample_data.json`, sorted.
pub(crate) fn table_directories(root: &Path) -> Result<Vec<String>, DriveError> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .map_err(DriveError::io(root))?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| {
            name.starts_with("v1.0-") && root.join(name).join("sample_data.json").is_file()
        })
        .collect();
    names.sort();
    Ok(names)
}

/// One camera's calibration as found in the tables.
struct CameraCalibration {
    channel: String,
    calibration_token: String,
    width: u32,
    height: u32,
}

pub(crate) fn read(root: &Path, version: &str) -> Result<Drive, DriveError> {
    let tables = root.join(version);
    let table = |name: &str| tables.join(format!("{name}.json"));
    let sensors: Vec<SensorRecord> = read_json(&table("sensor"))?;
    let calibrations: Vec<CalibratedSensorRecord> = read_json(&table("calibrated_sensor"))?;
    let sample_data: Vec<SampleDataRecord> = read_json(&table("sample_data"))?;
    let ego_records: Vec<EgoPoseRecord> = read_json(&table("ego_pose"))?;
    let mut samples: Vec<SampleRecord> = read_json(&table("sample"))?;

    let camera_sensors: HashMap<&str, &str> = sensors
        .iter()
        .filter(|sensor| sensor.modality == "camera")
        .map(|sensor| (sensor.token.as_str(), sensor.channel.as_str()))
        .collect();
    let calibration_by_token: HashMap<&str, (usize, &CalibratedSensorRecord)> = calibrations
        .iter()
        .enumerate()
        .map(|(position, record)| (record.token.as_str(), (position, record)))
        .collect();

    // Key-frame camera records, with their channel, in table order.
    let mut camera_data: Vec<(usize, &SampleDataRecord, &str)> = Vec::new();
    for (position, record) in sample_data.iter().enumerate() {
        let Some((_, calibration)) =
            calibration_by_token.get(record.calibrated_sensor_token.as_str())
        else {
            return Err(DriveError::InvalidField {
                file: table("sample_data"),
                field: format!("[{position}].calibrated_sensor_token"),
                problem: format!(
                    "token `{}` is not in calibrated_sensor.json",
                    record.calibrated_sensor_token
                ),
                fix: "use complete nuScenes tables".to_owned(),
            });
        };
        if let Some(channel) = camera_sensors.get(calibration.sensor_token.as_str()) {
            if record.is_key_frame {
                camera_data.push((position, record, channel));
            }
        }
    }

    let cameras = camera_calibrations(&sensors, &camera_data, &table("sample_data"))?;
    let rig = build_rig(&cameras, &calibration_by_token, &table("calibrated_sensor"))?;

    let ego_by_token: HashMap<&str, &EgoPoseRecord> = ego_records
        .iter()
        .map(|record| (record.token.as_str(), record))
        .collect();
    samples.sort_by_key(|sample| sample.timestamp);
    let mut data_by_sample: HashMap<&str, Vec<(usize, &SampleDataRecord, &str)>> = HashMap::new();
    for entry in &camera_data {
        data_by_sample
            .entry(entry.1.sample_token.as_str())
            .or_default()
            .push(*entry);
    }
    let mut latest_us: HashMap<&str, u64> = HashMap::new();
    let mut frame_sets = Vec::with_capacity(samples.len());
    let mut poses: Vec<EgoPose> = Vec::new();
    for sample in &samples {
        let entries = data_by_sample
            .get(sample.token.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut frames = Vec::with_capacity(rig.len());
        for camera in rig.cameras() {
            let Some((position, record, _)) = entries
                .iter()
                .find(|(_, _, channel)| *channel == camera.name)
            else {
                frames.push(CameraFrame::Missing {
                    camera: camera.name.clone(),
                    reason: MissingReason::NotRecorded,
                });
                continue;
            };
            let field = format!("[{position}]");
            if let Some(previous_us) = latest_us
                .get(camera.name.as_str())
                .copied()
                .filter(|previous| *previous >= record.timestamp)
            {
                return Err(DriveError::TimestampsBackwards {
                    file: table("sample_data"),
                    field: format!("{field}.timestamp"),
                    camera: camera.name.clone(),
                    previous_us,
                    timestamp_us: record.timestamp,
                });
            }
            latest_us.insert(camera.name.as_str(), record.timestamp);
            let path = resolve_inside(
                root,
                &table("sample_data"),
                &format!("{field}.filename"),
                &record.filename,
                Links::Follow,
            )?;
            frames.push(CameraFrame::Present(Frame {
                camera: camera.name.clone(),
                timestamp_us: record.timestamp,
                image: ImageData::File(path),
                ground_truth: None,
            }));
        }
        let ego_pose = sample_ego_pose(sample, entries, &ego_by_token, &table("ego_pose"))?;
        poses.extend(ego_pose);
        frame_sets.push(FrameSet {
            index: frame_sets.len(),
            timestamp_us: sample.timestamp,
            frames,
            ego_pose,
        });
    }
    poses.sort_by_key(|pose| pose.timestamp_us);
    poses.dedup_by_key(|pose| pose.timestamp_us);
    Ok(Drive {
        root: root.to_owned(),
        format: DriveFormat::NuScenes {
            version: version.to_owned(),
        },
        rig,
        frame_sets,
        ego_poses: poses,
        segmentation_classes: Vec::new(),
    })
}

/// Each camera channel's single calibration and image size, in `sensor.json` order.
fn camera_calibrations(
    sensors: &[SensorRecord],
    camera_data: &[(usize, &SampleDataRecord, &str)],
    file: &Path,
) -> Result<Vec<CameraCalibration>, DriveError> {
    let mut cameras: Vec<CameraCalibration> = Vec::new();
    for sensor in sensors.iter().filter(|sensor| sensor.modality == "camera") {
        let mut found: Option<CameraCalibration> = None;
        for (position, record, _) in camera_data
            .iter()
            .filter(|(_, _, channel)| *channel == sensor.channel)
        {
            match &found {
                None => {
                    found = Some(CameraCalibration {
                        channel: sensor.channel.clone(),
                        calibration_token: record.calibrated_sensor_token.clone(),
                        width: record.width,
                        height: record.height,
                    });
                }
                Some(first) if first.calibration_token != record.calibrated_sensor_token => {
                    return Err(DriveError::InvalidField {
                        file: file.to_owned(),
                        field: format!("[{position}].calibrated_sensor_token"),
                        problem: format!(
                            "camera {} changes calibration within the drive (several logs)",
                            sensor.channel
                        ),
                        fix: "split the dataroot so that one drive holds one vehicle calibration"
                            .to_owned(),
                    });
                }
                Some(first) if (first.width, first.height) != (record.width, record.height) => {
                    return Err(DriveError::InvalidField {
                        file: file.to_owned(),
                        field: format!("[{position}].width"),
                        problem: format!(
                            "camera {} changes image size from {}×{} to {}×{}",
                            sensor.channel, first.width, first.height, record.width, record.height
                        ),
                        fix: "use one image size per camera".to_owned(),
                    });
                }
                Some(_) => {}
            }
        }
        cameras.extend(found);
    }
    if cameras.is_empty() {
        return Err(DriveError::InvalidField {
            file: file.to_owned(),
            field: ".".to_owned(),
            problem: "no key-frame camera records".to_owned(),
            fix: "use tables that include camera sample_data".to_owned(),
        });
    }
    Ok(cameras)
}

fn build_rig(
    cameras: &[CameraCalibration],
    calibration_by_token: &HashMap<&str, (usize, &CalibratedSensorRecord)>,
    file: &Path,
) -> Result<CameraRig, DriveError> {
    let mut rig_cameras = Vec::with_capacity(cameras.len());
    for camera in cameras {
        let Some((position, record)) = calibration_by_token.get(camera.calibration_token.as_str())
        else {
            continue;
        };
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
fn to_rotation(wxyz: [f64; 4]) -> Option<UnitQuaternion<f64>> {
    let [w, x, y, z] = wxyz;
    let quaternion = Quaternion::new(w, x, y, z);
    let norm = quaternion.norm();
    (norm.is_finite() && (norm - 1.0).abs() <= QUATERNION_TOLERANCE)
        .then(|| UnitQuaternion::from_quaternion(quaternion))
}

/// The ego pose of the sample's camera record closest in time to the sample.
fn sample_ego_pose(
    sample: &SampleRecord,
    entries: &[(usize, &SampleDataRecord, &str)],
    ego_by_token: &HashMap<&str, &EgoPoseRecord>,
    file: &Path,
) -> Result<Option<EgoPose>, DriveError> {
    let Some((position, record, _)) = entries
        .iter()
        .min_by_key(|(_, record, _)| record.timestamp.abs_diff(sample.timestamp))
    else {
        return Ok(None);
    };
    let Some(pose) = ego_by_token.get(record.ego_pose_token.as_str()) else {
        return Err(DriveError::InvalidField {
            file: file.with_file_name("sample_data.json"),
            field: format!("[{position}].ego_pose_token"),
            problem: format!("token `{}` is not in ego_pose.json", record.ego_pose_token),
            fix: "use complete nuScenes tables".to_owned(),
        });
    };
    if to_rotation(pose.rotation).is_none() {
        return Err(DriveError::InvalidField {
            file: file.to_owned(),
            field: format!("token {}.rotation", pose.token),
            problem: format!("quaternion {:?} is not of unit length", pose.rotation),
            fix: "give a unit quaternion [w, x, y, z]".to_owned(),
        });
    }
    Ok(Some(EgoPose {
        timestamp_us: pose.timestamp,
        translation: pose.translation,
        rotation_wxyz: pose.rotation,
    }))
}
