//! Ground truth of one camera frame: 2D boxes, keypoints, 3D boxes, segmentation and depth.

use std::path::PathBuf;

use panoptes_rig::{Isometry3, Quaternion, Translation3, UnitQuaternion};
use serde::{Deserialize, Serialize};

/// The 17 COCO keypoints, in COCO order.
pub const COCO_KEYPOINTS: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

/// An object's 2D box in one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundingBox {
    /// Class name (for example `car`, `pedestrian`).
    pub class: String,
    /// Identity of the object, the same in every camera and frame.
    pub instance_id: u32,
    /// Fraction of the object hidden by others, 0 (fully visible) to 1.
    pub occlusion: f64,
    /// `[x, y, width, height]`, pixels of the original image, top-left origin.
    pub box_xywh: [f64; 4],
}

/// COCO visibility flag of one keypoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    /// Not labelled (outside the image or unknown); COCO 0.
    Unlabelled,
    /// Labelled but hidden; COCO 1.
    Occluded,
    /// Labelled and visible; COCO 2.
    Visible,
}

/// One keypoint in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keypoint {
    /// Pixel x.
    pub x: f64,
    /// Pixel y.
    pub y: f64,
    /// Whether it is seen.
    pub visibility: Visibility,
}

/// A person's 17 COCO keypoints (order of [`COCO_KEYPOINTS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonKeypoints {
    /// Identity of the person (matches its [`BoundingBox::instance_id`]).
    pub instance_id: u32,
    /// The keypoints.
    pub keypoints: [Keypoint; 17],
}

/// An object's 3D box in the ego frame (x forward, y left, z up, metres).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cuboid {
    /// Class name.
    pub class: String,
    /// Identity of the object.
    pub instance_id: u32,
    /// Box centre, ego frame, metres.
    pub center: [f64; 3],
    /// Length (along its heading), width, height, metres.
    pub size_lwh: [f64; 3],
    /// Heading about ego z, radians, 0 along ego x.
    pub yaw: f64,
}

/// The structured part of a frame's ground truth (written to and read from `index.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotations {
    /// 2D boxes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<BoundingBox>,
    /// People's keypoints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keypoints: Vec<PersonKeypoints>,
    /// 3D boxes in the ego frame.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cuboids: Vec<Cuboid>,
}

/// A frame's ground truth as read from a drive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroundTruth {
    /// Boxes, keypoints and 3D boxes.
    pub annotations: Annotations,
    /// Absolute path of the segmentation PNG (8-bit class ids, image resolution).
    pub segmentation: Option<PathBuf>,
    /// Absolute path of the depth PNG (16-bit, millimetres along the optical axis, 0 = none).
    pub depth: Option<PathBuf>,
}

/// Ego pose at one instant: ego → world.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgoPose {
    /// Time, µs.
    pub timestamp_us: u64,
    /// Ego position in the world, metres.
    pub translation: [f64; 3],
    /// Ego orientation in the world, unit quaternion `[w, x, y, z]`.
    pub rotation_wxyz: [f64; 4],
}

impl EgoPose {
    /// The pose as an isometry mapping ego coordinates to world coordinates (the quaternion is
    /// normalized; readers have checked it is of unit length).
    pub fn ego_to_world(&self) -> Isometry3<f64> {
        let [w, i, j, k] = self.rotation_wxyz;
        let [x, y, z] = self.translation;
        Isometry3::from_parts(
            Translation3::new(x, y, z),
            UnitQuaternion::from_quaternion(Quaternion::new(w, i, j, k)),
        )
    }
}
