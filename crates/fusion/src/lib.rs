//! Ego-frame perception: every detection placed around the vehicle, the cameras' views of one
//! object merged, objects tracked from one frame set to the next, and a bird's-eye view.
//!
//! [`Fusion::new`] takes the rig, the models' head configurations and a [`FusionConfig`];
//! [`Fusion::fuse`] then turns each frame set's decoded results ([`FrameInput`]) into
//! [`EgoObject`]s and a [`BevGrid`]:
//!
//! 1. **Lifting** ([`lift`]): per detection of a class in [`FusionConfig::classes`], on the
//!    ground plane the class's prior box is fitted to the detected box through the camera
//!    model (pinhole with distortion or Kannala–Brandt: the box goes where
//!    it would project onto the detected bottom row and centre column), or a person's
//!    confident ankles give the foot point; a kerb raises the ground where the segmentation
//!    sees sidewalk; far away the apparent height is a second range cue ([`blend_with_height`]).
//!    From the depth head, a percentile in the box's lower centre is back-projected along the
//!    pixel's ray as the manifest says (`measured_along`), and the centre lies half the
//!    class's extent further. The policy per class is `ground`, `depth` or `auto`, and the
//!    method used is recorded per object. Each observation carries a covariance: the box
//!    edges' noise carried through the camera model.
//! 2. **Merge** ([`merge`]): observations of one class from different cameras within a
//!    Mahalanobis gate of each other become one object, placed by the best-placed observation
//!    (box not cut by the border, nearest the image centre).
//! 3. **Tracking** ([`Tracker`]): greedy association per class within a Mahalanobis gate,
//!    confirmed tracks and confident objects first; a constant-velocity Kalman filter per
//!    track in the world frame when the drive has ego poses (ego motion compensated), else in
//!    the ego frame; doubtful objects only continue tracks; tracks confirmed after a few hits
//!    and ended after a few misses; velocity in ego axes.
//! 4. **Bird's-eye view** ([`BevProjector`]): each cell's centre on the ground plane projected
//!    into the cameras once per rig; per frame set, each cell takes the category of its pixel
//!    in the nearest camera that sees it, then the objects' footprints are drawn.
//!
//! Deterministic: the same inputs give the same outputs, whatever the thread count.

mod bev;
mod config;
mod error;
mod fit;
mod fusion;
mod height;
mod lift;
mod merge;
mod object;
mod track;

pub use bev::{categories_of, category_at, BevCategory, BevGrid, BevLayer, BevProjector};
pub use config::{
    default_classes, BevConfig, FusionConfig, LiftPolicy, LiftingConfig, MergeConfig, ObjectClass,
    TrackingConfig, MAX_BEV_CELLS_PER_SIDE,
};
pub use error::FusionError;
pub use fusion::{CameraView, FrameInput, Fusion, FusionOutput};
pub use height::{blend_with_height, range_from_height};
pub use lift::{
    back_project, extent_along, foot_pixel, lift, DepthView, LiftMethod, Observation, Surroundings,
    Unplaced,
};
pub use merge::{better_placed, merge, squared_distance, Cluster};
pub use object::EgoObject;
pub use track::{Measurement, Motion, TrackState, Tracker};
