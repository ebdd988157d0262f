//! What fusion reports: one object in the ego frame (`objects_ego` in `perception.jsonl`).

use serde::Serialize;

use crate::lift::LiftMethod;

/// One object around the vehicle, seen by one or more cameras.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EgoObject {
    /// Track id, the same from one frame set to the next; `null` when tracking is off, and for
    /// an object scored below `tracking.birth_score` that continues no track.
    pub id: Option<u64>,
    /// Whether the track has been seen in enough frame sets to be trusted (see
    /// `tracking.confirm_hits`); `null` where `id` is.
    pub confirmed: Option<bool>,
    /// The class name from the fusion table (for example `pedestrian` for a `person` box).
    pub class: String,
    /// The detection's own label.
    pub label: String,
    /// The detection head.
    pub head: String,
    /// The class channel of that head.
    pub class_id: usize,
    /// Best score among the observations.
    pub score: f32,
    /// Centre of the object, ego frame (x forward, y left, z up), metres.
    pub position: [f32; 3],
    /// Distance from the ego origin on the ground, metres.
    pub distance: f32,
    /// Uncertainty of `position` on the ground: the covariance `[xx, xy, yy]`, m², from the
    /// box edges' noise carried through the camera model (or the depth head's error).
    pub position_covariance: [f32; 3],
    /// Length, width, height, metres (the class's size prior).
    pub size_lwh: [f32; 3],
    /// Heading about ego z, radians, from the track's motion once it moves faster than
    /// 1 m/s; `null` before.
    pub yaw: Option<f32>,
    /// Velocity over the ground in ego axes, m/s; `null` on a track's first frame set and
    /// when tracking is off.
    pub velocity: Option<[f32; 2]>,
    /// The cameras that saw it, best-placed first.
    pub cameras: Vec<String>,
    /// How the position was found (from the best-placed camera's observation).
    pub method: LiftMethod,
    /// Whether that camera's box touches its image border.
    pub clipped: bool,
    /// Keypoints in the ego frame `[x, y, z]` (`null` where not lifted), for detections with
    /// keypoints where depth exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keypoints: Option<Vec<Option<[f32; 3]>>>,
}
