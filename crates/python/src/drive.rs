//! Drives, frame sets and rigs.

use crate::convert::{error, message};
use panoptes::CameraRig;
use panoptes_drive::{CameraFrames, CategoryMap, NuScenesOptions};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// A rig of calibrated cameras (`rig.json`).
#[pyclass(frozen, module = "panoptes")]
#[derive(Debug, Clone)]
pub struct Rig {
    pub(crate) inner: CameraRig,
}

#[pymethods]
impl Rig {
    /// Reads a `rig.json`.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        CameraRig::load(&path)
            .map(|inner| Self { inner })
            .map_err(|failure| error(&failure))
    }

    /// A rig from the text of a `rig.json`.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        CameraRig::from_json_str(text)
            .map(|inner| Self { inner })
            .map_err(|failure| error(&failure))
    }

    /// The `rig.json` text.
    fn to_json(&self) -> String {
        self.inner.to_json_string()
    }

    /// Camera names in rig order.
    #[getter]
    fn cameras(&self) -> Vec<String> {
        self.inner.names().map(str::to_owned).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("Rig({})", self.cameras().join(", "))
    }
}

/// One drive (or one nuScenes scene): its rig and frame sets, with ground truth where the
/// drive has it.
#[pyclass(frozen, module = "panoptes")]
#[derive(Debug, Clone)]
pub struct Drive {
    pub(crate) inner: Arc<panoptes_drive::Drive>,
}

#[pymethods]
impl Drive {
    /// The drive's directory (the dataroot for a nuScenes scene).
    #[getter]
    fn root(&self) -> PathBuf {
        self.inner.root().to_path_buf()
    }

    /// The nuScenes scene's name; None for our own drives.
    #[getter]
    fn scene(&self) -> Option<String> {
        self.inner.scene().map(|scene| scene.name.clone())
    }

    /// The drive's name in reports: its directory, `DATAROOT#scene` for a nuScenes scene.
    #[getter]
    fn name(&self) -> String {
        self.inner.label()
    }

    /// The rig.
    #[getter]
    fn rig(&self) -> Rig {
        Rig {
            inner: self.inner.rig().clone(),
        }
    }

    /// Segmentation class names of the ground truth.
    #[getter]
    fn segmentation_classes(&self) -> Vec<String> {
        self.inner.segmentation_classes().to_vec()
    }

    fn __len__(&self) -> usize {
        self.inner.frame_sets().len()
    }

    /// The frame set at `index` (negative counts from the end).
    fn __getitem__(&self, index: isize) -> PyResult<FrameSet> {
        let frame_sets = self.inner.frame_sets();
        let position = if index < 0 {
            frame_sets.len().checked_sub(index.unsigned_abs())
        } else {
            Some(index.unsigned_abs())
        };
        position
            .and_then(|position| frame_sets.get(position))
            .map(|inner| FrameSet {
                inner: inner.clone(),
            })
            .ok_or_else(|| {
                pyo3::exceptions::PyIndexError::new_err(format!(
                    "frame set {index} of a drive of {}",
                    frame_sets.len()
                ))
            })
    }

    fn __repr__(&self) -> String {
        format!(
            "Drive({}, {} cameras, {} frame sets)",
            self.name(),
            self.inner.rig().len(),
            self.inner.frame_sets().len()
        )
    }
}

/// The frames of all cameras at one moment (files of a recorded drive).
#[pyclass(frozen, module = "panoptes")]
#[derive(Debug, Clone)]
pub struct FrameSet {
    pub(crate) inner: panoptes::FrameSet,
}

#[pymethods]
impl FrameSet {
    /// Position in the drive, from 0.
    #[getter]
    fn index(&self) -> usize {
        self.inner.index
    }

    /// The set's time, µs.
    #[getter]
    fn timestamp_us(&self) -> u64 {
        self.inner.timestamp_us
    }

    /// Camera names, in rig order.
    #[getter]
    fn cameras(&self) -> Vec<String> {
        self.inner
            .frames
            .iter()
            .map(|frame| frame.camera().to_string())
            .collect()
    }

    /// Cameras without a frame in this set.
    #[getter]
    fn missing(&self) -> usize {
        self.inner.missing()
    }

    fn __repr__(&self) -> String {
        format!(
            "FrameSet({}, {} µs, {} cameras)",
            self.inner.index,
            self.inner.timestamp_us,
            self.inner.frames.len()
        )
    }
}

/// How to read a nuScenes dataroot (our drives ignore it).
#[derive(Debug, Clone, Default)]
pub struct SceneChoice {
    /// Scenes to read, in order; empty: every scene.
    pub scenes: Vec<String>,
    /// `keyframes` or `all`.
    pub camera_frames: Option<String>,
    /// A TOML map of nuScenes categories to class names.
    pub categories: Option<PathBuf>,
    /// The table directory.
    pub version: Option<String>,
}

impl SceneChoice {
    /// The drives at `path`: one for our drive directory, one per scene of a dataroot.
    pub fn open(&self, path: &std::path::Path) -> PyResult<Vec<panoptes_drive::Drive>> {
        let camera_frames = match self.camera_frames.as_deref() {
            None | Some("keyframes") => CameraFrames::KeyFrames,
            Some("all") => CameraFrames::All,
            Some(other) => {
                return Err(message(format!(
                    "camera_frames = {other:?}: expected \"keyframes\" or \"all\""
                )))
            }
        };
        let categories = match &self.categories {
            Some(file) => CategoryMap::load(file).map_err(|failure| error(&failure))?,
            None => CategoryMap::default(),
        };
        let options = NuScenesOptions {
            version: self.version.clone(),
            scenes: self.scenes.clone(),
            camera_frames,
            categories,
            sync: None,
        };
        let drives =
            panoptes_drive::Drive::open_scenes(path, None, &options).map_err(|failure| {
                message(format!("cannot open drive {}: {}", path.display(), failure))
            })?;
        if drives.is_empty() {
            return Err(message(format!(
                "{} holds no scene to read",
                path.display()
            )));
        }
        Ok(drives)
    }
}

/// Opens a drive directory, or the scenes of a nuScenes dataroot: a list of one `Drive` per
/// scene (one for our drives).
#[pyfunction]
#[pyo3(signature = (path, scenes = None, *, camera_frames = None, categories = None, version = None))]
pub fn open_drive(
    py: Python<'_>,
    path: PathBuf,
    scenes: Option<Vec<String>>,
    camera_frames: Option<String>,
    categories: Option<PathBuf>,
    version: Option<String>,
) -> PyResult<Vec<Drive>> {
    let choice = SceneChoice {
        scenes: scenes.unwrap_or_default(),
        camera_frames,
        categories,
        version,
    };
    let drives = py.detach(|| choice.open(&path))?;
    Ok(drives
        .into_iter()
        .map(|drive| Drive {
            inner: Arc::new(drive),
        })
        .collect())
}

/// The scene names of a nuScenes dataroot, in `scene.json` order; `[]` for our drive
/// directories.
#[pyfunction]
#[pyo3(signature = (path, version = None))]
pub fn drive_scenes(
    py: Python<'_>,
    path: PathBuf,
    version: Option<String>,
) -> PyResult<Vec<String>> {
    let scenes = py
        .detach(|| panoptes_drive::Drive::scenes(&path, version.as_deref()))
        .map_err(|failure| message(format!("cannot open drive {}: {}", path.display(), failure)))?;
    Ok(scenes.into_iter().map(|scene| scene.name).collect())
}
