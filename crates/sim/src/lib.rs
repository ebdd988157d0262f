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

mod actor;
mod classes;
mod error;
mod geometry;
mod output;
mod pedestrian;
mod projector;
mod random;
mod raster;
mod render;
mod rigs;
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
