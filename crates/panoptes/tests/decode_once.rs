//! Several models decode each camera image once and resize from it: their batches and each
//! camera's placement or fault are exactly what each model gets alone, a corrupt JPEG included.
#![allow(clippy::unwrap_used)]

use panoptes_drive::{Drive, DriveWriter, FrameInput};
use panoptes_pipeline::stages;
use panoptes_preprocess::Preprocessor;
use panoptes_runtime::Manifest;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The sample drive's first frame set, CAM_BACK's JPEG cut short.
fn broken_drive(root: &Path) -> Drive {
    let sample =
        Drive::open(&panoptes_fixtures::workspace_root().join("assets/sample-drive")).unwrap();
    let mut writer = DriveWriter::create(root, sample.rig()).unwrap();
    for frame in sample.frame_sets()[0].present() {
        let mut bytes = std::fs::read(frame.image.path().unwrap()).unwrap();
        if frame.camera == "CAM_BACK" {
            bytes.truncate(bytes.len() / 3);
        }
        let extension = frame.image.path().unwrap().extension().unwrap();
        writer
            .add_frame(FrameInput::new(
                &frame.camera,
                frame.timestamp_us,
                &bytes,
                extension.to_str().unwrap(),
            ))
            .unwrap();
    }
    Drive::open(&writer.finish().unwrap()).unwrap()
}

fn preprocessor(manifest: &str, cameras: usize) -> Preprocessor {
    let path: PathBuf = panoptes_fixtures::workspace_root().join(manifest);
    let manifest = Manifest::load(&path, None).unwrap();
    Preprocessor::new(panoptes_pipeline::input_layout(&manifest).unwrap(), cameras).unwrap()
}

#[test]
fn two_models_get_what_each_gets_alone() {
    let folder = tempfile::tempdir().unwrap();
    let drive = broken_drive(folder.path());
    let frame_set = drive.frame_sets()[0].clone();
    let cameras = drive.rig().len();
    let manifests = [
        "models/panoptes-net/panoptes-net.toml",
        "models/exports/yolov8-tiny.toml",
    ];
    let mut together: Vec<Preprocessor> = manifests
        .iter()
        .map(|manifest| preprocessor(manifest, cameras))
        .collect();
    let shared = stages::prepare(frame_set.clone(), &mut together, Vec::new(), Instant::now());
    let mut broken = 0;
    for (index, manifest) in manifests.iter().enumerate() {
        let mut alone = [preprocessor(manifest, cameras)];
        let single = stages::prepare(frame_set.clone(), &mut alone, Vec::new(), Instant::now());
        let (mine, theirs) = (&shared.models[index], &single.models[0]);
        assert_eq!(mine.batch, theirs.batch, "{manifest}: batches differ");
        for (camera, (mine, theirs)) in mine.cameras.iter().zip(&theirs.cameras).enumerate() {
            match (mine, theirs) {
                (Ok(mine), Ok(theirs)) => assert_eq!(mine, theirs, "{manifest} camera {camera}"),
                (Err(mine), Err(theirs)) => {
                    assert_eq!(
                        (mine.kind, &mine.message),
                        (theirs.kind, &theirs.message),
                        "{manifest} camera {camera}"
                    );
                    broken += 1;
                }
                other => panic!("{manifest} camera {camera}: {other:?}"),
            }
        }
    }
    assert_eq!(broken, 2, "CAM_BACK fails for both models");
}
