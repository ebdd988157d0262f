//! Writing a nuScenes dataroot: scenes with their own calibration, key frames and sweeps,
//! ego poses per camera frame, annotations. The simulator writes drives this way so that the
//! reader is tested against known truth; the tables follow the v1.0 schema closely enough for
//! the nuScenes devkit's loader (no LiDAR, radar or map records).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use panoptes_rig::CameraRig;
use serde::Serialize;

use super::annotations::visibility_of_occlusion;
use super::tables::{
    AnnotationRecord, CalibratedSensorRecord, CategoryRecord, EgoPoseRecord, InstanceRecord,
    LogRecord, SampleDataRecord, SampleRecord, SceneRecord, SensorRecord,
};
use crate::error::DriveError;
use crate::ground_truth::EgoPose;
use crate::paths::is_plain_name;
use crate::writer::create_empty_directory;

/// One annotated box of the current sample, in the global frame.
#[derive(Debug, Clone, PartialEq)]
pub struct NuScenesAnnotation {
    /// The caller's identity of the object, the same in every sample of the scene (objects of
    /// different scenes are different instances).
    pub object: u64,
    /// nuScenes category name (for example `vehicle.car`).
    pub category: String,
    /// Box centre, global frame, metres.
    pub centre: [f64; 3],
    /// Width, length, height, metres (nuScenes' order).
    pub size_wlh: [f64; 3],
    /// Orientation in the global frame, unit quaternion `[w, x, y, z]`.
    pub rotation_wxyz: [f64; 4],
    /// Fraction hidden across all cameras (written as the visibility level); `None`: unknown.
    pub occlusion: Option<f64>,
}

/// Writes a nuScenes dataroot; see the module documentation.
#[derive(Debug)]
pub struct NuScenesWriter {
    root: PathBuf,
    tables: PathBuf,
    next_token: u64,
    sensors: Vec<SensorRecord>,
    calibrations: Vec<CalibratedSensorRecord>,
    logs: Vec<LogRecord>,
    scenes: Vec<SceneRecord>,
    samples: Vec<SampleRecord>,
    sample_data: Vec<SampleDataRecord>,
    ego_poses: Vec<EgoPoseRecord>,
    categories: Vec<CategoryRecord>,
    instances: Vec<InstanceRecord>,
    annotations: Vec<AnnotationRecord>,
    /// (Scene position, the caller's object) → position in `instances`.
    instance_of: HashMap<(usize, u64), usize>,
    scene: Option<OpenScene>,
}

/// The scene being written.
#[derive(Debug)]
struct OpenScene {
    /// Camera channel → calibration token.
    calibration_of: HashMap<String, String>,
    /// Image size per channel.
    sizes: HashMap<String, (u32, u32)>,
    /// Position of each channel's latest `sample_data` record (for prev/next).
    latest_frame: HashMap<String, usize>,
    /// Position of each instance's latest annotation in this scene.
    latest_annotation: HashMap<usize, usize>,
    logfile: String,
}

impl NuScenesWriter {
    /// Creates the dataroot (it may exist if empty) and its table directory `version` (for
    /// example `v1.0-mini`).
    pub fn create(root: &Path, version: &str) -> Result<Self, DriveError> {
        if !(version.starts_with("v1.0-") && is_plain_name(version)) {
            return Err(DriveError::InvalidSetting {
                setting: "nuscenes version",
                problem: format!("`{version}` must be a directory name starting with `v1.0-`"),
            });
        }
        create_empty_directory(root)?;
        let tables = root.join(version);
        std::fs::create_dir_all(&tables).map_err(DriveError::io(&tables))?;
        Ok(Self {
            root: root.to_owned(),
            tables,
            next_token: 0,
            sensors: Vec::new(),
            calibrations: Vec::new(),
            logs: Vec::new(),
            scenes: Vec::new(),
            samples: Vec::new(),
            sample_data: Vec::new(),
            ego_poses: Vec::new(),
            categories: Vec::new(),
            instances: Vec::new(),
            annotations: Vec::new(),
            instance_of: HashMap::new(),
            scene: None,
        })
    }

    /// A unique 32-hex-digit token, as nuScenes' are.
    fn token(&mut self) -> String {
        self.next_token += 1;
        format!("{:032x}", self.next_token)
    }

    /// Starts a scene (and its log) whose cameras are `rig`'s, calibrated as `rig` says.
    /// nuScenes tables hold pinhole cameras only.
    pub fn begin_scene(
        &mut self,
        name: &str,
        description: &str,
        rig: &CameraRig,
    ) -> Result<(), DriveError> {
        if !is_plain_name(name) || self.scenes.iter().any(|scene| scene.name == name) {
            return Err(DriveError::InvalidSetting {
                setting: "scene",
                problem: format!("`{name}` is not a new, plain scene name"),
            });
        }
        let log_token = self.token();
        let logfile = format!("{name}-log");
        self.logs.push(LogRecord {
            token: log_token.clone(),
            logfile: logfile.clone(),
            vehicle: "panoptes-sim".to_owned(),
            date_captured: String::new(),
            location: "simulation".to_owned(),
        });
        let mut calibration_of = HashMap::new();
        let mut sizes = HashMap::new();
        for camera in rig.cameras() {
            let distorted = matches!(
                camera.model,
                panoptes_rig::CameraModel::Pinhole { distortion, .. } if distortion != [0.0; 5]
            );
            if camera.model.kind() != "pinhole" || distorted || !is_plain_name(&camera.name) {
                return Err(DriveError::InvalidSetting {
                    setting: "rig",
                    problem: format!(
                        "camera {} is {}: nuScenes tables hold undistorted pinhole cameras with plain names only",
                        camera.name,
                        if distorted { "distorted" } else { camera.model.kind() }
                    ),
                });
            }
            let sensor_token = match self
                .sensors
                .iter()
                .find(|sensor| sensor.channel == camera.name)
            {
                Some(sensor) => sensor.token.clone(),
                None => {
                    let token = self.token();
                    self.sensors.push(SensorRecord {
                        token: token.clone(),
                        channel: camera.name.clone(),
                        modality: "camera".to_owned(),
                    });
                    token
                }
            };
            let (fx, fy, cx, cy) = camera.model.focal_and_centre();
            let rotation = camera.sensor_to_ego.rotation;
            let translation = camera.sensor_to_ego.translation.vector;
            let token = self.token();
            self.calibrations.push(CalibratedSensorRecord {
                token: token.clone(),
                sensor_token,
                translation: [translation.x, translation.y, translation.z],
                rotation: [rotation.w, rotation.i, rotation.j, rotation.k],
                camera_intrinsic: vec![vec![fx, 0.0, cx], vec![0.0, fy, cy], vec![0.0, 0.0, 1.0]],
            });
            calibration_of.insert(camera.name.clone(), token);
            sizes.insert(camera.name.clone(), (camera.width, camera.height));
        }
        let token = self.token();
        self.scenes.push(SceneRecord {
            token,
            log_token,
            nbr_samples: 0,
            first_sample_token: String::new(),
            last_sample_token: String::new(),
            name: name.to_owned(),
            description: description.to_owned(),
        });
        self.scene = Some(OpenScene {
            calibration_of,
            sizes,
            latest_frame: HashMap::new(),
            latest_annotation: HashMap::new(),
            logfile,
        });
        Ok(())
    }

    fn open_scene(&self, what: &str) -> Result<(), DriveError> {
        if self.scene.is_none() {
            return Err(DriveError::InvalidSetting {
                setting: "scene",
                problem: format!("{what} before begin_scene"),
            });
        }
        Ok(())
    }

    /// Starts a sample (a key frame) of the current scene at `timestamp_us`, after the
    /// scene's previous one.
    pub fn add_sample(&mut self, timestamp_us: u64) -> Result<(), DriveError> {
        self.open_scene("a sample")?;
        let token = self.token();
        let scene = self.scenes.len() - 1;
        let position = self.samples.len();
        let previous = self
            .samples
            .last_mut()
            .filter(|sample| sample.scene_token == self.scenes[scene].token);
        let mut prev = String::new();
        if let Some(previous) = previous {
            if previous.timestamp >= timestamp_us {
                return Err(DriveError::TimestampsBackwards {
                    file: self.tables.join("sample.json"),
                    field: format!("[{position}].timestamp"),
                    camera: "sample".to_owned(),
                    previous_us: previous.timestamp,
                    timestamp_us,
                });
            }
            previous.next = token.clone();
            prev = previous.token.clone();
        }
        let scene = &mut self.scenes[scene];
        if scene.first_sample_token.is_empty() {
            scene.first_sample_token = token.clone();
        }
        scene.last_sample_token = token.clone();
        scene.nbr_samples += 1;
        self.samples.push(SampleRecord {
            token,
            timestamp: timestamp_us,
            prev,
            next: String::new(),
            scene_token: scene.token.clone(),
        });
        Ok(())
    }

    /// Writes one camera image of the current sample (`key_frame`) or a sweep after it, with
    /// the ego pose at the image's own time.
    pub fn add_frame(
        &mut self,
        camera: &str,
        timestamp_us: u64,
        jpeg: &[u8],
        key_frame: bool,
        ego_pose: EgoPose,
    ) -> Result<(), DriveError> {
        self.open_scene("a frame")?;
        let Some(sample) = self.samples.last() else {
            return Err(DriveError::InvalidSetting {
                setting: "sample",
                problem: format!("frame of {camera} before the scene's first sample"),
            });
        };
        let sample_token = sample.token.clone();
        let pose_token = self.token();
        let token = self.token();
        let Some(scene) = self.scene.as_mut() else {
            return Ok(());
        };
        let (Some(calibration), Some(&(width, height))) =
            (scene.calibration_of.get(camera), scene.sizes.get(camera))
        else {
            return Err(DriveError::InvalidSetting {
                setting: "camera",
                problem: format!("camera {camera} is not in the scene's rig"),
            });
        };
        let folder = if key_frame { "samples" } else { "sweeps" };
        let filename = format!(
            "{folder}/{camera}/{}__{camera}__{timestamp_us}.jpg",
            scene.logfile
        );
        let mut prev = String::new();
        let position = self.sample_data.len();
        if let Some(&latest) = scene.latest_frame.get(camera) {
            let previous = &mut self.sample_data[latest];
            if previous.timestamp >= timestamp_us {
                return Err(DriveError::TimestampsBackwards {
                    file: self.tables.join("sample_data.json"),
                    field: format!("[{position}].timestamp"),
                    camera: camera.to_owned(),
                    previous_us: previous.timestamp,
                    timestamp_us,
                });
            }
            previous.next = token.clone();
            prev = previous.token.clone();
        }
        let path = self.root.join(&filename);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(DriveError::io(parent))?;
        }
        std::fs::write(&path, jpeg).map_err(DriveError::io(&path))?;
        scene
            .latest_frame
            .insert(camera.to_owned(), self.sample_data.len());
        self.sample_data.push(SampleDataRecord {
            token,
            sample_token,
            ego_pose_token: pose_token.clone(),
            calibrated_sensor_token: calibration.clone(),
            timestamp: timestamp_us,
            fileformat: "jpg".to_owned(),
            is_key_frame: key_frame,
            height,
            width,
            filename,
            prev,
            next: String::new(),
        });
        self.ego_poses.push(EgoPoseRecord {
            token: pose_token,
            timestamp: ego_pose.timestamp_us,
            rotation: ego_pose.rotation_wxyz,
            translation: ego_pose.translation,
        });
        Ok(())
    }

    /// Annotates a box in the current sample.
    pub fn add_annotation(&mut self, annotation: NuScenesAnnotation) -> Result<(), DriveError> {
        self.open_scene("an annotation")?;
        let Some(sample) = self.samples.last() else {
            return Err(DriveError::InvalidSetting {
                setting: "sample",
                problem: "annotation before the scene's first sample".to_owned(),
            });
        };
        let sample_token = sample.token.clone();
        let category_token = match self
            .categories
            .iter()
            .find(|category| category.name == annotation.category)
        {
            Some(category) => category.token.clone(),
            None => {
                let token = self.token();
                self.categories.push(CategoryRecord {
                    token: token.clone(),
                    name: annotation.category.clone(),
                    description: String::new(),
                });
                token
            }
        };
        let key = (self.scenes.len(), annotation.object);
        let instance = match self.instance_of.get(&key) {
            Some(&instance) => instance,
            None => {
                let token = self.token();
                self.instances.push(InstanceRecord {
                    token,
                    category_token,
                    nbr_annotations: 0,
                    first_annotation_token: String::new(),
                    last_annotation_token: String::new(),
                });
                self.instance_of.insert(key, self.instances.len() - 1);
                self.instances.len() - 1
            }
        };
        let token = self.token();
        let Some(scene) = self.scene.as_mut() else {
            return Ok(());
        };
        let mut prev = String::new();
        if let Some(&latest) = scene.latest_annotation.get(&instance) {
            let previous = &mut self.annotations[latest];
            previous.next = token.clone();
            prev = previous.token.clone();
        }
        scene
            .latest_annotation
            .insert(instance, self.annotations.len());
        let record = &mut self.instances[instance];
        if record.first_annotation_token.is_empty() {
            record.first_annotation_token = token.clone();
        }
        record.last_annotation_token = token.clone();
        record.nbr_annotations += 1;
        self.annotations.push(AnnotationRecord {
            token,
            sample_token,
            instance_token: record.token.clone(),
            visibility_token: annotation
                .occlusion
                .map_or("", visibility_of_occlusion)
                .to_owned(),
            attribute_tokens: Vec::new(),
            translation: annotation.centre,
            size: annotation.size_wlh,
            rotation: annotation.rotation_wxyz,
            prev,
            next: String::new(),
            num_lidar_pts: 0,
            num_radar_pts: 0,
        });
        Ok(())
    }

    /// Writes the tables and returns the dataroot.
    pub fn finish(self) -> Result<PathBuf, DriveError> {
        let visibility = [
            ("1", "v0-40"),
            ("2", "v40-60"),
            ("3", "v60-80"),
            ("4", "v80-100"),
        ]
        .map(
            |(token, level)| serde_json::json!({"token": token, "level": level, "description": ""}),
        );
        self.write("sensor", &self.sensors)?;
        self.write("calibrated_sensor", &self.calibrations)?;
        self.write("log", &self.logs)?;
        self.write("scene", &self.scenes)?;
        self.write("sample", &self.samples)?;
        self.write("sample_data", &self.sample_data)?;
        self.write("ego_pose", &self.ego_poses)?;
        self.write("category", &self.categories)?;
        self.write("instance", &self.instances)?;
        self.write("sample_annotation", &self.annotations)?;
        self.write("visibility", &visibility)?;
        self.write::<serde_json::Value>("attribute", &[])?;
        Ok(self.root)
    }

    fn write<T: Serialize>(&self, table: &str, records: &[T]) -> Result<(), DriveError> {
        let path = self.tables.join(format!("{table}.json"));
        let text = serde_json::to_string(records).map_err(|error| DriveError::Json {
            file: path.clone(),
            field: ".".to_owned(),
            message: error.to_string(),
        })?;
        std::fs::write(&path, text).map_err(DriveError::io(&path))
    }
}
