//! Things with identity (vehicles, people, cones): how they look, how they move, and their mesh
//! and 3D box at a given time.

use crate::classes::{DetectionClass, SemanticClass};
use crate::cyclist;
use crate::geometry::{rgb, Material, MeshBuilder};
use crate::pedestrian::{self, Appearance};
use crate::vehicle::{self, VehicleModel};
use nalgebra::Point3;
use std::f64::consts::PI;

/// How an actor looks.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    Vehicle(VehicleModel),
    Person {
        appearance: Appearance,
        /// Walking cycle phase at time 0, in turns.
        phase: f64,
        /// Arm offset when standing, radians.
        idle_arms: f64,
    },
    Cone {
        height: f64,
    },
    Cyclist {
        appearance: Appearance,
        frame: crate::geometry::Albedo,
        /// Crank angle at time 0, in turns.
        phase: f64,
    },
}

/// An actor: identity, look and straight-line motion along the road (x).
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    /// Stable identity across frames (same actor, same id).
    pub track_id: u64,
    pub body: Body,
    /// Position at time 0.
    pub x: f64,
    pub y: f64,
    /// Speed along +x, m/s (negative: driving or walking towards −x).
    pub speed: f64,
    /// Heading when not moving, radians.
    pub resting_yaw: f64,
    /// Height of the ground it stands on.
    pub ground: f64,
}

/// An actor's box at one time, in the world frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorldBox {
    pub centre: Point3<f64>,
    /// Length (along its heading), width, height, metres.
    pub size: [f64; 3],
    /// Heading, radians about z.
    pub yaw: f64,
}

/// Metres walked per full stride cycle, per metre of body height.
const STRIDE_PER_HEIGHT: f64 = 0.85;

impl Actor {
    /// Detection class of its boxes.
    #[must_use]
    pub fn class(&self) -> DetectionClass {
        match self.body {
            Body::Vehicle(model) => model.kind.detection_class(),
            Body::Person { .. } => DetectionClass::Pedestrian,
            Body::Cone { .. } => DetectionClass::TrafficCone,
            Body::Cyclist { .. } => DetectionClass::Cyclist,
        }
    }

    /// Position and heading at time `t` (seconds).
    #[must_use]
    pub fn placement(&self, t: f64) -> (f64, f64, f64) {
        let yaw = if self.speed > 0.0 {
            0.0
        } else if self.speed < 0.0 {
            PI
        } else {
            self.resting_yaw
        };
        (self.x + self.speed * t, self.y, yaw)
    }

    /// Its 17 COCO keypoints at time `t`, for people.
    #[must_use]
    pub fn keypoints(&self, t: f64) -> Option<[Point3<f64>; 17]> {
        match self.body {
            Body::Person {
                appearance,
                phase,
                idle_arms,
            } => Some(pedestrian::skeleton(
                &appearance,
                &self.person_pose(&appearance, phase, idle_arms, t),
            )),
            Body::Cyclist {
                appearance, phase, ..
            } => {
                let (x, y, yaw) = self.placement(t);
                Some(cyclist::rider_skeleton(
                    &appearance,
                    x,
                    y,
                    yaw,
                    self.crank(phase, t),
                ))
            }
            _ => None,
        }
    }

    /// Crank angle (turns) at time `t` for a bicycle whose crank is at `phase` at time 0.
    fn crank(&self, phase: f64, t: f64) -> f64 {
        (phase + (self.speed * t).abs() / cyclist::METRES_PER_CRANK_TURN).rem_euclid(1.0)
    }

    fn person_pose(
        &self,
        appearance: &Appearance,
        phase: f64,
        idle_arms: f64,
        t: f64,
    ) -> pedestrian::Pose {
        let (x, y, yaw) = self.placement(t);
        let walked = (self.speed * t).abs();
        let stride_phase = (self.speed != 0.0)
            .then(|| (phase + walked / (STRIDE_PER_HEIGHT * appearance.height)).rem_euclid(1.0));
        pedestrian::Pose {
            x,
            y,
            ground: self.ground,
            yaw,
            stride_phase,
            idle_arms,
        }
    }

    /// Appends its mesh at time `t`, tagged with `object`, and returns its tight 3D box.
    pub fn build(&self, mesh: &mut MeshBuilder, t: f64, object: u16) -> WorldBox {
        let (x, y, yaw) = self.placement(t);
        let first = mesh.triangles.len();
        match self.body {
            Body::Vehicle(model) => vehicle::build_vehicle(mesh, &model, x, y, yaw, object),
            Body::Person {
                appearance,
                phase,
                idle_arms,
            } => {
                let pose = self.person_pose(&appearance, phase, idle_arms, t);
                let keypoints = pedestrian::skeleton(&appearance, &pose);
                pedestrian::build_body(
                    mesh,
                    &appearance,
                    pose.yaw,
                    &keypoints,
                    SemanticClass::Pedestrian,
                    object,
                );
            }
            Body::Cyclist {
                appearance,
                frame,
                phase,
            } => {
                cyclist::build_cyclist(
                    mesh,
                    &appearance,
                    frame,
                    x,
                    y,
                    yaw,
                    self.crank(phase, t),
                    object,
                );
            }
            Body::Cone { height } => {
                let orange = Material {
                    albedo: rgb(245, 100, 20),
                    class: SemanticClass::TrafficCone,
                    object,
                };
                let white = orange.with_albedo(rgb(240, 240, 240));
                let base = orange.with_albedo(rgb(30, 30, 30));
                mesh.upright_box(x, y, self.ground, 0.38, 0.38, 0.04, yaw, base);
                let radius = 0.15;
                let band = (0.45 * height, 0.65 * height);
                let at = |z: f64| radius * (1.0 - z / height) + 0.02;
                mesh.frustum(
                    x,
                    y,
                    self.ground + 0.04,
                    at(0.0),
                    at(band.0),
                    band.0,
                    8,
                    orange,
                );
                mesh.frustum(
                    x,
                    y,
                    self.ground + 0.04 + band.0,
                    at(band.0),
                    at(band.1),
                    band.1 - band.0,
                    8,
                    white,
                );
                mesh.frustum(
                    x,
                    y,
                    self.ground + 0.04 + band.1,
                    at(band.1),
                    0.0,
                    height - band.1,
                    8,
                    orange,
                );
            }
        }
        tight_box(&mesh.triangles[first..], x, y, yaw, object)
    }
}

/// The smallest box with heading `yaw` around the triangles of `object` (shadows excluded).
fn tight_box(
    triangles: &[crate::geometry::Triangle],
    x: f64,
    y: f64,
    yaw: f64,
    object: u16,
) -> WorldBox {
    let (sin, cos) = yaw.sin_cos();
    let mut low = [f64::INFINITY; 3];
    let mut high = [f64::NEG_INFINITY; 3];
    for triangle in triangles
        .iter()
        .filter(|triangle| triangle.object == object)
    {
        for vertex in &triangle.vertices {
            let (dx, dy) = (vertex.x - x, vertex.y - y);
            let local = [cos * dx + sin * dy, -sin * dx + cos * dy, vertex.z];
            for axis in 0..3 {
                low[axis] = low[axis].min(local[axis]);
                high[axis] = high[axis].max(local[axis]);
            }
        }
    }
    let middle = [
        (low[0] + high[0]) / 2.0,
        (low[1] + high[1]) / 2.0,
        (low[2] + high[2]) / 2.0,
    ];
    WorldBox {
        centre: Point3::new(
            x + cos * middle[0] - sin * middle[1],
            y + sin * middle[0] + cos * middle[1],
            middle[2],
        ),
        size: [high[0] - low[0], high[1] - low[1], high[2] - low[2]],
        yaw,
    }
}
