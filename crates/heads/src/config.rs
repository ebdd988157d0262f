//! `[[heads]]` manifest tables (see `models/MANIFEST.md`), deserialized with serde and then
//! checked by [`HeadConfig::validate`].

use serde::Deserialize;

use crate::error::{HeadsError, Result};

/// One `[[heads]]` table of a model manifest, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum HeadConfig {
    /// Object boxes (optionally with per-detection keypoints).
    Detection(DetectionConfig),
    /// Per-pixel classes.
    Segmentation(SegmentationConfig),
    /// Per-pixel depth.
    Depth(DepthConfig),
    /// Heatmap keypoints `[N, K, H, W]`.
    Keypoints(KeypointsConfig),
    /// Boxes with a mask each: prototype masks × per-detection coefficients, cropped to the
    /// box (Ultralytics YOLOv8 / YOLO11-seg). Outputs: the detection rows, then the prototypes.
    InstanceSegmentation(DetectionConfig),
}

/// Published detection output layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectionFormat {
    /// `[N, rows, 5 + C]` over grid cells of every stride: x, y, log-w, log-h, objectness, C
    /// class scores (both already sigmoid).
    Yolox,
    /// What YOLOv5's `export.py` (and YOLOP's export) writes: `[N, rows, 5 + C]`, boxes decoded
    /// inside the graph: cx, cy, w, h in model pixels, objectness and class probabilities.
    Yolov5,
    /// YOLOv5 / YOLOP raw logits with anchors, from a graph cut before its Detect decoding: one
    /// flattened `[N, rows, 5 + C]` output, or one `[N, A, H, W, 5 + C]` output per stride.
    #[serde(rename = "yolov5-raw")]
    Yolov5Raw,
    /// Anchor-free `[N, 4 + C (+ 3K), rows]`: cx, cy, w, h in pixels, class probabilities.
    Yolov8,
    /// Our own `[N, rows, 5 + C + 3K]`: cx, cy, w, h in pixels, objectness and class
    /// probabilities, then K × (x, y, visibility probability).
    Panoptes,
}

/// A detection head.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectionConfig {
    /// Unique head name, used as the `head` field of detections.
    pub name: String,
    /// Graph outputs read by this head.
    pub outputs: Vec<String>,
    /// Output layout.
    pub format: DetectionFormat,
    /// One label per class channel.
    pub classes: Vec<String>,
    /// Minimum score (objectness × class score where there is an objectness).
    #[serde(default = "default_detection_threshold")]
    pub score_threshold: f32,
    /// IoU above which a lower-scored box is suppressed.
    #[serde(default = "default_nms_iou")]
    pub nms_iou: f32,
    /// Suppress across classes instead of within each class.
    #[serde(default)]
    pub class_agnostic_nms: bool,
    /// Most detections kept per camera.
    #[serde(default = "default_max_detections")]
    pub max_detections: usize,
    /// Grid strides (yolox / yolov5 / yolov5-raw / yolov8), in output row order.
    #[serde(default = "default_strides")]
    pub strides: Vec<usize>,
    /// yolov5-raw: per stride, the anchors' (w, h) in model pixels.
    #[serde(default)]
    pub anchors: Option<Vec<Vec<[f32; 2]>>>,
    /// Keypoints per detection (panoptes / yolov8 pose), 0 for none.
    #[serde(default)]
    pub keypoints: usize,
    /// Instance segmentation: mask coefficients per row, which is the prototype output's
    /// channel count (32 for Ultralytics); 0 for plain detection.
    #[serde(default)]
    pub mask_coefficients: usize,
}

/// How a segmentation head returns to the original resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Upsample {
    /// Argmax at model resolution, then nearest neighbour on the class map (fast).
    #[default]
    Nearest,
    /// Bilinear interpolation of the logits, then argmax per original pixel (smoother, slower).
    Bilinear,
}

/// A segmentation head: `[N, C, H, W]` logits or probabilities.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentationConfig {
    /// Unique head name, used for mask names.
    pub name: String,
    /// Graph outputs read by this head (exactly one).
    pub outputs: Vec<String>,
    /// One label per channel; the class id of a pixel is its channel index.
    pub classes: Vec<String>,
    /// Upsampling method.
    #[serde(default)]
    pub upsample: Upsample,
}

/// What the values of a depth output mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepthEncoding {
    /// Metres.
    #[default]
    Metric,
    /// Inverse depth / disparity in 1/m: depth = 1 / value.
    Inverse,
    /// Monodepth-style sigmoid output σ in [0, 1]:
    /// depth = 1 / (1/max + (1/min − 1/max) · σ).
    Sigmoid,
}

/// What distance a depth value measures. Ego-frame lifting and evaluation read the manifest's
/// word for it instead of assuming one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DepthAlong {
    /// Along the optical axis: the sensor-frame z of the surface (what a pinhole depth map,
    /// and our drives' ground truth, hold). Undefined 90° or more off the axis.
    OpticalAxis,
    /// Along the pixel's ray: the distance from the camera centre (what suits a fisheye).
    Ray,
}

/// A depth head: `[N, 1, H, W]` or `[N, H, W]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepthConfig {
    /// Unique head name.
    pub name: String,
    /// Graph outputs read by this head (exactly one).
    pub outputs: Vec<String>,
    /// Unused by depth; accepted for symmetry with other heads.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Value encoding.
    #[serde(default)]
    pub encoding: DepthEncoding,
    /// What the distance is measured along; `None` when the manifest does not say, and then
    /// the depth is not used to place objects in the ego frame.
    #[serde(default)]
    pub measured_along: Option<DepthAlong>,
    /// Nearest valid depth in metres; decoded depths are clamped to it.
    #[serde(default = "default_min_depth")]
    pub min_depth: f32,
    /// Farthest valid depth in metres; decoded depths are clamped to it.
    #[serde(default = "default_max_depth")]
    pub max_depth: f32,
}

/// A heatmap keypoint head: `[N, K, H, W]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeypointsConfig {
    /// Unique head name.
    pub name: String,
    /// Graph outputs read by this head (exactly one).
    pub outputs: Vec<String>,
    /// Keypoint names (optional; COCO-17 names are used for 17 keypoints when empty).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Number of keypoints K (heatmap channels).
    pub keypoints: usize,
    /// Peaks below this heatmap value are reported as absent.
    #[serde(default = "default_keypoint_threshold")]
    pub score_threshold: f32,
}

fn default_detection_threshold() -> f32 {
    0.25
}
fn default_nms_iou() -> f32 {
    0.45
}
fn default_max_detections() -> usize {
    100
}
fn default_strides() -> Vec<usize> {
    vec![8, 16, 32]
}
fn default_min_depth() -> f32 {
    0.1
}
fn default_max_depth() -> f32 {
    100.0
}
fn default_keypoint_threshold() -> f32 {
    0.2
}

impl HeadConfig {
    /// The head's unique name.
    pub fn name(&self) -> &str {
        match self {
            Self::Detection(config) | Self::InstanceSegmentation(config) => &config.name,
            Self::Segmentation(config) => &config.name,
            Self::Depth(config) => &config.name,
            Self::Keypoints(config) => &config.name,
        }
    }

    /// The graph outputs this head reads.
    pub fn outputs(&self) -> &[String] {
        match self {
            Self::Detection(config) | Self::InstanceSegmentation(config) => &config.outputs,
            Self::Segmentation(config) => &config.outputs,
            Self::Depth(config) => &config.outputs,
            Self::Keypoints(config) => &config.outputs,
        }
    }

    /// The class (or keypoint) labels.
    pub fn classes(&self) -> &[String] {
        match self {
            Self::Detection(config) | Self::InstanceSegmentation(config) => &config.classes,
            Self::Segmentation(config) => &config.classes,
            Self::Depth(config) => &config.classes,
            Self::Keypoints(config) => &config.classes,
        }
    }

    /// The manifest's `kind` string.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Detection(_) => "detection",
            Self::Segmentation(_) => "segmentation",
            Self::Depth(_) => "depth",
            Self::Keypoints(_) => "keypoints",
            Self::InstanceSegmentation(_) => "instance-segmentation",
        }
    }

    /// Semantic checks the TOML parser cannot do; the error names the field and the fix.
    pub fn validate(&self) -> Result<()> {
        let fail = |field, problem: String, fix: &str| HeadsError::Config {
            head: self.name().to_owned(),
            field,
            problem,
            fix: fix.to_owned(),
        };
        if self.name().trim().is_empty() {
            return Err(fail(
                "name",
                "is empty".into(),
                "give the head a unique name",
            ));
        }
        let expected_outputs = match self {
            Self::Detection(config)
                if config.format == DetectionFormat::Yolov5Raw && config.outputs.len() > 1 =>
            {
                config.strides.len()
            }
            Self::InstanceSegmentation(_) => 2,
            _ => 1,
        };
        if self.outputs().len() != expected_outputs {
            return Err(fail(
                "outputs",
                format!(
                    "lists {} outputs, expected {expected_outputs}",
                    self.outputs().len()
                ),
                "list one output (yolov5-raw may list one per stride instead; instance-segmentation lists the rows, then the prototypes)",
            ));
        }
        match self {
            Self::Detection(config) => {
                if config.mask_coefficients > 0 {
                    return Err(fail(
                        "mask_coefficients",
                        "is only read by instance-segmentation heads".into(),
                        "remove it, or set `kind = \"instance-segmentation\"` with the prototype output",
                    ));
                }
                validate_detection(config, fail)
            }
            Self::InstanceSegmentation(config) => {
                validate_detection(config, fail)?;
                if config.format != DetectionFormat::Yolov8 {
                    return Err(fail(
                        "format",
                        "instance segmentation reads the yolov8 layout only".into(),
                        "set `format = \"yolov8\"` (Ultralytics YOLOv8 / YOLO11-seg exports)",
                    ));
                }
                if config.mask_coefficients == 0 || config.keypoints > 0 {
                    return Err(fail(
                        "mask_coefficients",
                        format!(
                            "is {} with {} keypoints; masks need coefficients and no keypoints",
                            config.mask_coefficients, config.keypoints
                        ),
                        "set `mask_coefficients` to the prototype output's channels (32 for Ultralytics)",
                    ));
                }
                Ok(())
            }
            Self::Segmentation(config) => {
                if !(2..=256).contains(&config.classes.len()) {
                    return Err(fail(
                        "classes",
                        format!("has {} labels, expected 2 to 256", config.classes.len()),
                        "list one label per output channel (class ids are stored as 8 bits)",
                    ));
                }
                Ok(())
            }
            Self::Depth(config) => {
                let valid = config.min_depth.is_finite()
                    && config.max_depth.is_finite()
                    && config.min_depth > 0.0
                    && config.min_depth < config.max_depth;
                if !valid {
                    return Err(fail(
                        "min_depth",
                        format!(
                            "range {}..{} m is not 0 < min_depth < max_depth",
                            config.min_depth, config.max_depth
                        ),
                        "set 0 < min_depth < max_depth, in metres",
                    ));
                }
                Ok(())
            }
            Self::Keypoints(config) => {
                if config.keypoints == 0 {
                    return Err(fail(
                        "keypoints",
                        "is 0".into(),
                        "set the number of heatmap channels",
                    ));
                }
                if !config.classes.is_empty() && config.classes.len() != config.keypoints {
                    return Err(fail(
                        "classes",
                        format!(
                            "has {} names for {} keypoints",
                            config.classes.len(),
                            config.keypoints
                        ),
                        "list one name per keypoint, or none",
                    ));
                }
                check_unit("score_threshold", config.score_threshold, fail)
            }
        }
    }
}

fn check_unit(
    field: &'static str,
    value: f32,
    fail: impl Fn(&'static str, String, &str) -> HeadsError,
) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(fail(
            field,
            format!("is {value}, outside 0..=1"),
            "use a value between 0 and 1",
        ))
    }
}

fn validate_detection(
    config: &DetectionConfig,
    fail: impl Fn(&'static str, String, &str) -> HeadsError + Copy,
) -> Result<()> {
    if config.classes.is_empty() {
        return Err(fail(
            "classes",
            "is empty".into(),
            "list one label per class channel",
        ));
    }
    check_unit("score_threshold", config.score_threshold, fail)?;
    if !(config.nms_iou > 0.0 && config.nms_iou <= 1.0) {
        return Err(fail(
            "nms_iou",
            format!("is {}, outside (0, 1]", config.nms_iou),
            "use an IoU such as 0.45 (1 disables suppression)",
        ));
    }
    if config.max_detections == 0 {
        return Err(fail(
            "max_detections",
            "is 0".into(),
            "keep at least one detection",
        ));
    }
    if config.strides.is_empty() || config.strides.contains(&0) {
        return Err(fail(
            "strides",
            format!("is {:?}", config.strides),
            "list the positive grid strides in output order, e.g. [8, 16, 32]",
        ));
    }
    match (config.format, &config.anchors) {
        (DetectionFormat::Yolov5Raw, None) => {
            return Err(fail(
                "anchors",
                "is missing".into(),
                "yolov5-raw needs anchors per stride",
            ))
        }
        (DetectionFormat::Yolov5Raw, Some(anchors)) => {
            if anchors.len() != config.strides.len() {
                return Err(fail(
                    "anchors",
                    format!(
                        "has {} groups for {} strides",
                        anchors.len(),
                        config.strides.len()
                    ),
                    "give one group of (w, h) anchors per stride",
                ));
            }
            let count = anchors[0].len();
            let well_formed = anchors.iter().all(|group| {
                group.len() == count && group.iter().flatten().all(|v| v.is_finite() && *v > 0.0)
            });
            if count == 0 || !well_formed {
                return Err(fail(
                    "anchors",
                    "groups must be non-empty, of equal length, with positive sizes".into(),
                    "give every stride the same number of positive (w, h) pairs",
                ));
            }
        }
        (_, Some(_)) => {
            return Err(fail(
                "anchors",
                "is only read by yolov5-raw".into(),
                "remove `anchors`",
            ))
        }
        (_, None) => {}
    }
    let keypoint_format = matches!(
        config.format,
        DetectionFormat::Panoptes | DetectionFormat::Yolov8
    );
    if config.keypoints > 0 && !keypoint_format {
        return Err(fail(
            "keypoints",
            "per-detection keypoints need format panoptes or yolov8".into(),
            "remove `keypoints` or change `format`",
        ));
    }
    Ok(())
}
