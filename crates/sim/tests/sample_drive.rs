//! The bundled sample drive is exactly what its documented command writes
//! (`panoptes sim assets/sample-drive --rig nuscenes6 --frames 8 --seed 7`, which calls
//! `write_drive` with the preset's default size). Regenerate it when the simulator changes.
#![allow(clippy::unwrap_used)]

mod common;

use common::files;

use panoptes_sim::{write_drive, RigPreset, SimConfig, Simulator};
use std::path::Path;

#[test]
fn the_sample_drive_matches_its_generating_command() {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/sample-drive");
    let directory = tempfile::tempdir().unwrap();
    let fresh = directory.path().join("sample-drive");
    let simulator = Simulator::new(SimConfig::new(RigPreset::NuScenes6, 7)).unwrap();
    write_drive(&simulator, &fresh, 8, |_| {}).unwrap();
    let (bundled, fresh) = (files(&bundled), files(&fresh));
    assert_eq!(
        bundled.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>(),
        "file lists differ: regenerate assets/sample-drive (see assets/README.md)"
    );
    for (name, bytes) in &fresh {
        assert!(
            bytes == &bundled[name],
            "{} differs: regenerate assets/sample-drive (see assets/README.md)",
            name.display()
        );
    }
}
