//! One nuScenes table from an untrusted source, in an otherwise valid one-scene dataroot
//! (`data/nuscenes`, written by `panoptes sim --format nuscenes`): the dataroot is listed and
//! opened scene by scene, key frames and every camera frame, as `panoptes replay` does.
//! The input's first byte picks the table; the rest is its text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use panoptes_drive::{CameraFrames, Drive, NuScenesOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const VERSION: &str = "v1.0-sim";

fn source() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/nuscenes"))
}

fn tables() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(source().join(VERSION))
        .expect("the dataroot's tables")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// A copy of the dataroot's tables (images linked), made once.
fn dataroot() -> &'static (PathBuf, Vec<String>) {
    static ROOT: OnceLock<(PathBuf, Vec<String>)> = OnceLock::new();
    // The tables are copied in full once; after that only the one an input replaced is put back.
    ROOT.get_or_init(|| {
        let root =
            std::env::temp_dir().join(format!("panoptes-fuzz-nuscenes-{}", std::process::id()));
        std::fs::create_dir_all(root.join(VERSION)).expect("temporary dataroot");
        for images in ["samples", "sweeps"] {
            let link = root.join(images);
            if !link.exists() {
                std::os::unix::fs::symlink(source().join(images), &link).expect("images");
            }
        }
        let tables = tables();
        for table in &tables {
            restore(&root, table);
        }
        (root, tables)
    })
}

fn restore(root: &Path, table: &str) {
    let from = source().join(VERSION).join(table);
    std::fs::copy(from, root.join(VERSION).join(table)).expect("table restored");
}

/// Puts the replaced table back when the input is done (also when it panics).
struct Restore<'a> {
    root: &'a Path,
    table: &'a str,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        restore(self.root, self.table);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let (root, tables) = dataroot();
    let table = &tables[usize::from(selector) % tables.len()];
    std::fs::write(root.join(VERSION).join(table), text).expect("table written");
    let _restore = Restore { root, table };
    let Ok(scenes) = Drive::scenes(root, None) else {
        return;
    };
    for camera_frames in [CameraFrames::KeyFrames, CameraFrames::All] {
        let options = NuScenesOptions {
            scenes: scenes.iter().map(|scene| scene.name.clone()).collect(),
            camera_frames,
            ..NuScenesOptions::default()
        };
        if let Ok(drives) = Drive::open_scenes(root, None, &options) {
            for drive in drives {
                let _ = drive.frame_sets().len();
            }
        }
    }
});
