//! The JSON shape of `index.json` (see FORMAT.md).

use serde::{Deserialize, Serialize};

use crate::ground_truth::{Annotations, EgoPose};

/// Value of the `format` field.
pub const FORMAT_NAME: &str = "panoptes-drive";
/// Version written by this crate; readers accept it and older.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndexRecord {
    pub format: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_window_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segmentation_classes: Vec<String>,
    pub frames: Vec<FrameRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ego_poses: Vec<EgoPose>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrameRecord {
    pub camera: String,
    pub timestamp_us: u64,
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground_truth: Option<GroundTruthRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroundTruthRecord {
    #[serde(default)]
    pub annotations: Annotations,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segmentation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<String>,
}
