//! `index.json` from an untrusted source, in a drive directory with the sample drive's rig and
//! images: opened (checked, synchronized into frame sets) as `panoptes replay` opens it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A drive directory made once: the sample drive's rig.json and images, index.json per input.
fn drive() -> &'static PathBuf {
    static DRIVE: OnceLock<PathBuf> = OnceLock::new();
    DRIVE.get_or_init(|| {
        let sample = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../assets/sample-drive"
        ));
        let root = std::env::temp_dir().join(format!("panoptes-fuzz-drive-{}", std::process::id()));
        std::fs::create_dir_all(&root).expect("temporary drive directory");
        std::fs::copy(sample.join("rig.json"), root.join("rig.json")).expect("rig.json");
        let images = root.join("images");
        if !images.exists() {
            std::os::unix::fs::symlink(sample.join("images"), &images).expect("images");
        }
        root
    })
}

fuzz_target!(|data: &[u8]| {
    let root = drive();
    std::fs::write(root.join("index.json"), data).expect("index.json written");
    if let Ok(drive) = panoptes_drive::Drive::open(root) {
        for frame_set in drive.frame_sets() {
            let _ = frame_set.missing();
        }
    }
});
