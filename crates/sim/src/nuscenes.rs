//! Writing simulated drives as one nuScenes dataroot: one scene per simulator (each its own
//! world and its own rig calibration), every frame set's camera images (sweeps), a key frame
//! (sample) every few sets with the boxes of every object some camera sees, in the global
//! frame at the sample's time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nalgebra::{UnitQuaternion, Vector3};
use panoptes_drive::{NuScenesAnnotation, NuScenesWriter};
use rayon::prelude::*;

use crate::classes::DetectionClass;
use crate::error::SimError;
use crate::output::encode_jpeg;
use crate::simulator::{RenderedFrameSet, Simulator};

/// The table directory written.
pub const NUSCENES_VERSION: &str = "v1.0-sim";

/// One scene to write.
#[derive(Debug, Clone)]
pub struct SimScene {
    /// Scene name (`scene-0001`, …).
    pub name: String,
    /// Its world and rig.
    pub simulator: Simulator,
}

/// Renders `frames` frame sets of each scene and writes them as a nuScenes dataroot at `root`
/// (which must not exist or be empty): every set's images, a sample every `key_every` sets
/// (from the first). `progress` is told after each frame set, counting across scenes.
pub fn write_nuscenes(
    scenes: &[SimScene],
    root: &Path,
    frames: u64,
    key_every: u64,
    mut progress: impl FnMut(u64),
) -> Result<PathBuf, SimError> {
    if frames == 0 {
        return Err(SimError::NoFrames);
    }
    let key_every = key_every.max(1);
    let mut writer = NuScenesWriter::create(root, NUSCENES_VERSION)?;
    let mut done = 0;
    for scene in scenes {
        let simulator = &scene.simulator;
        let config = simulator.config();
        writer.begin_scene(
            &scene.name,
            &format!(
                "simulated town, seed {}, {} rig, a key frame every {} s",
                config.seed,
                config.rig,
                config.frame_interval * key_every as f64
            ),
            simulator.rig(),
        )?;
        for index in 0..frames {
            let set = simulator.frame_set(index);
            let key_frame = index % key_every == 0;
            if key_frame {
                writer.add_sample(set.timestamp_us)?;
                for annotation in annotations(&set) {
                    writer.add_annotation(annotation)?;
                }
            }
            let images: Vec<Vec<u8>> = set
                .cameras
                .par_iter()
                .map(|camera| {
                    encode_jpeg(&camera.render).map_err(|message| SimError::Encode {
                        what: "the JPEG image",
                        camera: camera.camera.clone(),
                        message,
                    })
                })
                .collect::<Result<_, _>>()?;
            for (camera, jpeg) in set.cameras.iter().zip(images) {
                let pose = simulator.ego_pose(camera.timestamp_us);
                writer.add_frame(&camera.camera, camera.timestamp_us, &jpeg, key_frame, pose)?;
            }
            done += 1;
            progress(done);
        }
    }
    Ok(writer.finish()?)
}

/// The nuScenes category of a class (cyclists as the bicycle they ride, as nuScenes annotates
/// them: `vehicle.bicycle` with a rider).
#[must_use]
pub fn nuscenes_category(class: DetectionClass) -> &'static str {
    match class {
        DetectionClass::Car => "vehicle.car",
        DetectionClass::Truck => "vehicle.truck",
        DetectionClass::Bus => "vehicle.bus.rigid",
        DetectionClass::Pedestrian => "human.pedestrian.adult",
        DetectionClass::TrafficCone => "movable_object.trafficcone",
        DetectionClass::Cyclist => "vehicle.bicycle",
    }
}

/// Every object that some camera of the set sees, in the global frame at the set's time, its
/// occlusion the least of any camera's.
fn annotations(set: &RenderedFrameSet) -> Vec<NuScenesAnnotation> {
    let mut least_hidden: BTreeMap<u64, f64> = BTreeMap::new();
    for object in set.cameras.iter().flat_map(|camera| &camera.boxes) {
        let hidden = least_hidden.entry(object.track_id).or_insert(1.0);
        *hidden = hidden.min(f64::from(object.occlusion));
    }
    let (_, _, ego_yaw) = set.ego_to_world.rotation.euler_angles();
    set.ego_boxes
        .iter()
        .filter_map(|object| {
            let occlusion = *least_hidden.get(&object.track_id)?;
            let centre = set.ego_to_world * nalgebra::Point3::from(Vector3::from(object.centre));
            let rotation =
                UnitQuaternion::from_axis_angle(&Vector3::z_axis(), ego_yaw + object.yaw);
            let [length, width, height] = object.size;
            Some(NuScenesAnnotation {
                object: object.track_id,
                category: nuscenes_category(object.class).to_owned(),
                centre: [centre.x, centre.y, centre.z],
                size_wlh: [width, length, height],
                rotation_wxyz: [rotation.w, rotation.i, rotation.j, rotation.k],
                occlusion: Some(occlusion),
            })
        })
        .collect()
}
