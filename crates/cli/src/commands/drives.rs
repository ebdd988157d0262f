//! Choosing what of a drive to read: our drive directory, or the scenes of a nuScenes dataroot
//! (key frames or every camera frame, categories mapped to the model's classes).

use std::path::{Path, PathBuf};

use anyhow::Context;
use panoptes_drive::{CameraFrames, CategoryMap, Drive, NuScenesOptions};

#[derive(Debug, Clone, clap::Args)]
pub struct SceneArgs {
    /// nuScenes: read only this scene (repeat for several, in that order; default: every
    /// scene). `panoptes info DATAROOT` lists them.
    #[arg(long = "scene", value_name = "NAME")]
    pub scenes: Vec<String>,
    /// nuScenes: `keyframes` (one frame set per sample, 2 Hz) or `all` (every camera image,
    /// sweeps too, about 12 Hz, grouped by a 50 ms synchronization window).
    #[arg(long, value_name = "WHICH", default_value = "keyframes", value_parser = ["keyframes", "all"])]
    pub camera_frames: String,
    /// nuScenes: TOML file mapping nuScenes categories to the model's class names for the
    /// ground truth (default: the nuScenes detection classes). COCO models:
    /// models/zoo/nuscenes-coco.toml; drives of `panoptes sim --format nuscenes`:
    /// models/panoptes-net/nuscenes-categories.toml.
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    /// nuScenes: the table directory, when the dataroot has several (v1.0-mini, v1.0-trainval).
    #[arg(long, value_name = "DIR")]
    pub version: Option<String>,
}

impl SceneArgs {
    /// The drives at `path`: one for our drive directory, one per scene of a nuScenes dataroot.
    pub fn open(&self, path: &Path) -> anyhow::Result<Vec<Drive>> {
        let categories = match &self.categories {
            Some(file) => CategoryMap::load(file)?,
            None => CategoryMap::default(),
        };
        let options = NuScenesOptions {
            version: self.version.clone(),
            scenes: self.scenes.clone(),
            camera_frames: if self.camera_frames == "all" {
                CameraFrames::All
            } else {
                CameraFrames::KeyFrames
            },
            categories,
            sync: None,
        };
        let drives = Drive::open_scenes(path, None, &options)
            .with_context(|| format!("cannot open drive {}", path.display()))?;
        anyhow::ensure!(
            !drives.is_empty(),
            "{} holds no scene to read",
            path.display()
        );
        Ok(drives)
    }
}

/// `scene-0061: ` before a message about one of several scenes, nothing otherwise.
pub fn scene_prefix(drive: &Drive, several: bool) -> String {
    match (several, drive.scene()) {
        (true, Some(scene)) => format!("{}: ", scene.name),
        _ => String::new(),
    }
}
