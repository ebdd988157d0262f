//! A scene at one instant: world triangles, the objects they belong to, and the light.

use crate::actor::WorldBox;
use crate::classes::DetectionClass;
use crate::geometry::{Albedo, Triangle};
use nalgebra::{Point3, Vector3};
use std::ops::Range;

/// An object with identity in a scene (its pixels carry `index + 1` in instance maps).
#[derive(Debug, Clone)]
pub struct SceneObject {
    pub track_id: u64,
    pub class: DetectionClass,
    pub world_box: WorldBox,
    /// The 17 COCO keypoints (world frame) of people.
    pub keypoints: Option<[Point3<f64>; 17]>,
    /// Its triangles in [`Scene::triangles`].
    pub triangles: Range<usize>,
}

/// Triangles and objects at one instant.
#[derive(Debug, Clone, Default)]
pub struct Scene {
    pub triangles: Vec<Triangle>,
    pub objects: Vec<SceneObject>,
}

/// Sun, sky and haze.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lighting {
    /// Unit vector towards the sun (world frame).
    pub sun: Vector3<f64>,
    pub sun_strength: f32,
    pub ambient: f32,
    /// Extra light from the sky on upward faces.
    pub sky_fill: f32,
    pub zenith: Albedo,
    pub horizon: Albedo,
    /// Distance at which haze hides 63% of a surface, metres.
    pub haze_distance: f32,
    /// Geometry fades fully into the horizon colour between these distances (the world ends).
    pub fade: [f32; 2],
}

impl Default for Lighting {
    fn default() -> Self {
        Self {
            sun: Vector3::new(0.4, -0.3, 0.8).normalize(),
            sun_strength: 0.6,
            ambient: 0.4,
            sky_fill: 0.12,
            zenith: [0.35, 0.55, 0.85],
            horizon: [0.78, 0.84, 0.9],
            haze_distance: 600.0,
            fade: [150.0, 195.0],
        }
    }
}

impl Lighting {
    /// The shaded colour of a face with unit `normal` and colour `albedo`.
    #[must_use]
    pub fn shade(&self, normal: &Vector3<f64>, albedo: &Albedo) -> [f32; 3] {
        let direct = normal.dot(&self.sun).max(0.0) as f32 * self.sun_strength;
        let fill = self.sky_fill * (0.5 + 0.5 * normal.z as f32);
        let light = self.ambient + fill + direct;
        albedo.map(|channel| channel * light)
    }

    /// The sky's colour along a world direction.
    #[must_use]
    pub fn sky(&self, direction: &Vector3<f32>) -> [f32; 3] {
        let elevation = (direction.z / direction.norm().max(1e-6)).max(0.0).sqrt();
        [0, 1, 2].map(|channel| {
            self.horizon[channel] + (self.zenith[channel] - self.horizon[channel]) * elevation
        })
    }

    /// A surface colour seen through `distance` metres of air.
    #[must_use]
    pub fn haze(&self, colour: [f32; 3], distance: f32) -> [f32; 3] {
        let [start, end] = self.fade;
        let ramp = ((distance - start) / (end - start)).clamp(0.0, 1.0);
        let fade = ramp * ramp * (3.0 - 2.0 * ramp);
        let amount = (1.0 - (-distance / self.haze_distance).exp()).max(fade);
        [0, 1, 2]
            .map(|channel| colour[channel] + (self.horizon[channel] - colour[channel]) * amount)
    }
}
