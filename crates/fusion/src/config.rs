//! Fusion settings: a TOML document (`replay --fusion FILE`), every part optional.
//!
//! ```toml
//! [lifting]
//! policy = "auto"            # "ground" | "depth" | "auto", for classes that do not say
//! ground_z = 0.0             # the ground plane's height in the ego frame, metres
//!
//! [[classes]]                # replaces the default table when given
//! name = "car"
//! labels = ["car"]           # detection labels of this class, any head
//! size_lwh = [4.5, 1.9, 1.6] # the size reported (and used to find the centre), metres
//!
//! [merge]
//! gate_sigmas = 3.0          # same object in two cameras when this close (in standard
//!                            # deviations of where each camera places it)
//!
//! [tracking]
//! confirm_hits = 3
//!
//! [bev]
//! extent_m = 80.0            # a square this wide around the ego origin
//! cell_m = 0.2
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::FusionError;

/// Most BEV cells along one side (a 4000 × 4000 grid is 16 M cells).
pub const MAX_BEV_CELLS_PER_SIDE: usize = 4000;

/// Every fusion setting.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FusionConfig {
    /// How detections are placed in the ego frame.
    #[serde(default)]
    pub lifting: LiftingConfig,
    /// The object classes placed in the ego frame; detections of other labels stay in image
    /// space only (a traffic light is not on the ground).
    #[serde(default = "default_classes")]
    pub classes: Vec<ObjectClass>,
    /// Cross-camera merge.
    #[serde(default)]
    pub merge: MergeConfig,
    /// Tracking across frame sets.
    #[serde(default)]
    pub tracking: TrackingConfig,
    /// The bird's-eye-view grid.
    #[serde(default)]
    pub bev: BevConfig,
}

impl Default for FusionConfig {
    fn default() -> Self {
        Self {
            lifting: LiftingConfig::default(),
            classes: default_classes(),
            merge: MergeConfig::default(),
            tracking: TrackingConfig::default(),
            bev: BevConfig::default(),
        }
    }
}

/// How an object class is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LiftPolicy {
    /// The foot point's ray meets the ground plane.
    Ground,
    /// The depth head's distance in the box's lower centre, back-projected.
    Depth,
    /// Ground where the foot point is seen (the box's bottom is not cut by the border) and
    /// near enough, else depth (see
    /// [`LiftingConfig::auto_ground_max_m`]); whichever the frame allows when one is missing.
    Auto,
}

/// Lifting settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiftingConfig {
    /// Policy of classes that do not set their own.
    pub policy: LiftPolicy,
    /// Height of the ground plane in the ego frame, metres (0 for nuScenes and our drives,
    /// whose ego origin is on the ground).
    pub ground_z: f64,
    /// `auto` uses the ground plane up to this distance from the ego origin and depth beyond
    /// (and depth for boxes whose bottom the image border cuts). On our simulated drives, whose ground is
    /// flat, the ground plane is the better of the two at every distance up to 50 m; on real
    /// roads with slopes a shorter reach may be better.
    pub auto_ground_max_m: f64,
    /// Height of an ankle keypoint above the ground, metres (people's foot point).
    pub ankle_height_m: f64,
    /// Where the segmentation sees sidewalk just below the foot point, the ground there is
    /// this much higher than the road, metres (kerbs are about 15 cm; a person on the sidewalk
    /// placed on the road plane comes out about 10 % too far). 0 switches it off.
    pub kerb_height_m: f64,
    /// A person's keypoints scored below this are not lifted to 3D.
    pub keypoint_threshold: f32,
    /// Ankles give the foot point only when scored at least this (only confident ankles
    /// beat the box's bottom edge, on validation drives).
    pub ankle_threshold: f32,
    /// The depth head is read in this part of the box: `[left, top, right, bottom]` as
    /// fractions of its width and height (the lower centre, where the object is least likely
    /// to be background).
    pub depth_region: [f64; 4],
    /// The statistic of the depths in that region: 0.5 is the median; a little lower leaves
    /// out background seen past the object's edges.
    pub depth_percentile: f64,
    /// Objects placed farther than this from the ego origin are left out, metres.
    pub max_distance_m: f64,
    /// Boxes whose centre is seen further than this off the optical axis are not placed,
    /// degrees: only a fisheye sees so far aside, at the rim of its image, where objects are
    /// smallest and most distorted and another camera of the rig sees them better.
    pub max_off_axis_degrees: f64,
    /// Noise of a detected box's edges as a fraction of its height; with the camera model it
    /// gives each position's uncertainty, which gates the merge and weighs tracking.
    pub box_noise_fraction: f64,
    /// Relative error of the depth head (its typical AbsRel), for the same purpose.
    pub depth_noise_fraction: f64,
    /// How far the ground may be above or below the plane, per metre of distance (a road's
    /// grade): 0.005 is 0.2 m at 40 m. Far away this makes the ground plane unsure, and the
    /// object's apparent height (see `classes.height_spread`) takes over; 0 trusts the plane.
    pub ground_slope_sigma: f64,
}

impl Default for LiftingConfig {
    fn default() -> Self {
        Self {
            policy: LiftPolicy::Auto,
            ground_z: 0.0,
            auto_ground_max_m: 50.0,
            ankle_height_m: 0.08,
            kerb_height_m: 0.15,
            keypoint_threshold: 0.3,
            ankle_threshold: 0.85,
            depth_region: [0.3, 0.5, 0.7, 0.9],
            depth_percentile: 0.4,
            max_distance_m: 100.0,
            max_off_axis_degrees: 80.0,
            box_noise_fraction: 0.12,
            depth_noise_fraction: 0.1,
            ground_slope_sigma: 0.005,
        }
    }
}

/// One class of objects placed in the ego frame.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectClass {
    /// The class name reported (`class` of each ego object).
    pub name: String,
    /// Detection labels that belong to it (for example `person` and `pedestrian`).
    pub labels: Vec<String>,
    /// Size prior: length (along the heading), width, height, metres.
    pub size_lwh: [f64; 3],
    /// How fast objects of the class move, m/s: the spread of a new track's velocity (a
    /// pedestrian's track reaches 1.5 m/s, a car's 10, before its velocity is known).
    #[serde(default = "default_speed_sigma")]
    pub speed_sigma: f64,
    /// How hard they change speed or direction, m/s²: the Kalman filter's process noise.
    #[serde(default = "default_acceleration_sigma")]
    pub acceleration_sigma: f64,
    /// Relative spread of heights among objects of the class (cars about 0.1, trucks 0.25):
    /// how much the apparent height can say about the distance; 0 ignores it.
    #[serde(default = "default_height_spread")]
    pub height_spread: f64,
    /// Lifting policy; the `[lifting]` policy when absent.
    #[serde(default)]
    pub policy: Option<LiftPolicy>,
    /// People: their keypoints are COCO body joints; visible ankles (15 and 16) give the foot
    /// point, and the joints are lifted to 3D where depth exists.
    #[serde(default)]
    pub person: bool,
}

fn default_height_spread() -> f64 {
    0.15
}

fn default_speed_sigma() -> f64 {
    10.0
}

fn default_acceleration_sigma() -> f64 {
    3.0
}

/// Cross-camera merge settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MergeConfig {
    /// Two observations of one class from different cameras are one object when their
    /// centres differ by less than this many standard deviations of their difference (each
    /// observation's uncertainty, see `lifting.box_noise_fraction`): far away and at a
    /// fisheye's rim, where one pixel is metres on the ground, two views of one car disagree
    /// more than two cars parked side by side near the ego.
    pub gate_sigmas: f64,
}

impl Default for MergeConfig {
    fn default() -> Self {
        Self { gate_sigmas: 3.0 }
    }
}

/// Tracking settings (a constant-velocity Kalman filter per track).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackingConfig {
    /// Whether to track at all (ids, velocities).
    pub enabled: bool,
    /// An object continues a track of its class when its Mahalanobis distance from the track's
    /// prediction (position uncertainty of the track plus that of the measurement) is below
    /// this many standard deviations: a new track, whose speed is unknown, reaches far; a
    /// steady one little beyond its measurement noise.
    pub gate_sigmas: f64,
    /// Objects scored below this never start a track, they only continue one (as ByteTrack
    /// does): the detector's doubtful boxes keep tracks alive without spawning false ones.
    pub birth_score: f32,
    /// A track is confirmed after this many frame sets with an object.
    pub confirm_hits: u32,
    /// A confirmed track ends after this many frame sets in a row without one (an unconfirmed
    /// track after the first).
    pub max_misses: u32,
    /// Frame sets further apart than this (seconds), or going back in time, end every track.
    pub max_gap_s: f64,
}

impl Default for TrackingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            gate_sigmas: 3.0,
            birth_score: 0.5,
            confirm_hits: 3,
            max_misses: 2,
            max_gap_s: 1.0,
        }
    }
}

/// Bird's-eye-view settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BevConfig {
    /// Whether to build the grid at all.
    pub enabled: bool,
    /// Side of the square grid centred on the ego origin, metres.
    pub extent_m: f64,
    /// Side of one cell, metres.
    pub cell_m: f64,
    /// Segmentation classes (by name, any head) that mark drivable ground.
    pub drivable: Vec<String>,
    /// Segmentation classes of lane markings.
    pub lane: Vec<String>,
    /// Segmentation classes of sidewalks.
    pub sidewalk: Vec<String>,
    /// Segmentation classes that mark a cell as an object. None by default: a pixel of a car
    /// lifted by the ground plane lands behind the car, smeared away from the camera, so cells
    /// seen as objects are left unknown (hidden) and objects come from the fused objects'
    /// footprints instead.
    pub object: Vec<String>,
}

impl Default for BevConfig {
    fn default() -> Self {
        let names = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
        Self {
            enabled: true,
            extent_m: 80.0,
            cell_m: 0.2,
            drivable: names(&["road", "drivable", "drivable_area", "parking"]),
            lane: names(&["lane_marking", "lane", "lane_line"]),
            sidewalk: names(&["sidewalk", "walkway"]),
            object: Vec::new(),
        }
    }
}

/// Road users and obstacles of our drives, nuScenes and COCO. Sizes are the mean box sizes
/// of nuScenes' training annotations per class (length, width, height, as the anchor sizes
/// of common nuScenes detectors), except the cyclist's height, which counts its rider.
pub fn default_classes() -> Vec<ObjectClass> {
    // Motion priors (speed, acceleration): vehicles, people and bicycles, things that stand.
    let motion = |name: &str| match name {
        "pedestrian" => (1.5, 1.0),
        "cyclist" => (5.0, 2.0),
        "traffic_cone" | "barrier" => (0.3, 0.3),
        "construction_vehicle" => (5.0, 2.0),
        _ => (10.0, 3.0),
    };
    let class = |name: &str, labels: &[&str], size_lwh: [f64; 3], height_spread: f64| {
        let (speed_sigma, acceleration_sigma) = motion(name);
        ObjectClass {
            name: name.to_owned(),
            labels: labels.iter().map(|label| (*label).to_owned()).collect(),
            size_lwh,
            speed_sigma,
            acceleration_sigma,
            height_spread,
            policy: None,
            person: name == "pedestrian",
        }
    };
    vec![
        class("car", &["car"], [4.61, 1.95, 1.72], 0.1),
        class("truck", &["truck"], [6.74, 2.46, 2.73], 0.25),
        class(
            "construction_vehicle",
            &["construction_vehicle"],
            [6.38, 2.73, 3.13],
            0.25,
        ),
        class("trailer", &["trailer"], [12.01, 2.87, 3.82], 0.25),
        class("bus", &["bus"], [11.19, 2.94, 3.47], 0.1),
        class(
            "pedestrian",
            &["pedestrian", "person"],
            [0.73, 0.66, 1.76],
            0.12,
        ),
        class("cyclist", &["cyclist", "bicycle"], [1.68, 0.60, 1.70], 0.15),
        class("motorcycle", &["motorcycle"], [2.10, 0.76, 1.44], 0.15),
        class("traffic_cone", &["traffic_cone"], [0.40, 0.40, 1.06], 0.2),
        class("barrier", &["barrier"], [0.49, 2.49, 0.98], 0.15),
    ]
}

impl FusionConfig {
    /// Parses and validates a fusion TOML document.
    pub fn from_toml_str(text: &str) -> Result<Self, FusionError> {
        let deserializer = toml::Deserializer::parse(text).map_err(|error| FusionError::Toml {
            field: ".".to_owned(),
            message: error.to_string(),
        })?;
        let config: Self =
            serde_path_to_error::deserialize(deserializer).map_err(|error| FusionError::Toml {
                field: error.path().to_string(),
                message: error.into_inner().to_string(),
            })?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and validates a fusion TOML file; errors name the file and the field.
    pub fn load(path: &Path) -> Result<Self, FusionError> {
        let text = std::fs::read_to_string(path).map_err(|source| FusionError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text).map_err(|error| FusionError::InFile {
            path: path.to_owned(),
            source: Box::new(error),
        })
    }

    /// The class a detection label belongs to, by position in [`Self::classes`].
    pub fn class_of(&self, label: &str) -> Option<usize> {
        self.classes
            .iter()
            .position(|class| class.labels.iter().any(|known| known == label))
    }

    /// Checks every setting; the error names the first one at fault.
    pub fn validate(&self) -> Result<(), FusionError> {
        self.lifting.validate()?;
        validate_classes(&self.classes)?;
        positive(
            "merge.gate_sigmas",
            self.merge.gate_sigmas,
            "a number of standard deviations such as 3",
        )?;
        self.tracking.validate()?;
        self.bev.validate()
    }
}

fn positive(field: &str, value: f64, what: &str) -> Result<(), FusionError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(FusionError::setting(
            field,
            format!("{value} is not a positive number"),
            format!("give {what}"),
        ))
    }
}

fn non_negative(field: &str, value: f64, what: &str) -> Result<(), FusionError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(FusionError::setting(
            field,
            format!("{value} is negative or not a number"),
            format!("give {what}"),
        ))
    }
}

impl LiftingConfig {
    fn validate(&self) -> Result<(), FusionError> {
        if !self.ground_z.is_finite() {
            return Err(FusionError::setting(
                "lifting.ground_z",
                format!("{} is not a number", self.ground_z),
                "give the ground height in the ego frame, metres (0 when the origin is on it)",
            ));
        }
        non_negative(
            "lifting.auto_ground_max_m",
            self.auto_ground_max_m,
            "a distance in metres",
        )?;
        non_negative(
            "lifting.kerb_height_m",
            self.kerb_height_m,
            "a height in metres such as 0.15",
        )?;
        non_negative(
            "lifting.ankle_height_m",
            self.ankle_height_m,
            "a height in metres such as 0.1",
        )?;
        positive(
            "lifting.box_noise_fraction",
            self.box_noise_fraction,
            "a fraction of the box height such as 0.03",
        )?;
        positive(
            "lifting.depth_noise_fraction",
            self.depth_noise_fraction,
            "a relative depth error such as 0.1",
        )?;
        non_negative(
            "lifting.ground_slope_sigma",
            self.ground_slope_sigma,
            "a height per metre of distance such as 0.005",
        )?;
        positive(
            "lifting.max_off_axis_degrees",
            self.max_off_axis_degrees,
            "an angle in degrees such as 80 (above 180 keeps everything)",
        )?;
        positive(
            "lifting.max_distance_m",
            self.max_distance_m,
            "a distance in metres",
        )?;
        let [left, top, right, bottom] = self.depth_region;
        let inside = |value: f64| (0.0..=1.0).contains(&value);
        if !(inside(left) && inside(top) && inside(right) && inside(bottom))
            || left >= right
            || top >= bottom
        {
            return Err(FusionError::setting(
                "lifting.depth_region",
                format!("{:?} is not a part of the box", self.depth_region),
                "give [left, top, right, bottom] as fractions of the box, left < right, top < bottom",
            ));
        }
        if !(self.depth_percentile > 0.0 && self.depth_percentile < 1.0) {
            return Err(FusionError::setting(
                "lifting.depth_percentile",
                format!("{} is not between 0 and 1", self.depth_percentile),
                "give a fraction such as 0.5 (the median)",
            ));
        }
        for (field, value) in [
            ("lifting.keypoint_threshold", self.keypoint_threshold),
            ("lifting.ankle_threshold", self.ankle_threshold),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(FusionError::setting(
                    field,
                    format!("{value} is not between 0 and 1"),
                    "give a keypoint score such as 0.3",
                ));
            }
        }
        Ok(())
    }
}

fn validate_classes(classes: &[ObjectClass]) -> Result<(), FusionError> {
    for (index, class) in classes.iter().enumerate() {
        let field = |name: &str| format!("classes[{index}].{name}");
        if class.name.trim().is_empty() {
            return Err(FusionError::setting(
                field("name"),
                "the name is empty",
                "name the class, for example car",
            ));
        }
        if class.labels.is_empty() {
            return Err(FusionError::setting(
                field("labels"),
                format!("class `{}` has no labels", class.name),
                "list the detection labels of this class, for example [\"car\"]",
            ));
        }
        positive(&field("speed_sigma"), class.speed_sigma, "a speed in m/s")?;
        positive(
            &field("acceleration_sigma"),
            class.acceleration_sigma,
            "an acceleration in m/s²",
        )?;
        non_negative(
            &field("height_spread"),
            class.height_spread,
            "a fraction such as 0.1 (0 ignores the apparent height)",
        )?;
        for (axis, value) in ["length", "width", "height"].iter().zip(class.size_lwh) {
            positive(&field("size_lwh"), value, &format!("the {axis} in metres"))?;
        }
        for label in &class.labels {
            if let Some(other) = classes[..index]
                .iter()
                .find(|other| other.labels.contains(label))
            {
                return Err(FusionError::setting(
                    field("labels"),
                    format!(
                        "label `{label}` is already a label of class `{}`",
                        other.name
                    ),
                    "give each label to one class",
                ));
            }
        }
    }
    Ok(())
}

impl TrackingConfig {
    fn validate(&self) -> Result<(), FusionError> {
        positive(
            "tracking.gate_sigmas",
            self.gate_sigmas,
            "a number of standard deviations such as 3",
        )?;
        if !(0.0..=1.0).contains(&self.birth_score) {
            return Err(FusionError::setting(
                "tracking.birth_score",
                format!("{} is not between 0 and 1", self.birth_score),
                "give a detection score such as 0.5",
            ));
        }
        if self.confirm_hits == 0 {
            return Err(FusionError::setting(
                "tracking.confirm_hits",
                "0 frame sets",
                "give at least 1",
            ));
        }
        positive(
            "tracking.max_gap_s",
            self.max_gap_s,
            "a time in seconds such as 1.0",
        )?;
        Ok(())
    }
}

impl BevConfig {
    /// Cells along each side of the grid.
    pub fn cells_per_side(&self) -> usize {
        (self.extent_m / self.cell_m).round() as usize
    }

    fn validate(&self) -> Result<(), FusionError> {
        positive("bev.extent_m", self.extent_m, "the grid's side in metres")?;
        positive("bev.cell_m", self.cell_m, "a cell's side in metres")?;
        let cells = self.extent_m / self.cell_m;
        if !(1.0..=MAX_BEV_CELLS_PER_SIDE as f64).contains(&cells.round()) {
            return Err(FusionError::setting(
                "bev.cell_m",
                format!(
                    "{} m cells over {} m make {cells:.0} cells a side",
                    self.cell_m, self.extent_m
                ),
                format!("give between 1 and {MAX_BEV_CELLS_PER_SIDE} cells a side"),
            ));
        }
        Ok(())
    }
}
