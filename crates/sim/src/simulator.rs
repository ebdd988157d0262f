//! Frame sets: every camera of the rig rendered at its own exposure time, with ground truth.

use crate::error::SimError;
use crate::output::SYNC_WINDOW_US;
use crate::projector::CameraProjector;
use crate::render::{render, CameraRender};
use crate::rigs::RigPreset;
use crate::scene::Scene;
use crate::truth::{ego_boxes, object_boxes, EgoBox, ObjectBox};
use crate::world::World;
use nalgebra::Isometry3;
use panoptes_rig::CameraRig;
use rayon::prelude::*;

/// Timestamp of frame set 0, microseconds (a fixed date: outputs never depend on the clock).
pub const START_TIMESTAMP_US: u64 = 1_700_000_000_000_000;

/// What to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    pub rig: RigPreset,
    pub width: u32,
    pub height: u32,
    pub seed: u64,
    /// Time between frame sets, seconds.
    pub frame_interval: f64,
}

impl SimConfig {
    /// `rig` at its default size, 2 frame sets a second (nuScenes' key-frame rate).
    #[must_use]
    pub fn new(rig: RigPreset, seed: u64) -> Self {
        let (width, height) = rig.default_size();
        Self {
            rig,
            width,
            height,
            seed,
            frame_interval: 0.5,
        }
    }

    /// The same with another time between frame sets (seconds, more than the 50 ms sync window).
    #[must_use]
    pub fn with_frame_interval(self, frame_interval: f64) -> Self {
        Self {
            frame_interval,
            ..self
        }
    }

    /// The same with another image size.
    #[must_use]
    pub fn with_size(self, width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            ..self
        }
    }
}

/// One camera's picture and truth within a frame set.
#[derive(Debug, Clone)]
pub struct RenderedCamera {
    /// Camera name (as in the rig).
    pub camera: String,
    pub timestamp_us: u64,
    pub render: CameraRender,
    /// 2D boxes (and keypoints) of the objects this camera sees.
    pub boxes: Vec<ObjectBox>,
    /// 3D boxes of every object around, in the ego frame at this camera's exposure time.
    pub cuboids: Vec<EgoBox>,
}

/// All cameras of one frame set.
#[derive(Debug, Clone)]
pub struct RenderedFrameSet {
    pub index: u64,
    /// The set's timestamp; each camera exposes a few milliseconds after it.
    pub timestamp_us: u64,
    /// Pose of the ego in the world at the set's timestamp.
    pub ego_to_world: Isometry3<f64>,
    pub cameras: Vec<RenderedCamera>,
    /// Every object around the ego at the set's timestamp, in the ego frame.
    pub ego_boxes: Vec<EgoBox>,
}

/// A seeded world, a rig and everything prepared to render them.
#[derive(Debug, Clone)]
pub struct Simulator {
    config: SimConfig,
    world: World,
    rig: CameraRig,
    projectors: Vec<CameraProjector>,
    offsets_ms: Vec<f64>,
}

impl Simulator {
    /// Prepares the world of `config.seed` and the rig's cameras.
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        let rig = config.rig.rig(config.width, config.height)?;
        Self::with_rig(config, rig)
    }

    /// As [`Simulator::new`] with the preset's cameras calibrated otherwise (same names and
    /// order, for example another vehicle of the fleet: see [`RigPreset::variant`]).
    pub fn with_rig(config: SimConfig, rig: CameraRig) -> Result<Self, SimError> {
        // Sets must not overlap: each spans the cameras' exposure offsets and the sync window.
        if !(config.frame_interval.is_finite()
            && config.frame_interval * 1e6 > SYNC_WINDOW_US as f64)
        {
            return Err(SimError::FrameInterval {
                seconds: config.frame_interval,
            });
        }
        let offsets_ms = config.rig.exposure_offsets_ms();
        let expected = config.rig.rig(config.width, config.height)?;
        if !rig.names().eq(expected.names()) {
            return Err(SimError::RigCameras {
                preset: config.rig.name(),
                expected: expected.names().collect::<Vec<_>>().join(", "),
            });
        }
        let projectors = rig.cameras().par_iter().map(CameraProjector::new).collect();
        Ok(Self {
            config,
            world: World::new(config.seed),
            rig,
            projectors,
            offsets_ms,
        })
    }

    #[must_use]
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    #[must_use]
    pub fn rig(&self) -> &CameraRig {
        &self.rig
    }

    #[must_use]
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Seconds after the start of the drive at which frame set `index` is taken.
    #[must_use]
    pub fn frame_time(&self, index: u64) -> f64 {
        index as f64 * self.config.frame_interval
    }

    /// The ego pose at a timestamp of this drive (µs, as the frame sets' and cameras').
    #[must_use]
    pub fn ego_pose(&self, timestamp_us: u64) -> panoptes_drive::EgoPose {
        let seconds = timestamp_us.saturating_sub(START_TIMESTAMP_US) as f64 / 1e6;
        let pose = self.world.ego_to_world(seconds);
        let (rotation, translation) = (pose.rotation, pose.translation.vector);
        panoptes_drive::EgoPose {
            timestamp_us,
            translation: [translation.x, translation.y, translation.z],
            rotation_wxyz: [rotation.w, rotation.i, rotation.j, rotation.k],
        }
    }

    /// Renders frame set `index` (cameras in parallel).
    #[must_use]
    pub fn frame_set(&self, index: u64) -> RenderedFrameSet {
        let time = self.frame_time(index);
        let timestamp_us = START_TIMESTAMP_US + (time * 1e6).round() as u64;
        let stuff = self.world.stuff(time);
        let actors = self.world.actors(time);
        let cameras = self
            .projectors
            .par_iter()
            .zip(self.offsets_ms.par_iter())
            .map(|(projector, offset_ms)| {
                let exposure = time + offset_ms / 1000.0;
                let scene = self.world.scene(&stuff, &actors, exposure);
                let (frame, _) = self.camera_frame(projector, &scene, exposure);
                RenderedCamera {
                    timestamp_us: timestamp_us + (offset_ms * 1000.0).round() as u64,
                    ..frame
                }
            })
            .collect();
        let ego_to_world = self.world.ego_to_world(time);
        let scene = self.world.scene(&stuff, &actors, time);
        RenderedFrameSet {
            index,
            timestamp_us,
            ego_to_world,
            cameras,
            ego_boxes: ego_boxes(&scene, &ego_to_world),
        }
    }

    /// Renders one camera of the rig at time `time` in `scene` (exposed for tests and tools).
    #[must_use]
    pub fn camera_frame(
        &self,
        projector: &CameraProjector,
        scene: &Scene,
        time: f64,
    ) -> (RenderedCamera, Isometry3<f64>) {
        let ego_to_world = self.world.ego_to_world(time);
        let camera_to_world = ego_to_world * projector.camera.sensor_to_ego;
        let render = render(projector, &camera_to_world, scene, &self.world.lighting);
        let boxes = object_boxes(
            &render,
            scene,
            &projector.camera,
            &camera_to_world.inverse(),
        );
        (
            RenderedCamera {
                camera: projector.camera.name.clone(),
                timestamp_us: 0,
                render,
                boxes,
                cuboids: ego_boxes(scene, &ego_to_world),
            },
            camera_to_world,
        )
    }

    /// The prepared cameras, in rig order.
    #[must_use]
    pub fn projectors(&self) -> &[CameraProjector] {
        &self.projectors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_sets_too_close_together_are_refused() {
        let config = SimConfig::new(RigPreset::NuScenes6, 1).with_size(64, 36);
        assert!(Simulator::new(config.with_frame_interval(0.1)).is_ok());
        for bad in [0.04, 0.0, -1.0, f64::NAN] {
            assert!(matches!(
                Simulator::new(config.with_frame_interval(bad)),
                Err(SimError::FrameInterval { .. })
            ));
        }
    }
}
