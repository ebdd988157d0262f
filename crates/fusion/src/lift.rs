//! Placing one detection in the ego frame: the foot point on the ground plane, or the depth
//! head's distance back-projected, then from the seen surface to the object's centre.

use nalgebra::{Matrix2, Point2, Point3, Vector2, Vector3};
use panoptes_heads::{DepthAlong, DepthMap, Detection};
use panoptes_rig::Camera;
use serde::Serialize;

use crate::bev::{category_at, BevCategory, BevLayer};
use crate::config::{LiftPolicy, LiftingConfig, ObjectClass};
use crate::fit::fit_on_ground;
use crate::height::blend_with_height;

/// COCO indices of the left and right ankle.
const ANKLES: [usize; 2] = [15, 16];
/// Pixels from the image border within which a box counts as cut by it.
const CLIP_MARGIN: f32 = 1.0;
/// Rays closer than this to perpendicular with the optical axis have no axial depth.
const MIN_AXIAL_COSINE: f64 = 0.02;
/// Half the side of the window read around a keypoint, pixels.
const KEYPOINT_WINDOW: i64 = 2;
/// Fewest valid depth pixels for a depth estimate.
const MIN_DEPTH_PIXELS: usize = 3;
/// Variance added for the size prior (its centre may be off by this much), m².
const PRIOR_VARIANCE: f64 = 0.04;
/// The box edges' noise is never taken below this, pixels.
const MIN_EDGE_NOISE_PIXELS: f64 = 1.0;
/// Rows below the box's bottom edge where the ground under an object is read.
const KERB_PROBE_PIXELS: f64 = 2.0;

/// How an object was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LiftMethod {
    /// Foot point on the ground plane.
    Ground,
    /// Depth head.
    Depth,
}

/// A depth map with what its values measure.
#[derive(Debug, Clone, Copy)]
pub struct DepthView<'a> {
    /// Metres per original pixel, NaN where invalid.
    pub map: &'a DepthMap,
    /// Along the optical axis or along the ray.
    pub along: DepthAlong,
}

/// One detection placed in the ego frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The camera's position in the rig.
    pub camera: usize,
    /// The detection's position among the camera's detections.
    pub detection: usize,
    /// The class's position in [`crate::FusionConfig::classes`].
    pub class: usize,
    /// The detection's score.
    pub score: f32,
    /// The object's centre, ego frame, metres.
    pub centre: Point3<f64>,
    /// Covariance of the centre on the ground (x, y), m²: the box edges' noise carried
    /// through the camera model (long along the ray far away and at a fisheye's rim), plus
    /// the size prior's.
    pub covariance: Matrix2<f64>,
    /// The method that placed it.
    pub method: LiftMethod,
    /// Whether the box touches the image border (the object may be cut).
    pub clipped: bool,
    /// Distance of the box centre from the image centre, 0 there to 1 in a corner.
    pub off_centre: f64,
    /// People: each keypoint in the ego frame (where depth exists and its score passes).
    pub keypoints: Option<Vec<Option<Point3<f64>>>>,
}

impl Observation {
    /// Distance from the ego origin on the ground, metres.
    pub fn distance(&self) -> f64 {
        self.centre.coords.xy().norm()
    }
}

/// Why a detection could not be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unplaced {
    /// The foot point's ray does not meet the ground (above the horizon).
    NoGround,
    /// No valid depth in the box's region, or the policy wants depth and there is none.
    NoDepth,
    /// Placed farther than [`LiftingConfig::max_distance_m`].
    TooFar,
    /// Seen further off the optical axis than [`LiftingConfig::max_off_axis_degrees`].
    OffAxis,
}

/// What a camera saw besides its boxes, for lifting: its depth map and segmentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Surroundings<'a> {
    /// The depth head's map, when there is one that says what it measures.
    pub depth: Option<DepthView<'a>>,
    /// The segmentation heads' maps with their categories (kerbs: sidewalk under the feet).
    pub segmentation: &'a [BevLayer<'a>],
}

/// Places `detection`, seen by `camera` (rig index `camera_index`), of class `class`.
pub fn lift(
    camera: &Camera,
    camera_index: usize,
    detection_index: usize,
    detection: &Detection,
    (class_index, class): (usize, &ObjectClass),
    surroundings: Surroundings<'_>,
    config: &LiftingConfig,
) -> Result<Observation, Unplaced> {
    let depth = surroundings.depth;
    let [x, y, width, height] = detection.box_xywh.map(f64::from);
    let axis = camera.unproject(&Point2::new(x + width / 2.0, y + height / 2.0));
    if axis.z.clamp(-1.0, 1.0).acos().to_degrees() > config.max_off_axis_degrees {
        return Err(Unplaced::OffAxis);
    }
    let policy = class.policy.unwrap_or(config.policy);
    let clipped = is_clipped(camera, &detection.box_xywh);
    // The bottom border hides the foot point; a side border only moves it along the row.
    let foot_cut = y + height >= f64::from(camera.height) - f64::from(CLIP_MARGIN);
    let ground = || ground_centre(camera, detection, class, surroundings.segmentation, config);
    let from_depth = || {
        depth
            .ok_or(Unplaced::NoDepth)
            .and_then(|depth| depth_centre(camera, detection, class, depth, config))
    };
    let (placed, method) = match policy {
        LiftPolicy::Ground => (ground()?, LiftMethod::Ground),
        LiftPolicy::Depth => (from_depth()?, LiftMethod::Depth),
        LiftPolicy::Auto => {
            let on_ground = ground();
            let near = on_ground.is_ok_and(|(centre, _)| {
                centre.coords.xy().norm() <= config.auto_ground_max_m && !foot_cut
            });
            match (on_ground, near) {
                (Ok(placed), true) => (placed, LiftMethod::Ground),
                (on_ground, _) => match from_depth() {
                    Ok(placed) => (placed, LiftMethod::Depth),
                    Err(_) => (on_ground?, LiftMethod::Ground),
                },
            }
        }
    };
    let (centre, mut covariance) = placed;
    if clipped {
        // A box cut by the border may hide most of the object: its centre is anywhere
        // within the object's own size.
        let reach = class.size_lwh[0].max(class.size_lwh[1]) / 2.0;
        covariance += Matrix2::from_diagonal_element(reach * reach);
    }
    if centre.coords.xy().norm() > config.max_distance_m {
        return Err(Unplaced::TooFar);
    }
    let keypoints = match (&detection.keypoints, depth) {
        (Some(keypoints), Some(depth)) if class.person => {
            Some(lift_keypoints(camera, keypoints, depth, config))
        }
        _ => None,
    };
    Ok(Observation {
        camera: camera_index,
        detection: detection_index,
        class: class_index,
        score: detection.score,
        centre,
        covariance,
        method,
        clipped,
        off_centre: off_centre(camera, &detection.box_xywh),
        keypoints,
    })
}

/// The foot point: the bottom centre of the box, or for people the visible ankles (raised by
/// the ankle height). Returns the pixel and its height above the ground.
pub fn foot_pixel(
    detection: &Detection,
    class: &ObjectClass,
    config: &LiftingConfig,
) -> (Point2<f64>, f64) {
    let [x, y, width, height] = detection.box_xywh.map(f64::from);
    let bottom_centre = (Point2::new(x + width / 2.0, y + height), 0.0);
    if !class.person {
        return bottom_centre;
    }
    let Some(keypoints) = &detection.keypoints else {
        return bottom_centre;
    };
    let visible: Vec<&[f32; 3]> = ANKLES
        .iter()
        .filter_map(|&index| keypoints.get(index))
        .filter(|point| point[2] >= config.ankle_threshold)
        .collect();
    if visible.is_empty() {
        return bottom_centre;
    }
    let count = visible.len() as f64;
    let sum = visible.iter().fold(Vector2::zeros(), |sum, point| {
        sum + Vector2::new(f64::from(point[0]), f64::from(point[1]))
    });
    (Point2::from(sum / count), config.ankle_height_m)
}

/// Extent of the object's footprint along the horizontal unit `direction`, with its heading
/// along the ego x axis (traffic that follows the road the ego drives on).
pub fn extent_along(class: &ObjectClass, direction: &Vector2<f64>) -> f64 {
    let [length, width, _] = class.size_lwh;
    length * direction.x.abs() + width * direction.y.abs()
}

/// Moves a point on the object's near side, seen from `origin`, to the footprint's centre:
/// half its extent further along the horizontal viewing direction.
fn behind(origin: &Point3<f64>, near: &Point3<f64>, class: &ObjectClass) -> Vector2<f64> {
    let direction = (near.coords.xy() - origin.coords.xy())
        .try_normalize(f64::EPSILON)
        .unwrap_or_else(Vector2::x);
    near.coords.xy() + direction * (extent_along(class, &direction) / 2.0)
}

/// The ground's height under the foot point: the road plane, raised by a kerb where the
/// segmentation sees sidewalk just below the box.
fn ground_under(
    camera: &Camera,
    detection: &Detection,
    segmentation: &[BevLayer<'_>],
    config: &LiftingConfig,
) -> f64 {
    let [x, y, width, height] = detection.box_xywh.map(f64::from);
    let column = (x + width / 2.0).max(0.0) as usize;
    let row = ((y + height + KERB_PROBE_PIXELS).max(0.0) as usize).min(camera.height as usize - 1);
    if category_at(segmentation, column, row) == BevCategory::Sidewalk {
        config.ground_z + config.kerb_height_m
    } else {
        config.ground_z
    }
}

fn ground_centre(
    camera: &Camera,
    detection: &Detection,
    class: &ObjectClass,
    segmentation: &[BevLayer<'_>],
    config: &LiftingConfig,
) -> Result<(Point3<f64>, Matrix2<f64>), Unplaced> {
    let (pixel, raised) = foot_pixel(detection, class, config);
    let ground = ground_under(camera, detection, segmentation, config);
    let plane = ground + raised;
    let foot = camera
        .ground_intersection(&pixel, plane)
        .ok_or(Unplaced::NoGround)?;
    // How far the foot point moves per pixel down and across: the linearised camera model.
    let moved = |offset: Vector2<f64>| {
        camera
            .ground_intersection(&(pixel + offset), plane)
            .map(|point| (point - foot).xy())
    };
    let covariance = match (moved(Vector2::y()), moved(Vector2::x())) {
        (Some(down), Some(across)) => {
            spread(&[down, across], edge_noise(detection, config)) + prior_variance()
        }
        // The next row up or down leaves the ground: the foot is at the horizon.
        _ => Matrix2::from_diagonal_element(foot.coords.xy().norm_squared()),
    };
    let origin = Point3::from(camera.sensor_to_ego.translation.vector);
    let mut centre = behind(&origin, &foot, class);
    // A person's ankles are their contact with the ground; a whole box is fitted instead.
    if raised == 0.0 && !is_clipped(camera, &detection.box_xywh) {
        let [x, y, width, height] = detection.box_xywh.map(f64::from);
        if let Some(fitted) = fit_on_ground(
            camera,
            x + width / 2.0,
            y + height,
            &class.size_lwh,
            ground,
            centre,
        ) {
            centre = fitted;
        }
    }
    let [_, y, _, height] = detection.box_xywh;
    let cut_vertically = y <= CLIP_MARGIN || y + height >= camera.height as f32 - CLIP_MARGIN;
    let (centre, covariance) = blend_with_height(
        camera,
        detection,
        class,
        ground,
        cut_vertically,
        config,
        (centre, covariance),
    );
    Ok((
        Point3::new(centre.x, centre.y, ground + class.size_lwh[2] / 2.0),
        covariance,
    ))
}

fn depth_centre(
    camera: &Camera,
    detection: &Detection,
    class: &ObjectClass,
    depth: DepthView<'_>,
    config: &LiftingConfig,
) -> Result<(Point3<f64>, Matrix2<f64>), Unplaced> {
    let [x, y, width, height] = detection.box_xywh.map(f64::from);
    let [left, top, right, bottom] = config.depth_region;
    let region = [
        x + left * width,
        y + top * height,
        x + right * width,
        y + bottom * height,
    ];
    let value = region_depth(depth.map, region, config.depth_percentile)?;
    let pixel = Point2::new((region[0] + region[2]) / 2.0, (region[1] + region[3]) / 2.0);
    let surface = back_project(camera, &pixel, value, depth.along).ok_or(Unplaced::NoDepth)?;
    let origin = Point3::from(camera.sensor_to_ego.translation.vector);
    let centre = behind(&origin, &surface, class);
    // The bottom of the box at the surface's distance gives the ground under the object,
    // without assuming it is flat.
    let range = (surface.coords.xy() - origin.coords.xy()).norm();
    let (_, foot_ray) = camera.ray_in_ego(&Point2::new(x + width / 2.0, y + height));
    let horizontal = foot_ray.xy().norm();
    let bottom_z = if horizontal > f64::EPSILON {
        origin.z + foot_ray.z * range / horizontal
    } else {
        config.ground_z
    };
    // Along the ray the depth head's relative error; across it the box edges' noise.
    let radial = (surface.coords.xy() - origin.coords.xy()) * config.depth_noise_fraction;
    let across = back_project(camera, &(pixel + Vector2::x()), value, depth.along)
        .map_or_else(Vector2::zeros, |point| (point - surface).xy());
    let covariance = radial * radial.transpose()
        + spread(&[across], edge_noise(detection, config))
        + prior_variance();
    Ok((
        Point3::new(centre.x, centre.y, bottom_z + class.size_lwh[2] / 2.0),
        covariance,
    ))
}

/// Noise of a box edge, pixels: a fraction of the box's height (detectors place the edges of
/// big boxes less precisely in pixels than those of small ones).
fn edge_noise(detection: &Detection, config: &LiftingConfig) -> f64 {
    (config.box_noise_fraction * f64::from(detection.box_xywh[3])).max(MIN_EDGE_NOISE_PIXELS)
}

/// `Σ vᵢ vᵢᵀ σ²`: the covariance of a point that moves by `vᵢ` per pixel of independent
/// noise `σ` along each image axis.
fn spread(per_pixel: &[Vector2<f64>], sigma: f64) -> Matrix2<f64> {
    per_pixel
        .iter()
        .fold(Matrix2::zeros(), |sum, step| sum + step * step.transpose())
        * (sigma * sigma)
}

fn prior_variance() -> Matrix2<f64> {
    Matrix2::from_diagonal_element(PRIOR_VARIANCE)
}

/// The ego-frame point at distance `value` through `pixel`.
pub fn back_project(
    camera: &Camera,
    pixel: &Point2<f64>,
    value: f64,
    along: DepthAlong,
) -> Option<Point3<f64>> {
    let ray = camera.unproject(pixel);
    let range = match along {
        DepthAlong::Ray => value,
        DepthAlong::OpticalAxis => {
            if ray.z < MIN_AXIAL_COSINE {
                return None;
            }
            value / ray.z
        }
    };
    let point: Vector3<f64> = ray.into_inner() * range;
    (range.is_finite() && range > 0.0).then(|| camera.sensor_to_ego * Point3::from(point))
}

/// The `percentile` of the valid depths in `[x0, y0, x1, y1]` (original pixels).
fn region_depth(map: &DepthMap, region: [f64; 4], percentile: f64) -> Result<f64, Unplaced> {
    let metres = map.metres();
    let (rows, columns) = metres.dim();
    let clamp = |value: f64, size: usize| (value.max(0.0) as usize).min(size);
    let (x0, x1) = (clamp(region[0], columns), clamp(region[2].ceil(), columns));
    let (y0, y1) = (clamp(region[1], rows), clamp(region[3].ceil(), rows));
    let mut values: Vec<f32> = metres
        .slice(ndarray::s![y0..y1, x0..x1])
        .iter()
        .copied()
        .filter(|value| value.is_finite() && *value > 0.0)
        .collect();
    if values.len() < MIN_DEPTH_PIXELS {
        return Err(Unplaced::NoDepth);
    }
    let rank = ((values.len() - 1) as f64 * percentile).round() as usize;
    let (_, value, _) = values.select_nth_unstable_by(rank, f32::total_cmp);
    Ok(f64::from(*value))
}

fn lift_keypoints(
    camera: &Camera,
    keypoints: &[[f32; 3]],
    depth: DepthView<'_>,
    config: &LiftingConfig,
) -> Vec<Option<Point3<f64>>> {
    keypoints
        .iter()
        .map(|&[x, y, score]| {
            if score < config.keypoint_threshold {
                return None;
            }
            let (x, y) = (f64::from(x), f64::from(y));
            let window = KEYPOINT_WINDOW as f64;
            let region = [x - window, y - window, x + window + 1.0, y + window + 1.0];
            let value = region_depth(depth.map, region, 0.5).ok()?;
            back_project(camera, &Point2::new(x, y), value, depth.along)
        })
        .collect()
}

fn is_clipped(camera: &Camera, box_xywh: &[f32; 4]) -> bool {
    let [x, y, width, height] = *box_xywh;
    x <= CLIP_MARGIN
        || y <= CLIP_MARGIN
        || x + width >= camera.width as f32 - CLIP_MARGIN
        || y + height >= camera.height as f32 - CLIP_MARGIN
}

fn off_centre(camera: &Camera, box_xywh: &[f32; 4]) -> f64 {
    let [x, y, width, height] = box_xywh.map(f64::from);
    let half = Vector2::new(f64::from(camera.width), f64::from(camera.height)) / 2.0;
    let centre = Vector2::new(x + width / 2.0, y + height / 2.0);
    ((centre - half).norm() / half.norm()).min(1.0)
}
