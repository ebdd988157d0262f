//! Boxes written to a drive agree with its instance maps: every box encloses exactly its
//! instance's pixels.
#![allow(clippy::unwrap_used)]

use panoptes_drive::Drive;
use panoptes_sim::{write_drive, RigPreset, SimConfig, Simulator};
use std::collections::BTreeMap;

fn load16(path: &std::path::Path) -> image::ImageBuffer<image::Luma<u16>, Vec<u16>> {
    image::open(path).unwrap().into_luma16()
}

fn written_drive(
    preset: RigPreset,
    seed: u64,
    frames: u64,
    size: (u32, u32),
) -> (tempfile::TempDir, Drive) {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("drive");
    let simulator = Simulator::new(SimConfig::new(preset, seed).with_size(size.0, size.1)).unwrap();
    write_drive(&simulator, &root, frames, |_| {}).unwrap();
    let drive = Drive::open(&root).unwrap();
    (directory, drive)
}

/// Every box is the tight extent of the pixels of its instance in the instance map.
fn check_boxes(drive: &Drive) -> usize {
    let mut boxes = 0;
    for set in drive.frame_sets() {
        for frame in set.present() {
            let truth = frame.ground_truth.as_ref().unwrap();
            let instance_path = truth
                .segmentation
                .as_ref()
                .unwrap()
                .to_string_lossy()
                .replace(".segmentation.png", ".instance.png");
            let instances = load16(std::path::Path::new(&instance_path));
            let mut extent: BTreeMap<u16, [u32; 5]> = BTreeMap::new();
            for (x, y, pixel) in instances.enumerate_pixels() {
                if pixel[0] == 0 {
                    continue;
                }
                let entry = extent
                    .entry(pixel[0])
                    .or_insert([u32::MAX, u32::MAX, 0, 0, 0]);
                *entry = [
                    entry[0].min(x),
                    entry[1].min(y),
                    entry[2].max(x),
                    entry[3].max(y),
                    entry[4] + 1,
                ];
            }
            assert_eq!(
                extent.len(),
                truth.annotations.boxes.len(),
                "{}: one box per instance seen",
                frame.path.display()
            );
            for bounding in &truth.annotations.boxes {
                let [x0, y0, x1, y1, _] = extent[&(bounding.instance_id as u16)];
                let expected = [
                    f64::from(x0),
                    f64::from(y0),
                    f64::from(x1 - x0 + 1),
                    f64::from(y1 - y0 + 1),
                ];
                assert_eq!(
                    bounding.box_xywh, expected,
                    "instance {}",
                    bounding.instance_id
                );
                assert!((0.0..=1.0).contains(&bounding.occlusion));
                boxes += 1;
            }
        }
    }
    boxes
}

#[test]
fn every_box_encloses_exactly_its_instance_pixels_pinhole() {
    let (_directory, drive) = written_drive(RigPreset::NuScenes6, 5, 2, (320, 180));
    assert_eq!(drive.frame_sets().len(), 2);
    assert!(check_boxes(&drive) > 20);
}

#[test]
fn every_box_encloses_exactly_its_instance_pixels_fisheye() {
    let (_directory, drive) = written_drive(RigPreset::Fisheye4, 6, 1, (320, 240));
    assert!(check_boxes(&drive) > 10);
}
