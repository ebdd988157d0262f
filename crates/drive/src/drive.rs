//! A recorded drive: its rig and its frame sets, whatever the format on disk.

use std::path::{Path, PathBuf};

use panoptes_rig::CameraRig;

use crate::error::DriveError;
use crate::frame_set::FrameSet;
use crate::ground_truth::EgoPose;
use crate::sync::SyncConfig;
use crate::writer::{INDEX_FILE, RIG_FILE};
use crate::{directory, nuscenes};

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
}

impl Drive {
    /// Opens our drive directory or a nuScenes dataroot, whichever `path` is, with the default
    /// synchronization (our drives: the index's window, else 50 ms).
    pub fn open(path: &Path) -> Result<Self, DriveError> {
        Self::open_with(path, None)
    }

    /// As [`Drive::open`], with a synchronization setting for our drives (nuScenes samples are
    /// already grouped).
    pub fn open_with(path: &Path, sync: Option<SyncConfig>) -> Result<Self, DriveError> {
        if let Some(config) = &sync {
            config.validate()?;
        }
        if !path.is_dir() {
            return Err(DriveError::NotADrive {
                path: path.to_owned(),
            });
        }
        if path.join(RIG_FILE).is_file() || path.join(INDEX_FILE).is_file() {
            return directory::read(path, sync);
        }
        let tables = nuscenes::table_directories(path)?;
        match tables.as_slice() {
            [] => Err(DriveError::NotADrive {
                path: path.to_owned(),
            }),
            [version] => nuscenes::read(path, version),
            _ => Err(DriveError::InvalidSetting {
                setting: "nuscenes version",
                problem: format!(
                    "{} holds several table directories ({}); open one with Drive::open_nuscenes",
                    path.display(),
                    tables.join(", ")
                ),
            }),
        }
    }

    /// Opens a nuScenes dataroot with the tables of `version` (for example `v1.0-mini`).
    pub fn open_nuscenes(dataroot: &Path, version: &str) -> Result<Self, DriveError> {
        nuscenes::read(dataroot, version)
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
