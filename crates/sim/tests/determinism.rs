//! Same seed, same bytes; another seed, another drive.
#![allow(clippy::unwrap_used)]

mod common;

use common::files;

use panoptes_sim::{write_drive, RigPreset, SimConfig, Simulator};
use std::collections::BTreeMap;

fn drive(
    seed: u64,
    preset: RigPreset,
) -> (tempfile::TempDir, BTreeMap<std::path::PathBuf, Vec<u8>>) {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    let simulator = Simulator::new(SimConfig::new(preset, seed).with_size(256, 144)).unwrap();
    write_drive(&simulator, &root, 2, |_| {}).unwrap();
    let found = files(&root);
    (directory, found)
}

#[test]
fn same_seed_writes_identical_files() {
    for preset in [RigPreset::NuScenes6, RigPreset::Fisheye4] {
        let (_first_directory, first) = drive(42, preset);
        let (_second_directory, second) = drive(42, preset);
        // rig.json, index.json, and per camera and frame set: image, class, depth, instance.
        let cameras = if preset == RigPreset::NuScenes6 { 6 } else { 4 };
        assert_eq!(first.len(), 2 + cameras * 2 * 4);
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            second.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &first {
            assert!(
                bytes == &second[name],
                "{} differs between two runs of seed 42",
                name.display()
            );
        }
    }
}

#[test]
fn another_seed_writes_another_drive() {
    let (_first_directory, first) = drive(1, RigPreset::NuScenes6);
    let (_second_directory, second) = drive(2, RigPreset::NuScenes6);
    let images = first.keys().filter(|name| name.ends_with(".jpg")).count();
    let different = first
        .iter()
        .filter(|(name, bytes)| name.ends_with(".jpg") && second.get(*name) != Some(bytes))
        .count();
    assert_eq!(different, images);
}
