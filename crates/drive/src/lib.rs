//! Recorded drive formats, nuScenes reader and frame-set synchronization.
//!
//! [`Drive::open`] reads our directory format (see `FORMAT.md`) or a nuScenes dataroot into a
//! [`CameraRig`](panoptes_rig::CameraRig) and time-ordered [`FrameSet`]s ([`Drive::open_scenes`]:
//! each nuScenes scene a drive, key frames or every camera frame, annotations as ground
//! truth); [`DriveWriter`] writes our format, [`NuScenesWriter`] nuScenes tables;
//! [`Synchronizer`] groups live per-camera streams into sets.

mod categories;
mod directory;
mod drive;
mod error;
mod frame_set;
mod ground_truth;
mod index;
mod nuscenes;
mod paths;
mod sync;
mod writer;

pub use categories::CategoryMap;
pub use drive::{Drive, DriveFormat};
pub use error::DriveError;
pub use frame_set::{CameraFrame, Frame, FrameSet};
pub use ground_truth::{
    Annotations, BoundingBox, Cuboid, EgoPose, GroundTruth, Keypoint, PersonKeypoints, Visibility,
    COCO_KEYPOINTS,
};
pub use index::{FORMAT_NAME, FORMAT_VERSION};
pub use nuscenes::{CameraFrames, NuScenesAnnotation, NuScenesOptions, NuScenesWriter, SceneInfo};
pub use sync::{
    synchronize, MissingReason, Rejected, RejectionReason, Slot, SyncConfig, SyncedSet,
    Synchronizer,
};
pub use writer::{DriveWriter, FrameInput, INDEX_FILE, RIG_FILE};
