//! A synthetic surround-view world with exact ground truth.
//!
//! A seeded procedural town (roads, lane markings, kerbs, sidewalks, buildings, trees, lamps,
//! moving and parked vehicles, walking and standing people with COCO-17 skeletons, traffic
//! cones) is rendered by a software z-buffer rasteriser through a camera rig (`nuscenes6` pinhole
//! or `fisheye4` Kannala–Brandt, the latter rendered through cube faces and remapped). Every
//! camera image comes with its exact class map, camera-frame depth, instance map, 2D boxes with
//! occlusion, keypoints with visibility, and the 3D boxes in the ego frame.
//!
//! The same seed gives the same bytes: all randomness flows from hashed seeds, never from the
//! clock or from hash-map order, and parallel cameras write only their own outputs.
//!
//! Class tables: [`SemanticClass`] (segmentation) and [`DetectionClass`] (boxes).
//!
//! Conventions:
//! - World: x along the main road, y left, z up, metres; the ego drives along +x in a right-hand
//!   lane. Ego frame: x forward, y left, z up, origin on the ground under the rear axle.
//! - Depth ([`CameraRender::depth`], depth PNGs): z along the camera's optical axis (not the
//!   distance along the ray), metres / millimetres; 0 where nothing is seen or z ≤ 0.
//! - The renderer samples pixel (i, j) at the camera model's coordinate (i, j) (OpenCV's
//!   convention); drive files use the drive format's top-left-corner origin, so written
//!   keypoints are the model's projection plus half a pixel, and a box `[x, y, w, h]` holds
//!   pixel columns x ..= x + w − 1 and rows y ..= y + h − 1.
//! - Time: frame set `n` is taken `n × frame_interval` seconds (default 0.5 s) into the drive;
//!   each camera exposes a few milliseconds after its set (0–42 ms for `nuscenes6`, as nuScenes').
//! - Fisheye cameras are rendered through pinhole cube faces and remapped to the lens's pixels
//!   (nearest face pixel); their image circle spans 190°, pixels beyond it are `void`.
//!
//! Entry points: [`Simulator`] (a seeded world and a rig) renders [`RenderedFrameSet`]s;
//! [`write_drive`] writes them as a drive; [`write_nuscenes`] writes several drives as the scenes
//! of a nuScenes dataroot; [`render`] draws any [`Scene`] through any camera.

mod actor;
mod classes;
mod cyclist;
mod error;
mod geometry;
mod nuscenes;
mod output;
mod pedestrian;
mod projector;
mod random;
mod raster;
mod render;
mod rigs;
mod roadside;
mod scene;
mod simulator;
mod town;
mod traffic;
mod truth;
mod vehicle;
mod world;

pub use actor::WorldBox;
pub use classes::{DetectionClass, SemanticClass, COCO_KEYPOINTS};
pub use error::SimError;
pub use geometry::{rgb, Material, MeshBuilder, Triangle};
pub use nuscenes::{nuscenes_category, write_nuscenes, SimScene, NUSCENES_VERSION};
pub use output::{
    depth_millimetres, encode_frame_set, write_drive, EncodedFrame, InstanceIds, JPEG_QUALITY,
    MIN_KEYPOINT_PERSON_HEIGHT, SYNC_WINDOW_US,
};
pub use projector::{CameraProjector, FISHEYE_HALF_ANGLE};
pub use raster::NEAR_PLANE;
pub use render::{render, CameraRender};
pub use rigs::{parse_size, RigPreset, FISHEYE_K};
pub use scene::{Lighting, Scene, SceneObject};
pub use simulator::{RenderedCamera, RenderedFrameSet, SimConfig, Simulator, START_TIMESTAMP_US};
pub use truth::{ego_boxes, object_boxes, visibility, EgoBox, ObjectBox, KEYPOINT_DEPTH_MARGIN};
pub use world::{World, VIEW_RANGE};
