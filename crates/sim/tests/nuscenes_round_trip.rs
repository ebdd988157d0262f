//! Simulated drives written as the scenes of one nuScenes dataroot read back as the same
//! frames, rigs, ego poses and 3D boxes as the same drives in our format.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::Path;

use panoptes_drive::{CameraFrames, CategoryMap, Drive, NuScenesOptions};
use panoptes_sim::{write_drive, write_nuscenes, RigPreset, SimConfig, SimScene, Simulator};

/// 12 frame sets a second (nuScenes' camera rate), a sample every 6th (2 Hz).
const INTERVAL: f64 = 1.0 / 12.0;
const KEY_EVERY: u64 = 6;
const FRAMES: u64 = 13;

fn scene(seed: u64, vehicle: u64) -> SimScene {
    let config = SimConfig::new(RigPreset::NuScenes6, seed)
        .with_size(160, 90)
        .with_frame_interval(INTERVAL);
    let rig = RigPreset::NuScenes6.variant(160, 90, vehicle).unwrap();
    SimScene {
        name: format!("scene-{seed:04}"),
        simulator: Simulator::with_rig(config, rig).unwrap(),
    }
}

fn categories() -> CategoryMap {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models/panoptes-net/nuscenes-categories.toml");
    CategoryMap::load(&file).unwrap()
}

#[test]
fn scenes_read_back_as_our_drives() {
    let directory = tempfile::tempdir().unwrap();
    let scenes = [scene(31, 1), scene(32, 2)];
    let dataroot = directory.path().join("nuscenes");
    write_nuscenes(&scenes, &dataroot, FRAMES, KEY_EVERY, |_| {}).unwrap();
    let options = NuScenesOptions {
        camera_frames: CameraFrames::All,
        categories: categories(),
        ..NuScenesOptions::default()
    };
    let read = Drive::open_scenes(&dataroot, None, &options).unwrap();
    assert_eq!(read.len(), 2);
    assert!(
        Drive::open(&dataroot).is_err(),
        "two scenes are not one drive"
    );
    let listed = Drive::scenes(&dataroot, None).unwrap();
    assert_eq!(listed[1].name, "scene-0032");
    assert_eq!((listed[1].key_frames, listed[1].camera_frames), (3, 78));
    assert!((listed[1].duration_seconds() - 1.0).abs() < 1e-6);

    let (mut offsets, mut key_offsets) = (Vec::new(), Vec::new());
    for (scene, nuscenes) in scenes.iter().zip(&read) {
        let ours_root = directory.path().join(&scene.name);
        write_drive(&scene.simulator, &ours_root, FRAMES, |_| {}).unwrap();
        let ours = Drive::open(&ours_root).unwrap();
        assert_eq!(nuscenes.scene().unwrap().name, scene.name);
        same_rig(ours.rig(), nuscenes.rig());
        assert_eq!(ours.frame_sets().len(), nuscenes.frame_sets().len());
        for (mine, theirs) in ours.frame_sets().iter().zip(nuscenes.frame_sets()) {
            assert_eq!(mine.timestamp_us, theirs.timestamp_us);
            assert_eq!(mine.ego_pose, theirs.ego_pose);
            for (a, b) in mine.present().zip(theirs.present()) {
                assert_eq!((&a.camera, a.timestamp_us), (&b.camera, b.timestamp_us));
                let bytes = |frame: &panoptes_drive::Frame| {
                    std::fs::read(frame.image.path().unwrap()).unwrap()
                };
                assert!(bytes(a) == bytes(b), "{} image differs", a.camera);
                let found = cuboid_offsets(a, b);
                if (mine.index as u64).is_multiple_of(KEY_EVERY) {
                    key_offsets.extend(found.iter().copied());
                }
                offsets.extend(found);
            }
            assert_eq!(mine.present().count(), theirs.present().count());
        }
        for pose in nuscenes.ego_poses() {
            assert!(
                ours.ego_poses().contains(pose),
                "pose at {}",
                pose.timestamp_us
            );
        }
    }
    // Each scene has its own calibration.
    assert_ne!(
        read[0].rig().cameras()[0].sensor_to_ego,
        read[1].rig().cameras()[0].sensor_to_ego
    );
    // Key frames: the boxes were annotated at the sample's time and moved to each camera's
    // own by interpolation; exact but for curved motion and objects that leave the view
    // before the next sample (carried on at constant velocity, or held when seen once).
    let within = |offsets: &[f64], metres: f64| {
        offsets.iter().filter(|offset| **offset <= metres).count() as f64 / offsets.len() as f64
    };
    key_offsets.sort_by(f64::total_cmp);
    let key_median = key_offsets[key_offsets.len() / 2];
    eprintln!(
        "key frames: {} cuboids, median offset {key_median:.5} m, {:.1} % within 5 cm, max {:.3} m",
        key_offsets.len(),
        100.0 * within(&key_offsets, 0.05),
        key_offsets.last().unwrap()
    );
    assert!(key_offsets.len() > 200 && key_offsets.iter().all(|offset| offset.is_finite()));
    assert!(key_median < 0.001 && within(&key_offsets, 0.05) > 0.98);
    // Sweeps: interpolated between samples half a second apart; pedestrians' boxes follow
    // their limbs, which no interpolation knows.
    offsets.sort_by(f64::total_cmp);
    let median = offsets[offsets.len() / 2];
    let unmatched = offsets.iter().filter(|offset| offset.is_infinite()).count();
    eprintln!(
        "all frames: {} cuboids, median offset {median:.4} m, {:.1} % within 5 cm, {unmatched} without a counterpart",
        offsets.len(),
        100.0 * within(&offsets, 0.05),
    );
    assert!(
        median < 0.01 && within(&offsets, 0.05) > 0.75,
        "median {median}"
    );
    assert!(unmatched * 50 < offsets.len(), "{unmatched} unmatched");
}

fn same_rig(ours: &panoptes_rig::CameraRig, theirs: &panoptes_rig::CameraRig) {
    assert_eq!(
        ours.names().collect::<Vec<_>>(),
        theirs.names().collect::<Vec<_>>()
    );
    for (a, b) in ours.cameras().iter().zip(theirs.cameras()) {
        assert_eq!((a.width, a.height), (b.width, b.height));
        let (fa, fb) = (a.model.focal_and_centre(), b.model.focal_and_centre());
        assert!(
            (fa.0 - fb.0).abs() < 1e-9 && (fa.3 - fb.3).abs() < 1e-9,
            "{}",
            a.name
        );
        let offset = a.sensor_to_ego.inverse() * b.sensor_to_ego;
        assert!(offset.translation.vector.norm() < 1e-9, "{}", a.name);
        assert!(offset.rotation.angle() < 1e-9, "{}", a.name);
    }
}

/// For each of our cuboids in a camera frame, the centre distance to the nearest nuScenes cuboid
/// of the same class and size (infinite when there is none).
fn cuboid_offsets(ours: &panoptes_drive::Frame, theirs: &panoptes_drive::Frame) -> Vec<f64> {
    let (Some(mine), Some(other)) = (&ours.ground_truth, &theirs.ground_truth) else {
        panic!(
            "{} at {} lacks ground truth",
            ours.camera, ours.timestamp_us
        );
    };
    mine.annotations
        .cuboids
        .iter()
        .map(|cuboid| {
            let distance = |other: &panoptes_drive::Cuboid| {
                let d: f64 = (0..3)
                    .map(|axis| (cuboid.center[axis] - other.center[axis]).powi(2))
                    .sum();
                d.sqrt()
            };
            let same = |other: &&panoptes_drive::Cuboid| other.class == cuboid.class;
            let nearest = other
                .annotations
                .cuboids
                .iter()
                .filter(same)
                .min_by(|a, b| distance(a).total_cmp(&distance(b)));
            nearest.map_or(f64::INFINITY, distance)
        })
        .collect()
}
