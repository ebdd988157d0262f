//! One frame set through fusion: lift every detection, merge across cameras, track, and build
//! the bird's-eye view.

use nalgebra::{Isometry3, Point3, Vector2};
use panoptes_heads::{ClassMap, DepthAlong, DepthMap, Detection, HeadConfig};
use panoptes_rig::CameraRig;

use crate::bev::{categories_of, BevCategory, BevGrid, BevLayer, BevProjector};
use crate::config::{FusionConfig, LiftPolicy};
use crate::error::FusionError;
use crate::lift::{lift, DepthView, Observation, Surroundings};
use crate::merge::merge;
use crate::object::EgoObject;
use crate::track::{Measurement, Motion, Tracker};

/// Speed above which a track's heading is reported, m/s.
const HEADING_MIN_SPEED: f64 = 1.0;

/// One camera's decoded results in a frame set.
#[derive(Debug, Clone, Copy)]
pub struct CameraView<'a> {
    /// The rig camera's name.
    pub camera: &'a str,
    /// Detections of every detection head, original pixels.
    pub detections: &'a [Detection],
    /// Segmentation head name → class map.
    pub masks: &'a [(&'a str, &'a ClassMap)],
    /// Depth head name → depth map.
    pub depths: &'a [(&'a str, &'a DepthMap)],
}

/// A frame set's input to fusion.
#[derive(Debug, Clone)]
pub struct FrameInput<'a> {
    /// The frame set's time, µs.
    pub timestamp_us: u64,
    /// Ego → world at that time, when the drive records ego poses.
    pub ego_to_world: Option<Isometry3<f64>>,
    /// The cameras present, any order; a missing camera has no view.
    pub cameras: Vec<CameraView<'a>>,
}

/// What fusion made of a frame set.
#[derive(Debug, Clone, PartialEq)]
pub struct FusionOutput {
    /// The objects around the vehicle, each once, nearest first.
    pub objects: Vec<EgoObject>,
    /// Per input camera view (in input order), per detection: the centre its camera alone
    /// placed it at, when its class is placed at all.
    pub placements: Vec<Vec<Option<[f32; 3]>>>,
    /// The bird's-eye view, when it is on.
    pub bev: Option<BevGrid>,
    /// Detections of placed classes that could not be placed (no ground under the foot point,
    /// no depth, or too far).
    pub unplaced: usize,
}

/// Fusion for one rig and one set of models; keeps the tracks between frame sets.
#[derive(Debug, Clone)]
pub struct Fusion {
    rig: CameraRig,
    config: FusionConfig,
    /// Segmentation head name → category per class id.
    categories: Vec<(String, Vec<BevCategory>)>,
    /// Depth heads that say what they measure, in manifest order.
    depth_heads: Vec<(String, DepthAlong)>,
    projector: Option<BevProjector>,
    tracker: Tracker,
}

impl Fusion {
    /// Fusion for `rig` fed by heads configured as `heads` (every model's, in order).
    /// Fails when a class asks for depth lifting and no depth head says what its values
    /// measure (`measured_along` in its manifest).
    pub fn new(
        rig: &CameraRig,
        heads: &[HeadConfig],
        config: FusionConfig,
    ) -> Result<Self, FusionError> {
        config.validate()?;
        let depth_heads: Vec<(String, DepthAlong)> = heads
            .iter()
            .filter_map(|head| match head {
                HeadConfig::Depth(depth) => depth
                    .measured_along
                    .map(|along| (depth.name.clone(), along)),
                _ => None,
            })
            .collect();
        if depth_heads.is_empty() {
            let wants_depth = |policy: Option<LiftPolicy>| policy == Some(LiftPolicy::Depth);
            if wants_depth(Some(config.lifting.policy)) {
                return Err(no_depth("lifting.policy"));
            }
            if let Some(index) = config
                .classes
                .iter()
                .position(|class| wants_depth(class.policy))
            {
                return Err(no_depth(&format!("classes[{index}].policy")));
            }
        }
        let categories = heads
            .iter()
            .filter_map(|head| match head {
                HeadConfig::Segmentation(segmentation) => Some((
                    segmentation.name.clone(),
                    categories_of(&segmentation.classes, &config.bev),
                )),
                _ => None,
            })
            .collect();
        let projector = config
            .bev
            .enabled
            .then(|| BevProjector::new(rig, &config.bev, config.lifting.ground_z));
        Ok(Self {
            rig: rig.clone(),
            tracker: Tracker::new(
                config.tracking.clone(),
                config
                    .classes
                    .iter()
                    .map(|class| Motion {
                        speed_sigma: class.speed_sigma,
                        acceleration_sigma: class.acceleration_sigma,
                    })
                    .collect(),
            ),
            config,
            categories,
            depth_heads,
            projector,
        })
    }

    /// The settings.
    pub fn config(&self) -> &FusionConfig {
        &self.config
    }

    /// The cell grid of the bird's-eye view, when it is on.
    pub fn projector(&self) -> Option<&BevProjector> {
        self.projector.as_ref()
    }

    /// The category per class id of each segmentation head, by head name.
    pub fn categories(&self) -> &[(String, Vec<BevCategory>)] {
        &self.categories
    }

    /// Fuses one frame set. Frame sets must come in time order (tracking).
    pub fn fuse(&mut self, frame: &FrameInput<'_>) -> FusionOutput {
        let mut observations: Vec<Observation> = Vec::new();
        let mut placements = Vec::with_capacity(frame.cameras.len());
        let mut unplaced = 0;
        let mut rig_indices = Vec::with_capacity(frame.cameras.len());
        let layers = layers(&self.rig, &self.categories, frame);
        for view in &frame.cameras {
            let camera_index = self.rig.index_of(view.camera);
            rig_indices.push(camera_index);
            let mut placed = vec![None; view.detections.len()];
            if let Some(camera_index) = camera_index {
                let camera = &self.rig.cameras()[camera_index];
                let surroundings = Surroundings {
                    depth: self.depth_of(view),
                    segmentation: &layers[camera_index],
                };
                for (index, detection) in view.detections.iter().enumerate() {
                    let Some(class_index) = self.config.class_of(&detection.label) else {
                        continue;
                    };
                    let class = (class_index, &self.config.classes[class_index]);
                    match lift(
                        camera,
                        camera_index,
                        index,
                        detection,
                        class,
                        surroundings,
                        &self.config.lifting,
                    ) {
                        Ok(observation) => {
                            placed[index] = Some(to_f32(&observation.centre));
                            observations.push(observation);
                        }
                        Err(_) => unplaced += 1,
                    }
                }
            }
            placements.push(placed);
        }
        let clusters = merge(&observations, &self.config.merge);
        let score_of = |cluster: &crate::merge::Cluster| {
            cluster
                .members
                .iter()
                .map(|&member| observations[member].score)
                .fold(0.0_f32, f32::max)
        };
        let measurements: Vec<Measurement> = clusters
            .iter()
            .map(|cluster| {
                let best = &observations[cluster.best];
                Measurement {
                    class: best.class,
                    centre: best.centre,
                    score: score_of(cluster),
                    covariance: best.covariance,
                }
            })
            .collect();
        let states = if self.config.tracking.enabled {
            Some(self.tracker.update(
                frame.timestamp_us,
                frame.ego_to_world.as_ref(),
                &measurements,
            ))
        } else {
            None
        };
        // Rig index → the view holding that camera's detections.
        let mut views = vec![None; self.rig.len()];
        for (view, rig_index) in frame.cameras.iter().zip(&rig_indices) {
            if let Some(rig_index) = rig_index {
                views[*rig_index] = Some(view);
            }
        }
        let mut objects: Vec<EgoObject> = clusters
            .iter()
            .enumerate()
            .map(|(index, cluster)| {
                let best = &observations[cluster.best];
                let detection =
                    views[best.camera].and_then(|view| view.detections.get(best.detection));
                let class = &self.config.classes[best.class];
                let state = states
                    .as_ref()
                    .and_then(|states| states.get(index).copied().flatten());
                let velocity = state.and_then(|state| state.velocity);
                let yaw = velocity
                    .filter(|velocity| velocity.norm() > HEADING_MIN_SPEED)
                    .map(|velocity| velocity.y.atan2(velocity.x) as f32);
                let score = score_of(cluster);
                EgoObject {
                    id: state.map(|state| state.id),
                    confirmed: state.map(|state| state.confirmed),
                    class: class.name.clone(),
                    label: detection.map(|d| d.label.clone()).unwrap_or_default(),
                    head: detection.map(|d| d.head.clone()).unwrap_or_default(),
                    class_id: detection.map_or(0, |d| d.class_id),
                    score,
                    position: to_f32(&best.centre),
                    distance: best.distance() as f32,
                    position_covariance: [
                        best.covariance[(0, 0)] as f32,
                        best.covariance[(0, 1)] as f32,
                        best.covariance[(1, 1)] as f32,
                    ],
                    size_lwh: class.size_lwh.map(|value| value as f32),
                    yaw,
                    velocity: velocity.map(|velocity| [velocity.x as f32, velocity.y as f32]),
                    cameras: cluster
                        .members
                        .iter()
                        .map(|&member| self.rig.cameras()[observations[member].camera].name.clone())
                        .collect(),
                    method: best.method,
                    clipped: best.clipped,
                    keypoints: best.keypoints.as_ref().map(|points| {
                        points
                            .iter()
                            .map(|point| point.as_ref().map(to_f32))
                            .collect()
                    }),
                }
            })
            .collect();
        objects.sort_by(|left, right| {
            left.distance
                .total_cmp(&right.distance)
                .then(left.class.cmp(&right.class))
        });
        let bev = self.projector.as_ref().map(|projector| {
            let mut grid = projector.grid(&layers);
            for object in &objects {
                let [length, width, _] = object.size_lwh.map(f64::from);
                grid.draw_footprint(
                    Vector2::new(f64::from(object.position[0]), f64::from(object.position[1])),
                    length,
                    width,
                    f64::from(object.yaw.unwrap_or(0.0)),
                );
            }
            grid
        });
        FusionOutput {
            objects,
            placements,
            bev,
            unplaced,
        }
    }

    /// The first depth head (in manifest order) that says what it measures and that this
    /// camera has a map of.
    fn depth_of<'a>(&self, view: &CameraView<'a>) -> Option<DepthView<'a>> {
        self.depth_heads.iter().find_map(|(head, along)| {
            view.depths
                .iter()
                .find(|(name, _)| name == head)
                .map(|(_, map)| DepthView { map, along: *along })
        })
    }
}

/// Each rig camera's segmentation layers with their categories.
fn layers<'a>(
    rig: &CameraRig,
    categories: &'a [(String, Vec<BevCategory>)],
    frame: &FrameInput<'a>,
) -> Vec<Vec<BevLayer<'a>>> {
    let mut layers: Vec<Vec<BevLayer<'a>>> = vec![Vec::new(); rig.len()];
    for view in &frame.cameras {
        let Some(camera) = rig.index_of(view.camera) else {
            continue;
        };
        for (head, map) in view.masks {
            if let Some((_, categories)) = categories.iter().find(|(name, _)| name == head) {
                layers[camera].push(BevLayer {
                    ids: map.ids().view(),
                    categories,
                });
            }
        }
    }
    layers
}

fn no_depth(field: &str) -> FusionError {
    FusionError::setting(
        field,
        "asks for depth lifting, and no depth head says what its values measure",
        "add measured_along = \"optical-axis\" or \"ray\" to the depth head of the model's manifest, or use policy \"ground\" or \"auto\"",
    )
}

fn to_f32(point: &Point3<f64>) -> [f32; 3] {
    [point.x as f32, point.y as f32, point.z as f32]
}
