//! A recorded drive: its rig and its frame sets, whatever the format on disk.

use std::path::{Path, PathBuf};

use panoptes_rig::CameraRig;

use crate::directory;
use crate::error::DriveError;
use crate::frame_set::FrameSet;
use crate::ground_truth::EgoPose;
use crate::nuscenes::{self, NuScenesOptions, SceneInfo};
use crate::sync::SyncConfig;
use crate::writer::{INDEX_FILE, RIG_FILE};

/// Which format a drive was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriveFormat {
    /// Our directory format (`rig.json` + `index.json`, see FORMAT.md).
    Panoptes,
    /// A nuScenes dataroot; the table directory's name (for example `v1.0-mini`).
    NuScenes {
        /// Table directory name.
        version: String,
    },
}

impl DriveFormat {
    /// `panoptes` or `nuscenes`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Panoptes => "panoptes",
            Self::NuScenes { .. } => "nuscenes",
        }
    }
}

/// A drive, read and checked: rig, frame sets in time order, ego poses.
#[derive(Debug, Clone)]
pub struct Drive {
    pub(crate) root: PathBuf,
    pub(crate) format: DriveFormat,
    pub(crate) rig: CameraRig,
    pub(crate) frame_sets: Vec<FrameSet>,
    pub(crate) ego_poses: Vec<EgoPose>,
    pub(crate) segmentation_classes: Vec<String>,
    pub(crate) scene: Option<SceneInfo>,
}

impl Drive {
    /// Opens our drive directory or a nuScenes dataroot of one scene, whichever `path` is, with
    /// the default synchronization (our drives: the index's window, else 50 ms). A dataroot of
    /// several scenes is refused: read it with [`Drive::open_scenes`].
    pub fn open(path: &Path) -> Result<Self, DriveError> {
        Self::open_with(path, None)
    }

    /// As [`Drive::open`], with a synchronization setting for our drives (nuScenes key frames
    /// are grouped by their samples).
    pub fn open_with(path: &Path, sync: Option<SyncConfig>) -> Result<Self, DriveError> {
        let drives = Self::open_scenes(path, sync, &NuScenesOptions::default())?;
        only_scene(path, drives)
    }

    /// Opens our drive directory (one drive; `nuscenes` is not used) or the scenes of a
    /// nuScenes dataroot that `nuscenes` asks for, each as a drive with its own rig, in the
    /// order asked (all: `scene.json`'s order). `sync` groups our drives' frames and, with
    /// [`CameraFrames::All`](crate::CameraFrames::All), nuScenes' camera frames, unless
    /// `nuscenes.sync` is set.
    pub fn open_scenes(
        path: &Path,
        sync: Option<SyncConfig>,
        nuscenes: &NuScenesOptions,
    ) -> Result<Vec<Self>, DriveError> {
        if let Some(config) = &sync {
            config.validate()?;
        }
        if !path.is_dir() {
            return Err(DriveError::NotADrive {
                path: path.to_owned(),
            });
        }
        if path.join(RIG_FILE).is_file() || path.join(INDEX_FILE).is_file() {
            return Ok(vec![directory::read(path, sync)?]);
        }
        let version = nuscenes::choose_version(path, nuscenes.version.as_deref())?;
        let options = NuScenesOptions {
            sync: nuscenes.sync.or(sync),
            ..nuscenes.clone()
        };
        nuscenes::read_scenes(path, &version, &options)
    }

    /// Opens a nuScenes dataroot of one scene with the tables of `version` (for example
    /// `v1.0-mini`).
    pub fn open_nuscenes(dataroot: &Path, version: &str) -> Result<Self, DriveError> {
        let options = NuScenesOptions {
            version: Some(version.to_owned()),
            ..NuScenesOptions::default()
        };
        let drives = Self::open_scenes(dataroot, None, &options)?;
        only_scene(dataroot, drives)
    }

    /// The scenes of a nuScenes dataroot (name, description, key frames, camera frames,
    /// duration); `version` as in [`NuScenesOptions::version`]. Our drives have none.
    pub fn scenes(path: &Path, version: Option<&str>) -> Result<Vec<SceneInfo>, DriveError> {
        if path.join(RIG_FILE).is_file() || path.join(INDEX_FILE).is_file() {
            return Ok(Vec::new());
        }
        if !path.is_dir() {
            return Err(DriveError::NotADrive {
                path: path.to_owned(),
            });
        }
        let version = nuscenes::choose_version(path, version)?;
        nuscenes::list_scenes(path, &version)
    }

    /// The drive's name in reports: its directory, `DATAROOT#scene-0061` for a nuScenes
    /// scene.
    pub fn label(&self) -> String {
        match self.scene() {
            Some(scene) => format!("{}#{}", self.root().display(), scene.name),
            None => self.root().display().to_string(),
        }
    }

    /// The nuScenes scene this drive is, when it is one.
    pub fn scene(&self) -> Option<&SceneInfo> {
        self.scene.as_ref()
    }

    /// The directory read.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The format read.
    pub fn format(&self) -> &DriveFormat {
        &self.format
    }

    /// The camera rig.
    pub fn rig(&self) -> &CameraRig {
        &self.rig
    }

    /// Frame sets in time order.
    pub fn frame_sets(&self) -> &[FrameSet] {
        &self.frame_sets
    }

    /// Ego poses in time order (empty when the drive has none).
    pub fn ego_poses(&self) -> &[EgoPose] {
        &self.ego_poses
    }

    /// Names of segmentation class ids (id = position), when recorded.
    pub fn segmentation_classes(&self) -> &[String] {
        &self.segmentation_classes
    }

    /// The frame sets, giving up ownership (for replay).
    pub fn into_frame_sets(self) -> Vec<FrameSet> {
        self.frame_sets
    }
}

/// The one drive read from `path`, or an error naming the scenes when there are several.
fn only_scene(path: &Path, mut drives: Vec<Drive>) -> Result<Drive, DriveError> {
    if drives.len() == 1 {
        return Ok(drives.remove(0));
    }
    let names: Vec<&str> = drives
        .iter()
        .filter_map(|drive| drive.scene().map(|scene| scene.name.as_str()))
        .collect();
    Err(DriveError::InvalidSetting {
        setting: "scene",
        problem: format!(
            "{} holds {} scenes ({}); choose scenes (`--scene NAME`) or read them all with Drive::open_scenes",
            path.display(),
            drives.len(),
            names.join(", ")
        ),
    })
}
