//! Writing a drive in our directory format.

use std::path::{Path, PathBuf};

use panoptes_rig::CameraRig;

use crate::error::DriveError;
use crate::ground_truth::{Annotations, EgoPose};
use crate::index::{FrameRecord, GroundTruthRecord, IndexRecord, FORMAT_NAME, FORMAT_VERSION};
use crate::paths::is_plain_name;

/// File names inside a drive directory.
pub const RIG_FILE: &str = "rig.json";
/// The frame index.
pub const INDEX_FILE: &str = "index.json";

/// One camera frame to write: the encoded image and, optionally, its ground truth.
#[derive(Debug, Clone)]
pub struct FrameInput<'a> {
    /// Camera name (must be in the rig).
    pub camera: &'a str,
    /// Capture time, µs; increasing per camera.
    pub timestamp_us: u64,
    /// The encoded image file's bytes (JPEG, PNG…).
    pub image: &'a [u8],
    /// Its file extension without the dot (`jpg`, `png`).
    pub image_extension: &'a str,
    /// Boxes, keypoints and 3D boxes.
    pub annotations: Option<Annotations>,
    /// Encoded segmentation PNG (8-bit class ids at image resolution).
    pub segmentation_png: Option<&'a [u8]>,
    /// Encoded depth PNG (16-bit, millimetres).
    pub depth_png: Option<&'a [u8]>,
}

impl<'a> FrameInput<'a> {
    /// A frame without ground truth.
    pub fn new(
        camera: &'a str,
        timestamp_us: u64,
        image: &'a [u8],
        image_extension: &'a str,
    ) -> Self {
        Self {
            camera,
            timestamp_us,
            image,
            image_extension,
            annotations: None,
            segmentation_png: None,
            depth_png: None,
        }
    }

    /// With boxes, keypoints and 3D boxes.
    #[must_use]
    pub fn with_annotations(mut self, annotations: Annotations) -> Self {
        self.annotations = Some(annotations);
        self
    }

    /// With a segmentation PNG.
    #[must_use]
    pub fn with_segmentation_png(mut self, png: &'a [u8]) -> Self {
        self.segmentation_png = Some(png);
        self
    }

    /// With a 16-bit depth PNG in millimetres.
    #[must_use]
    pub fn with_depth_png(mut self, png: &'a [u8]) -> Self {
        self.depth_png = Some(png);
        self
    }
}

/// Writes a drive directory: `rig.json` at creation, image and ground-truth files as frames
/// are added, `index.json` at [`DriveWriter::finish`].
#[derive(Debug)]
pub struct DriveWriter {
    root: PathBuf,
    rig: CameraRig,
    index: IndexRecord,
    latest_us: Vec<Option<u64>>,
}

impl DriveWriter {
    /// Creates the directory (it may exist if empty) and writes `rig.json`.
    pub fn create(root: &Path, rig: &CameraRig) -> Result<Self, DriveError> {
        if let Some(camera) = rig
            .cameras()
            .iter()
            .find(|camera| !is_plain_name(&camera.name))
        {
            return Err(DriveError::InvalidField {
                file: root.join(RIG_FILE),
                field: "name".to_owned(),
                problem: format!("camera name `{}` cannot be a directory name", camera.name),
                fix: "use letters, digits, `_`, `-` and `.` in camera names".to_owned(),
            });
        }
        create_empty_directory(root)?;
        rig.save(&root.join(RIG_FILE))?;
        Ok(Self {
            root: root.to_owned(),
            rig: rig.clone(),
            index: IndexRecord {
                format: FORMAT_NAME.to_owned(),
                version: FORMAT_VERSION,
                sync_window_us: None,
                segmentation_classes: Vec::new(),
                frames: Vec::new(),
                ego_poses: Vec::new(),
            },
            latest_us: vec![None; rig.len()],
        })
    }

    /// Names of the segmentation class ids (id = position), recorded in the index.
    #[must_use]
    pub fn with_segmentation_classes(mut self, classes: Vec<String>) -> Self {
        self.index.segmentation_classes = classes;
        self
    }

    /// The synchronization window readers should use for this drive, µs.
    #[must_use]
    pub fn with_sync_window_us(mut self, window_us: u64) -> Self {
        self.index.sync_window_us = Some(window_us);
        self
    }

    /// The drive's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes a frame's image (and ground-truth images) and records it in the index.
    pub fn add_frame(&mut self, frame: FrameInput<'_>) -> Result<(), DriveError> {
        let field = format!("frames[{}]", self.index.frames.len());
        let Some(camera) = self.rig.index_of(frame.camera) else {
            return Err(DriveError::UnknownCamera {
                file: self.root.join(INDEX_FILE),
                field: format!("{field}.camera"),
                camera: frame.camera.to_owned(),
                known: self.rig.names().collect::<Vec<_>>().join(", "),
            });
        };
        if let Some(previous_us) =
            self.latest_us[camera].filter(|previous| *previous >= frame.timestamp_us)
        {
            return Err(DriveError::TimestampsBackwards {
                file: self.root.join(INDEX_FILE),
                field: format!("{field}.timestamp_us"),
                camera: frame.camera.to_owned(),
                previous_us,
                timestamp_us: frame.timestamp_us,
            });
        }
        if !is_plain_name(frame.image_extension) || frame.image_extension.contains('.') {
            return Err(DriveError::InvalidSetting {
                setting: "image_extension",
                problem: format!(
                    "`{}` is not a file extension such as `jpg`",
                    frame.image_extension
                ),
            });
        }
        let stem = frame.timestamp_us.to_string();
        let image = format!("images/{}/{stem}.{}", frame.camera, frame.image_extension);
        self.write(&image, frame.image)?;
        let has_truth = frame.annotations.is_some()
            || frame.segmentation_png.is_some()
            || frame.depth_png.is_some();
        let ground_truth = if has_truth {
            let mut record = GroundTruthRecord {
                annotations: frame.annotations.unwrap_or_default(),
                segmentation: None,
                depth: None,
            };
            if let Some(png) = frame.segmentation_png {
                let path = format!("ground_truth/{}/{stem}.segmentation.png", frame.camera);
                self.write(&path, png)?;
                record.segmentation = Some(path);
            }
            if let Some(png) = frame.depth_png {
                let path = format!("ground_truth/{}/{stem}.depth.png", frame.camera);
                self.write(&path, png)?;
                record.depth = Some(path);
            }
            Some(record)
        } else {
            None
        };
        self.latest_us[camera] = Some(frame.timestamp_us);
        self.index.frames.push(FrameRecord {
            camera: frame.camera.to_owned(),
            timestamp_us: frame.timestamp_us,
            image,
            ground_truth,
        });
        Ok(())
    }

    /// Records an ego pose (in increasing time).
    pub fn add_ego_pose(&mut self, pose: EgoPose) -> Result<(), DriveError> {
        let field = format!("ego_poses[{}]", self.index.ego_poses.len());
        if let Some(previous) = self.index.ego_poses.last() {
            if previous.timestamp_us >= pose.timestamp_us {
                return Err(DriveError::TimestampsBackwards {
                    file: self.root.join(INDEX_FILE),
                    field: format!("{field}.timestamp_us"),
                    camera: "ego".to_owned(),
                    previous_us: previous.timestamp_us,
                    timestamp_us: pose.timestamp_us,
                });
            }
        }
        let norm = pose
            .rotation_wxyz
            .iter()
            .map(|value| value * value)
            .sum::<f64>()
            .sqrt();
        let unit = norm.is_finite() && (norm - 1.0).abs() <= 1e-6;
        if !unit || pose.translation.iter().any(|value| !value.is_finite()) {
            return Err(DriveError::InvalidField {
                file: self.root.join(INDEX_FILE),
                field: format!("{field}.rotation_wxyz"),
                problem: format!("pose is not finite or quaternion norm {norm} is not 1"),
                fix: "give a unit quaternion [w, x, y, z] and a finite translation".to_owned(),
            });
        }
        self.index.ego_poses.push(pose);
        Ok(())
    }

    /// Number of frames written so far.
    pub fn frames(&self) -> usize {
        self.index.frames.len()
    }

    /// Writes `index.json` and returns the drive's directory.
    pub fn finish(self) -> Result<PathBuf, DriveError> {
        let path = self.root.join(INDEX_FILE);
        let text = serde_json::to_string_pretty(&self.index).map_err(|error| DriveError::Json {
            file: path.clone(),
            field: ".".to_owned(),
            message: error.to_string(),
        })?;
        // Write beside, then rename: a reader never sees half an index.
        let partial = self.root.join(format!("{INDEX_FILE}.partial"));
        std::fs::write(&partial, text).map_err(DriveError::io(&partial))?;
        std::fs::rename(&partial, &path).map_err(DriveError::io(&path))?;
        Ok(self.root)
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), DriveError> {
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(DriveError::io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(DriveError::io(&path))
    }
}

/// Creates `root` for a new drive; it may exist if empty.
pub(crate) fn create_empty_directory(root: &Path) -> Result<(), DriveError> {
    if root.exists() {
        let mut entries = std::fs::read_dir(root).map_err(DriveError::io(root))?;
        if entries.next().is_some() {
            return Err(DriveError::NotEmpty {
                path: root.to_owned(),
            });
        }
    }
    std::fs::create_dir_all(root).map_err(DriveError::io(root))
}
