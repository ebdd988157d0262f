//! The whole simulated world of one seed: the town, the ego's drive, the light, and the scene
//! at any instant.

use crate::actor::Actor;
use crate::geometry::{rgb, MeshBuilder, Triangle};
use crate::random::Random;
use crate::scene::{Lighting, Scene, SceneObject};
use crate::town::{Town, CHUNK_LENGTH};
use crate::traffic::{actors_near, EgoDrive};
use nalgebra::{Isometry3, Translation3, UnitQuaternion, Vector3};

/// How far along the road (each way) the world is built around the ego, metres.
pub const VIEW_RANGE: f64 = 200.0;

/// One seed's world.
#[derive(Debug, Clone)]
pub struct World {
    pub town: Town,
    pub ego: EgoDrive,
    pub lighting: Lighting,
}

impl World {
    /// The world of `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let town = Town::new(seed);
        let ego = EgoDrive::new(&town);
        let mut random = Random::new(seed, &[crate::town::key::STYLE, 7]);
        let elevation = random.range(15.0f64, 65.0).to_radians();
        let azimuth = random.range(-180.0f64, 180.0).to_radians();
        let sun = Vector3::new(
            elevation.cos() * azimuth.cos(),
            elevation.cos() * azimuth.sin(),
            elevation.sin(),
        );
        let overcast = random.chance(0.25);
        let lighting = Lighting {
            sun,
            sun_strength: if overcast {
                0.15
            } else {
                random.range(0.5, 0.7) as f32
            },
            ambient: if overcast {
                0.75
            } else {
                random.range(0.35, 0.45) as f32
            },
            sky_fill: 0.12,
            zenith: if overcast {
                rgb(165, 170, 178)
            } else {
                rgb(
                    random.range(60.0, 110.0) as u8,
                    random.range(120.0, 160.0) as u8,
                    225,
                )
            },
            horizon: if overcast {
                rgb(200, 202, 206)
            } else {
                rgb(195, 212, 228)
            },
            haze_distance: random.range(400.0, 900.0) as f32,
            fade: [150.0, (VIEW_RANGE - 5.0) as f32],
        };
        Self {
            town,
            ego,
            lighting,
        }
    }

    /// Pose of the ego frame (x forward, y left, z up, origin on the ground under the rear
    /// axle) in the world at time `t`.
    #[must_use]
    pub fn ego_to_world(&self, t: f64) -> Isometry3<f64> {
        Isometry3::from_parts(
            Translation3::new(self.ego.x(t), self.ego.lane_y, 0.0),
            UnitQuaternion::identity(),
        )
    }

    /// The static stuff around the ego at time `t`.
    #[must_use]
    pub fn stuff(&self, t: f64) -> Vec<Triangle> {
        let centre = self.ego.x(t);
        let first = ((centre - VIEW_RANGE) / CHUNK_LENGTH).floor() as i64;
        let last = ((centre + VIEW_RANGE) / CHUNK_LENGTH).floor() as i64;
        let mut mesh = MeshBuilder::default();
        for chunk in first..=last {
            self.town.build_chunk(chunk, &mut mesh);
        }
        mesh.triangles
    }

    /// The actors around the ego at time `t`, in a fixed order.
    #[must_use]
    pub fn actors(&self, t: f64) -> Vec<Actor> {
        let mut actors = actors_near(&self.town, &self.ego, t, VIEW_RANGE);
        actors.sort_by_key(|actor| actor.track_id);
        actors.dedup_by_key(|actor| actor.track_id);
        actors.truncate(usize::from(u16::MAX) - 1);
        actors
    }

    /// The scene at time `t`: `stuff` plus every actor posed at `t`.
    #[must_use]
    pub fn scene(&self, stuff: &[Triangle], actors: &[Actor], t: f64) -> Scene {
        let mut mesh = MeshBuilder {
            triangles: stuff.to_vec(),
        };
        let mut objects = Vec::with_capacity(actors.len());
        for (index, actor) in actors.iter().enumerate() {
            let object = (index + 1) as u16;
            let first = mesh.triangles.len();
            let world_box = actor.build(&mut mesh, t, object);
            objects.push(SceneObject {
                track_id: actor.track_id,
                class: actor.class(),
                world_box,
                keypoints: actor.keypoints(t),
                triangles: first..mesh.triangles.len(),
            });
        }
        Scene {
            triangles: mesh.triangles,
            objects,
        }
    }
}
