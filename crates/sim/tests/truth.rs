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
                frame.image.path().unwrap().display()
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

/// Every 2D box lies inside the image of its 3D box (ego frame, at the frame's time): checks
/// the cuboids' centre, size, yaw and frame against the rendered pixels.
#[test]
fn boxes_lie_inside_the_projection_of_their_cuboids() {
    let (_directory, drive) = written_drive(RigPreset::NuScenes6, 9, 2, (640, 360));
    let rig = drive.rig().clone();
    let mut checked = 0;
    for set in drive.frame_sets() {
        for frame in set.present() {
            let truth = frame.ground_truth.as_ref().unwrap();
            let camera = rig.camera(&frame.camera).unwrap();
            for bounding in &truth.annotations.boxes {
                let cuboid = truth
                    .annotations
                    .cuboids
                    .iter()
                    .find(|cuboid| cuboid.instance_id == bounding.instance_id)
                    .unwrap();
                assert_eq!(cuboid.class, bounding.class);
                let (sin, cos) = cuboid.yaw.sin_cos();
                let [length, width, height] = cuboid.size_lwh;
                let mut corners = Vec::new();
                for along in [-0.5, 0.5] {
                    for across in [-0.5, 0.5] {
                        for up in [-0.5, 0.5] {
                            let (x, y) = (along * length, across * width);
                            let ego = nalgebra::Point3::new(
                                cuboid.center[0] + cos * x - sin * y,
                                cuboid.center[1] + sin * x + cos * y,
                                cuboid.center[2] + up * height,
                            );
                            corners.push(camera.sensor_to_ego.inverse_transform_point(&ego));
                        }
                    }
                }
                if corners.iter().any(|corner| corner.z < 0.5) {
                    continue; // straddles the camera's centre plane: its image is unbounded
                }
                let pixels: Vec<_> = corners
                    .iter()
                    .map(|corner| camera.project(corner).unwrap())
                    .collect();
                // Pixel centres are at integer model coordinates: the box's columns x ..= x + w − 1.
                let low_x = pixels
                    .iter()
                    .map(|pixel| pixel.x)
                    .fold(f64::INFINITY, f64::min);
                let high_x = pixels
                    .iter()
                    .map(|pixel| pixel.x)
                    .fold(f64::NEG_INFINITY, f64::max);
                let low_y = pixels
                    .iter()
                    .map(|pixel| pixel.y)
                    .fold(f64::INFINITY, f64::min);
                let high_y = pixels
                    .iter()
                    .map(|pixel| pixel.y)
                    .fold(f64::NEG_INFINITY, f64::max);
                let [x, y, w, h] = bounding.box_xywh;
                assert!(x >= low_x - 1.0 && x + w - 1.0 <= high_x + 1.0 && y >= low_y - 1.0 && y + h - 1.0 <= high_y + 1.0, "{} instance {}: box {:?} outside its cuboid's image [{low_x:.1}, {high_x:.1}] × [{low_y:.1}, {high_y:.1}]", frame.camera, bounding.instance_id, bounding.box_xywh);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked}");
}
