//! Reading a nuScenes dataroot (v1.0 tables): each scene becomes a drive with its own rig, its
//! key frames (or every camera frame, sweeps too) as frame sets, and its annotations as ground
//! truth.
//!
//! - A scene's cameras are calibrated once per log: every camera frame of a scene must use one
//!   `calibrated_sensor` record per channel; scenes of different logs may differ.
//! - Key frames: one frame set per `sample`, each camera's key-frame image, its own timestamp.
//!   Every camera frame: each camera's images (sweeps and key frames) in time order, grouped
//!   by the synchronization window like our own drives.
//! - Ground truth, when the dataroot has `sample_annotation.json`: each annotated instance's
//!   box placed at the camera frame's own timestamp (interpolated between the samples around
//!   it, see [`annotations`]), in the ego frame through that frame's ego pose, and its 2D box
//!   derived the devkit's way; categories become class names through a [`CategoryMap`].
//! - Large tables (trainval's run to hundreds of MB) are streamed, keeping only the records of
//!   the scenes asked for.

mod annotations;
mod calibration;
mod tables;
mod writer;

pub use writer::{NuScenesAnnotation, NuScenesWriter};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use nalgebra::Vector3;
use panoptes_preprocess::ImageData;
use serde::Serialize;

use self::annotations::{frame_annotations, occlusion_of_visibility, Key, Track};
use self::calibration::{build_rig, to_rotation, CameraCalibration};
use self::tables::{
    read_all, read_filtered, AnnotationRecord, CalibratedSensorRecord, CategoryRecord,
    EgoPoseRecord, InstanceRecord, LogRecord, SampleDataRecord, SampleRecord, SceneRecord,
    SensorRecord,
};
use crate::categories::CategoryMap;
use crate::drive::{Drive, DriveFormat};
use crate::error::DriveError;
use crate::frame_set::{nearest_pose, CameraFrame, Frame, FrameSet};
use crate::ground_truth::{EgoPose, GroundTruth};
use crate::paths::{resolve_inside, Links};
use crate::sync::{synchronize, MissingReason, Slot, SyncConfig};

/// Which camera frames of a scene become frame sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CameraFrames {
    /// One frame set per sample (2 Hz), each camera's key-frame image.
    #[default]
    KeyFrames,
    /// Every camera image (about 12 Hz, sweeps too), grouped by the synchronization window.
    All,
}

/// How to read a nuScenes dataroot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NuScenesOptions {
    /// The table directory (for example `v1.0-mini`); `None`: the only one there is.
    pub version: Option<String>,
    /// Scene names to read, in this order; empty: every scene, in `scene.json` order.
    pub scenes: Vec<String>,
    /// Key frames only, or every camera frame.
    pub camera_frames: CameraFrames,
    /// nuScenes categories → class names of the ground truth.
    pub categories: CategoryMap,
    /// Grouping of every camera frame into sets; `None`: 50 ms window (a sample's cameras
    /// spread over up to 43 ms).
    pub sync: Option<SyncConfig>,
}

/// One scene of a nuScenes dataroot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SceneInfo {
    /// `scene-0061`, …
    pub name: String,
    /// The scene's description.
    pub description: String,
    /// Its token.
    pub token: String,
    /// The log it was recorded in (`logfile`).
    pub log: String,
    /// Where (`location` of the log).
    pub location: String,
    /// Samples (key-frame sets).
    pub key_frames: usize,
    /// Camera images, key frames and sweeps.
    pub camera_frames: usize,
    /// Time of its first and last sample, µs.
    pub first_timestamp_us: Option<u64>,
    /// Time of its last sample, µs.
    pub last_timestamp_us: Option<u64>,
}

impl SceneInfo {
    /// From the first to the last sample, seconds.
    #[must_use]
    pub fn duration_seconds(&self) -> f64 {
        match (self.first_timestamp_us, self.last_timestamp_us) {
            (Some(first), Some(last)) => last.saturating_sub(first) as f64 / 1e6,
            _ => 0.0,
        }
    }
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

/// The table directory to read: the one asked for, or the only one.
pub(crate) fn choose_version(root: &Path, version: Option<&str>) -> Result<String, DriveError> {
    let found = table_directories(root)?;
    match (version, found.as_slice()) {
        (Some(version), _) if found.iter().any(|name| name == version) => Ok(version.to_owned()),
        (Some(version), _) => Err(DriveError::InvalidSetting {
            setting: "nuscenes version",
            problem: format!(
                "{} has no table directory {version} with a sample_data.json (found: {})",
                root.display(),
                if found.is_empty() {
                    "none".to_owned()
                } else {
                    found.join(", ")
                }
            ),
        }),
        (None, [only]) => Ok(only.clone()),
        (None, []) => Err(DriveError::NotADrive {
            path: root.to_owned(),
        }),
        (None, _) => Err(DriveError::InvalidSetting {
            setting: "nuscenes version",
            problem: format!(
                "{} holds several table directories ({}); choose one",
                root.display(),
                found.join(", ")
            ),
        }),
    }
}

/// The small tables every read needs.
struct Catalogue {
    tables: PathBuf,
    scenes: Vec<SceneRecord>,
    logs: Vec<LogRecord>,
    samples: Vec<SampleRecord>,
    /// Camera calibrations: token → (position in the table, record, channel).
    cameras: HashMap<String, (usize, CalibratedSensorRecord, String)>,
    /// Every calibration token (cameras or not).
    calibration_tokens: HashSet<String>,
}

impl Catalogue {
    fn read(root: &Path, version: &str) -> Result<Self, DriveError> {
        let tables = root.join(version);
        let sensors: Vec<SensorRecord> = read_all(&tables.join("sensor.json"))?;
        let channels: HashMap<&str, &str> = sensors
            .iter()
            .filter(|sensor| sensor.modality == "camera")
            .map(|sensor| (sensor.token.as_str(), sensor.channel.as_str()))
            .collect();
        let calibrations: Vec<CalibratedSensorRecord> =
            read_all(&tables.join("calibrated_sensor.json"))?;
        let calibration_tokens = calibrations.iter().map(|c| c.token.clone()).collect();
        let cameras = calibrations
            .into_iter()
            .enumerate()
            .filter_map(|(position, record)| {
                let channel = channels.get(record.sensor_token.as_str())?.to_string();
                Some((record.token.clone(), (position, record, channel)))
            })
            .collect();
        let scenes_file = tables.join("scene.json");
        let (scenes, logs) = if scenes_file.is_file() {
            (read_all(&scenes_file)?, read_all(&tables.join("log.json"))?)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Self {
            samples: read_all(&tables.join("sample.json"))?,
            tables,
            scenes,
            logs,
            cameras,
            calibration_tokens,
        })
    }

    fn file(&self, table: &str) -> PathBuf {
        self.tables.join(format!("{table}.json"))
    }

    /// The summary of each scene, with the number of camera images counted from `counts`
    /// (scene position → images).
    fn summaries(&self, counts: &HashMap<usize, usize>) -> Vec<SceneInfo> {
        self.scenes
            .iter()
            .enumerate()
            .map(|(position, scene)| {
                let log = self.logs.iter().find(|log| log.token == scene.log_token);
                let times: Vec<u64> = self
                    .samples
                    .iter()
                    .filter(|sample| sample.scene_token == scene.token)
                    .map(|sample| sample.timestamp)
                    .collect();
                SceneInfo {
                    name: scene.name.clone(),
                    description: scene.description.clone(),
                    token: scene.token.clone(),
                    log: log.map(|log| log.logfile.clone()).unwrap_or_default(),
                    location: log.map(|log| log.location.clone()).unwrap_or_default(),
                    key_frames: times.len(),
                    camera_frames: counts.get(&position).copied().unwrap_or(0),
                    first_timestamp_us: times.iter().min().copied(),
                    last_timestamp_us: times.iter().max().copied(),
                }
            })
            .collect()
    }

    /// Sample token → scene position, for the samples of the scenes in `chosen`.
    fn samples_of(&self, chosen: &[usize]) -> HashMap<String, usize> {
        let scene_of: HashMap<&str, usize> = chosen
            .iter()
            .map(|position| (self.scenes[*position].token.as_str(), *position))
            .collect();
        self.samples
            .iter()
            .filter_map(|sample| {
                let scene = scene_of.get(sample.scene_token.as_str())?;
                Some((sample.token.clone(), *scene))
            })
            .collect()
    }
}

/// The scenes of a dataroot (reads the camera records once to count each scene's images).
pub(crate) fn list_scenes(root: &Path, version: &str) -> Result<Vec<SceneInfo>, DriveError> {
    let catalogue = Catalogue::read(root, version)?;
    let all: Vec<usize> = (0..catalogue.scenes.len()).collect();
    let scene_of_sample = catalogue.samples_of(&all);
    let mut counts: HashMap<usize, usize> = HashMap::new();
    read_filtered(
        &catalogue.file("sample_data"),
        |record: &SampleDataRecord| {
            if catalogue
                .cameras
                .contains_key(record.calibrated_sensor_token.as_str())
            {
                if let Some(scene) = scene_of_sample.get(record.sample_token.as_str()) {
                    *counts.entry(*scene).or_default() += 1;
                }
            }
            false
        },
    )?;
    Ok(catalogue.summaries(&counts))
}

/// Reads the scenes asked for, each as a drive.
pub(crate) fn read_scenes(
    root: &Path,
    version: &str,
    options: &NuScenesOptions,
) -> Result<Vec<Drive>, DriveError> {
    let catalogue = Catalogue::read(root, version)?;
    // Tables without scene.json (older extracts): every sample is one scene.
    let chosen = choose_scenes(&catalogue, &options.scenes)?;
    let scene_of_sample = if catalogue.scenes.is_empty() {
        catalogue
            .samples
            .iter()
            .map(|sample| (sample.token.clone(), 0))
            .collect()
    } else {
        catalogue.samples_of(&chosen)
    };
    let sample_data_file = catalogue.file("sample_data");
    let mut unknown_calibration: Option<(usize, String)> = None;
    let mut position = 0usize;
    let records = read_filtered(&sample_data_file, |record: &SampleDataRecord| {
        let here = position;
        position += 1;
        let token = record.calibrated_sensor_token.as_str();
        if !catalogue.calibration_tokens.contains(token) && unknown_calibration.is_none() {
            unknown_calibration = Some((here, token.to_owned()));
        }
        catalogue.cameras.contains_key(token)
            && scene_of_sample.contains_key(record.sample_token.as_str())
            && (record.is_key_frame || options.camera_frames == CameraFrames::All)
    })?;
    if let Some((position, token)) = unknown_calibration {
        return Err(DriveError::InvalidField {
            file: sample_data_file,
            field: format!("[{position}].calibrated_sensor_token"),
            problem: format!("token `{token}` is not in calibrated_sensor.json"),
            fix: "use complete nuScenes tables".to_owned(),
        });
    }
    let needed: HashSet<&str> = records
        .iter()
        .map(|(_, record)| record.ego_pose_token.as_str())
        .collect();
    let ego_file = catalogue.file("ego_pose");
    let poses: HashMap<String, EgoPose> = read_filtered(&ego_file, |pose: &EgoPoseRecord| {
        needed.contains(pose.token.as_str())
    })?
    .into_iter()
    .map(|(position, pose)| checked_pose(&ego_file, position, pose))
    .collect::<Result<_, _>>()?;
    let tracks = read_tracks(&catalogue, &scene_of_sample, &options.categories)?;
    let mut by_scene: HashMap<usize, Vec<(usize, SampleDataRecord)>> = HashMap::new();
    for (position, record) in records {
        let scene = scene_of_sample[record.sample_token.as_str()];
        by_scene.entry(scene).or_default().push((position, record));
    }
    let context = SceneContext {
        root,
        version,
        catalogue: &catalogue,
        poses: &poses,
        options,
    };
    let summaries = catalogue.summaries(&HashMap::new());
    chosen
        .iter()
        .map(|scene| {
            let records = by_scene.remove(scene).unwrap_or_default();
            let mut summary = summaries.get(*scene).cloned();
            if let Some(summary) = &mut summary {
                summary.camera_frames = records.len();
            }
            let tracks = tracks
                .as_ref()
                .map(|tracks| tracks.get(scene).map(Vec::as_slice).unwrap_or_default());
            context.read_scene(summary, &records, tracks)
        })
        .collect()
}

/// Scene positions for the names asked for (all when none).
fn choose_scenes(catalogue: &Catalogue, names: &[String]) -> Result<Vec<usize>, DriveError> {
    if catalogue.scenes.is_empty() {
        return if names.is_empty() {
            Ok(vec![0])
        } else {
            Err(DriveError::InvalidSetting {
                setting: "scene",
                problem: format!(
                    "{} has no scene.json; read it without choosing scenes",
                    catalogue.tables.display()
                ),
            })
        };
    }
    if names.is_empty() {
        return Ok((0..catalogue.scenes.len()).collect());
    }
    names
        .iter()
        .map(|name| {
            catalogue
                .scenes
                .iter()
                .position(|scene| &scene.name == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = catalogue
                        .scenes
                        .iter()
                        .map(|scene| scene.name.as_str())
                        .collect();
                    DriveError::InvalidSetting {
                        setting: "scene",
                        problem: format!(
                            "no scene `{name}` in {} (scenes: {})",
                            catalogue.file("scene").display(),
                            known.join(", ")
                        ),
                    }
                })
        })
        .collect()
}

/// Each scene's annotated instances (scene position → tracks), or `None` when the dataroot
/// has no annotation tables.
fn read_tracks(
    catalogue: &Catalogue,
    scene_of_sample: &HashMap<String, usize>,
    categories: &CategoryMap,
) -> Result<Option<HashMap<usize, Vec<Track>>>, DriveError> {
    let annotation_file = catalogue.file("sample_annotation");
    if !annotation_file.is_file() {
        return Ok(None);
    }
    let category_names: HashMap<String, String> =
        read_all::<CategoryRecord>(&catalogue.file("category"))?
            .into_iter()
            .map(|category| (category.token, category.name))
            .collect();
    let instance_file = catalogue.file("instance");
    let mut instances: HashMap<String, (u32, Option<String>)> = HashMap::new();
    for (position, instance) in read_all::<InstanceRecord>(&instance_file)?
        .into_iter()
        .enumerate()
    {
        let Some(category) = category_names.get(&instance.category_token) else {
            return Err(DriveError::InvalidField {
                file: instance_file,
                field: format!("[{position}].category_token"),
                problem: format!(
                    "token `{}` is not in category.json",
                    instance.category_token
                ),
                fix: "use complete nuScenes tables".to_owned(),
            });
        };
        let class = categories.class_of(category).map(str::to_owned);
        instances.insert(instance.token, (position as u32 + 1, class));
    }
    let sample_times: HashMap<&str, u64> = catalogue
        .samples
        .iter()
        .map(|sample| (sample.token.as_str(), sample.timestamp))
        .collect();
    let annotations = read_filtered(&annotation_file, |annotation: &AnnotationRecord| {
        scene_of_sample.contains_key(annotation.sample_token.as_str())
    })?;
    let mut tracks: HashMap<usize, HashMap<u32, Track>> = HashMap::new();
    for (position, annotation) in annotations {
        let field = |name: &str| format!("[{position}].{name}");
        let invalid = |name: &str, problem: String, fix: &str| DriveError::InvalidField {
            file: annotation_file.clone(),
            field: field(name),
            problem,
            fix: fix.to_owned(),
        };
        let Some((instance_id, class)) = instances.get(&annotation.instance_token) else {
            return Err(invalid(
                "instance_token",
                format!(
                    "token `{}` is not in instance.json",
                    annotation.instance_token
                ),
                "use complete nuScenes tables",
            ));
        };
        let Some(class) = class else {
            continue;
        };
        let rotation = to_rotation(annotation.rotation).ok_or_else(|| {
            invalid(
                "rotation",
                format!("quaternion {:?} is not of unit length", annotation.rotation),
                "give a unit quaternion [w, x, y, z]",
            )
        })?;
        if !annotation
            .size
            .iter()
            .all(|size| size.is_finite() && *size > 0.0)
            || !annotation.translation.iter().all(|value| value.is_finite())
        {
            return Err(invalid(
                "size",
                format!(
                    "size {:?} at {:?} must be positive and finite metres",
                    annotation.size, annotation.translation
                ),
                "give width, length and height in metres",
            ));
        }
        let occlusion = occlusion_of_visibility(&annotation.visibility_token).ok_or_else(|| {
            invalid(
                "visibility_token",
                format!(
                    "`{}` is not a visibility level",
                    annotation.visibility_token
                ),
                "use \"1\" to \"4\", or \"\" when unknown",
            )
        })?;
        let scene = scene_of_sample[annotation.sample_token.as_str()];
        let track = tracks
            .entry(scene)
            .or_default()
            .entry(*instance_id)
            .or_insert_with(|| Track {
                class: class.clone(),
                instance_id: *instance_id,
                keys: Vec::new(),
            });
        track.keys.push(Key {
            timestamp_us: sample_times[annotation.sample_token.as_str()],
            centre: Vector3::from(annotation.translation),
            rotation,
            size_wlh: annotation.size,
            occlusion,
        });
    }
    Ok(Some(
        tracks
            .into_iter()
            .map(|(scene, tracks)| {
                let mut tracks: Vec<Track> = tracks.into_values().collect();
                tracks.sort_by_key(|track| track.instance_id);
                for track in &mut tracks {
                    track.keys.sort_by_key(|key| key.timestamp_us);
                }
                (scene, tracks)
            })
            .collect(),
    ))
}

fn checked_pose(
    file: &Path,
    position: usize,
    pose: EgoPoseRecord,
) -> Result<(String, EgoPose), DriveError> {
    if to_rotation(pose.rotation).is_none() {
        return Err(DriveError::InvalidField {
            file: file.to_owned(),
            field: format!("[{position}].rotation"),
            problem: format!("quaternion {:?} is not of unit length", pose.rotation),
            fix: "give a unit quaternion [w, x, y, z]".to_owned(),
        });
    }
    Ok((
        pose.token,
        EgoPose {
            timestamp_us: pose.timestamp,
            translation: pose.translation,
            rotation_wxyz: pose.rotation,
        },
    ))
}

/// What every scene of one read shares.
struct SceneContext<'a> {
    root: &'a Path,
    version: &'a str,
    catalogue: &'a Catalogue,
    poses: &'a HashMap<String, EgoPose>,
    options: &'a NuScenesOptions,
}

impl SceneContext<'_> {
    fn read_scene(
        &self,
        scene: Option<SceneInfo>,
        records: &[(usize, SampleDataRecord)],
        tracks: Option<&[Track]>,
    ) -> Result<Drive, DriveError> {
        let file = self.catalogue.file("sample_data");
        let calibrations = self.scene_calibrations(records, &file)?;
        let rig = build_rig(&calibrations, &self.catalogue.file("calibrated_sensor"))?;
        // Each camera's frames in time order, with the sample they belong to.
        let mut streams: Vec<Vec<(&str, Frame, EgoPose)>> = vec![Vec::new(); rig.len()];
        let mut ego_poses = Vec::with_capacity(records.len());
        let mut ordered: Vec<&(usize, SampleDataRecord)> = records.iter().collect();
        ordered.sort_by_key(|(_, record)| record.timestamp);
        for (position, record) in ordered {
            let channel = &self.catalogue.cameras[record.calibrated_sensor_token.as_str()].2;
            let Some(camera_index) = rig.index_of(channel) else {
                continue;
            };
            let field = format!("[{position}]");
            let Some(pose) = self.poses.get(&record.ego_pose_token) else {
                return Err(DriveError::InvalidField {
                    file: file.clone(),
                    field: format!("{field}.ego_pose_token"),
                    problem: format!("token `{}` is not in ego_pose.json", record.ego_pose_token),
                    fix: "use complete nuScenes tables".to_owned(),
                });
            };
            let stream = &mut streams[camera_index];
            if let Some((_, previous, _)) = stream.last() {
                if previous.timestamp_us >= record.timestamp {
                    return Err(DriveError::TimestampsBackwards {
                        file,
                        field: format!("{field}.timestamp"),
                        camera: channel.clone(),
                        previous_us: previous.timestamp_us,
                        timestamp_us: record.timestamp,
                    });
                }
            }
            let path = resolve_inside(
                self.root,
                &file,
                &format!("{field}.filename"),
                &record.filename,
                Links::Follow,
            )?;
            let camera = &rig.cameras()[camera_index];
            let ground_truth = tracks.map(|tracks| GroundTruth {
                annotations: frame_annotations(
                    tracks,
                    camera,
                    &pose.ego_to_world(),
                    record.timestamp,
                ),
                segmentation: None,
                depth: None,
            });
            ego_poses.push(*pose);
            stream.push((
                record.sample_token.as_str(),
                Frame {
                    camera: channel.clone(),
                    timestamp_us: record.timestamp,
                    image: ImageData::File(path),
                    ground_truth,
                },
                *pose,
            ));
        }
        ego_poses.sort_by_key(|pose| pose.timestamp_us);
        ego_poses.dedup_by_key(|pose| pose.timestamp_us);
        let frame_sets = match self.options.camera_frames {
            CameraFrames::KeyFrames => self.key_frame_sets(scene.as_ref(), &rig, streams),
            CameraFrames::All => {
                let config = self.options.sync.unwrap_or_default();
                all_frame_sets(&rig, streams, &ego_poses, config)?
            }
        };
        Ok(Drive {
            root: self.root.to_owned(),
            format: DriveFormat::NuScenes {
                version: self.version.to_owned(),
            },
            rig,
            frame_sets,
            ego_poses,
            segmentation_classes: Vec::new(),
            scene,
        })
    }

    /// The scene's one calibration and image size per camera channel, in `sensor.json` order
    /// of first use.
    fn scene_calibrations<'c>(
        &'c self,
        records: &[(usize, SampleDataRecord)],
        file: &Path,
    ) -> Result<Vec<CameraCalibration<'c>>, DriveError> {
        let mut cameras: Vec<CameraCalibration<'c>> = Vec::new();
        let mut by_channel: Vec<(&str, &str, u32, u32)> = Vec::new();
        for (position, record) in records {
            let token = record.calibrated_sensor_token.as_str();
            let (calibration_position, calibration, channel) = &self.catalogue.cameras[token];
            match by_channel.iter().find(|(name, ..)| name == channel) {
                None => {
                    by_channel.push((channel, token, record.width, record.height));
                    cameras.push(CameraCalibration {
                        channel: channel.clone(),
                        record: (*calibration_position, calibration),
                        width: record.width,
                        height: record.height,
                    });
                }
                Some((_, first, ..)) if *first != token => {
                    return Err(DriveError::InvalidField {
                        file: file.to_owned(),
                        field: format!("[{position}].calibrated_sensor_token"),
                        problem: format!(
                            "camera {channel} changes calibration within one scene (from `{first}` to `{token}`)"
                        ),
                        fix: "give each scene one calibration per camera, as nuScenes logs do"
                            .to_owned(),
                    });
                }
                Some((_, _, width, height))
                    if (*width, *height) != (record.width, record.height) =>
                {
                    return Err(DriveError::InvalidField {
                        file: file.to_owned(),
                        field: format!("[{position}].width"),
                        problem: format!(
                            "camera {channel} changes image size from {width}×{height} to {}×{}",
                            record.width, record.height
                        ),
                        fix: "use one image size per camera".to_owned(),
                    });
                }
                Some(_) => {}
            }
        }
        if cameras.is_empty() {
            return Err(DriveError::InvalidField {
                file: file.to_owned(),
                field: ".".to_owned(),
                problem: "no camera records for this scene".to_owned(),
                fix: "use tables that include camera sample_data".to_owned(),
            });
        }
        // Rig order: the channels' order in the calibration table (nuScenes: CAM_FRONT, …).
        cameras.sort_by_key(|camera| camera.record.0);
        Ok(cameras)
    }

    /// One frame set per sample of the scene, in time order.
    fn key_frame_sets(
        &self,
        scene: Option<&SceneInfo>,
        rig: &panoptes_rig::CameraRig,
        streams: Vec<Vec<(&str, Frame, EgoPose)>>,
    ) -> Vec<FrameSet> {
        let mut samples: Vec<&SampleRecord> = self
            .catalogue
            .samples
            .iter()
            .filter(|sample| scene.is_none_or(|scene| sample.scene_token == scene.token))
            .collect();
        samples.sort_by_key(|sample| sample.timestamp);
        let mut by_sample: HashMap<&str, Vec<(Frame, EgoPose)>> = HashMap::new();
        for (sample, frame, pose) in streams.into_iter().flatten() {
            by_sample.entry(sample).or_default().push((frame, pose));
        }
        samples
            .iter()
            .filter_map(|sample| {
                let mut present = by_sample.remove(sample.token.as_str())?;
                // The ego pose of the camera frame nearest to the sample's time.
                let ego_pose = present
                    .iter()
                    .min_by_key(|(frame, _)| frame.timestamp_us.abs_diff(sample.timestamp))
                    .map(|(_, pose)| *pose);
                let frames: Vec<CameraFrame> = rig
                    .cameras()
                    .iter()
                    .map(|camera| {
                        match present
                            .iter()
                            .position(|(frame, _)| frame.camera == camera.name)
                        {
                            Some(index) => CameraFrame::Present(present.swap_remove(index).0),
                            None => CameraFrame::Missing {
                                camera: camera.name.clone(),
                                reason: MissingReason::NotRecorded,
                            },
                        }
                    })
                    .collect();
                Some((sample.timestamp, frames, ego_pose))
            })
            .enumerate()
            .map(|(index, (timestamp_us, frames, ego_pose))| FrameSet {
                index,
                timestamp_us,
                frames,
                ego_pose,
            })
            .collect()
    }
}

/// Every camera frame, grouped by the synchronization window.
fn all_frame_sets(
    rig: &panoptes_rig::CameraRig,
    streams: Vec<Vec<(&str, Frame, EgoPose)>>,
    poses: &[EgoPose],
    config: SyncConfig,
) -> Result<Vec<FrameSet>, DriveError> {
    config.validate()?;
    let config = SyncConfig {
        max_wait_us: config.max_wait_us.max(config.window_us),
        ..config
    };
    let times: Vec<Vec<u64>> = streams
        .iter()
        .map(|stream| {
            stream
                .iter()
                .map(|(_, frame, _)| frame.timestamp_us)
                .collect()
        })
        .collect();
    let sets = synchronize(&times, config)?;
    let mut frames: Vec<Vec<Option<Frame>>> = streams
        .into_iter()
        .map(|stream| {
            stream
                .into_iter()
                .map(|(_, frame, _)| Some(frame))
                .collect()
        })
        .collect();
    Ok(sets
        .into_iter()
        .enumerate()
        .map(|(index, set)| FrameSet {
            index,
            timestamp_us: set.anchor_us,
            frames: set
                .slots
                .into_iter()
                .enumerate()
                .map(|(camera, slot)| match slot {
                    Slot::Present { item, .. } => match frames[camera][item].take() {
                        Some(frame) => CameraFrame::Present(frame),
                        None => CameraFrame::Missing {
                            camera: rig.cameras()[camera].name.clone(),
                            reason: MissingReason::NoFrameInWindow,
                        },
                    },
                    Slot::Missing(reason) => CameraFrame::Missing {
                        camera: rig.cameras()[camera].name.clone(),
                        reason,
                    },
                })
                .collect(),
            ego_pose: nearest_pose(poses, set.anchor_us),
        })
        .collect())
}
