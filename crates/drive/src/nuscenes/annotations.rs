//! nuScenes annotations as a camera frame's ground truth: each instance's boxes (global frame,
//! at its samples' times) placed at the camera's own timestamp, in the ego frame through the
//! ego pose of that frame, and projected into the image the way the nuScenes devkit derives 2D
//! boxes (`export_2d_annotations_as_json`: the corners in front of the camera projected, their
//! convex hull clipped to the image, its bounding box).

use nalgebra::{Isometry3, Point2, Point3, Translation3, UnitQuaternion, Vector3};
use panoptes_rig::Camera;

use crate::ground_truth::{Annotations, BoundingBox, Cuboid};

/// A box annotated within this of a camera's timestamp is used as it is when it has no
/// neighbour on the other side (half of nuScenes' 2 Hz key-frame interval), µs.
pub(crate) const HOLD_US: u64 = 250_000;
/// Two annotations of an instance farther apart than this are not interpolated between, µs.
pub(crate) const MAX_GAP_US: u64 = 1_000_000;

/// One annotation of an instance, global frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Key {
    /// The sample's time, µs.
    pub timestamp_us: u64,
    pub centre: Vector3<f64>,
    pub rotation: UnitQuaternion<f64>,
    /// Width, length, height, metres.
    pub size_wlh: [f64; 3],
    /// Fraction hidden, from the visibility level (0 when unknown).
    pub occlusion: f64,
}

/// Every annotation of one instance, in time order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Track {
    pub class: String,
    pub instance_id: u32,
    pub keys: Vec<Key>,
}

impl Track {
    /// The box at `timestamp_us`: interpolated between the annotations around it (position
    /// linearly, orientation by slerp); within [`HOLD_US`] past either end of the track, the
    /// end's box moved on at the velocity of the two annotations there (held when the track
    /// has one).
    pub(crate) fn at(&self, timestamp_us: u64) -> Option<Key> {
        let after = self
            .keys
            .partition_point(|key| key.timestamp_us < timestamp_us);
        let before = after.checked_sub(1).map(|index| &self.keys[index]);
        let next = self.keys.get(after);
        match (before, next) {
            (_, Some(next)) if next.timestamp_us == timestamp_us => Some(*next),
            (Some(before), Some(next)) if next.timestamp_us - before.timestamp_us <= MAX_GAP_US => {
                let span = (next.timestamp_us - before.timestamp_us) as f64;
                let fraction = (timestamp_us - before.timestamp_us) as f64 / span;
                Some(Key {
                    timestamp_us,
                    centre: before.centre.lerp(&next.centre, fraction),
                    rotation: before
                        .rotation
                        .try_slerp(&next.rotation, fraction, 1e-9)
                        .unwrap_or(before.rotation),
                    size_wlh: std::array::from_fn(|axis| {
                        before.size_wlh[axis]
                            + (next.size_wlh[axis] - before.size_wlh[axis]) * fraction
                    }),
                    occlusion: before.occlusion.max(next.occlusion),
                })
            }
            _ => {
                let nearest = [before, next]
                    .into_iter()
                    .flatten()
                    .filter(|key| key.timestamp_us.abs_diff(timestamp_us) <= HOLD_US)
                    .min_by_key(|key| key.timestamp_us.abs_diff(timestamp_us))
                    .copied()?;
                // Past either end of the track: carried on at the velocity of its last (or
                // first) two annotations.
                let pair = match (before, next) {
                    (Some(_), None) => after.checked_sub(2).map(|first| (first, first + 1)),
                    (None, Some(_)) => Some((after, after + 1)),
                    _ => None,
                };
                let pair = pair.and_then(|(a, b)| Some((self.keys.get(a)?, self.keys.get(b)?)));
                Some(match pair {
                    Some((a, b)) if b.timestamp_us - a.timestamp_us <= MAX_GAP_US => {
                        let span = (b.timestamp_us - a.timestamp_us) as f64;
                        let seconds = (timestamp_us as f64 - nearest.timestamp_us as f64) / span;
                        Key {
                            timestamp_us,
                            centre: nearest.centre + (b.centre - a.centre) * seconds,
                            ..nearest
                        }
                    }
                    _ => Key {
                        timestamp_us,
                        ..nearest
                    },
                })
            }
        }
    }
}

/// The occlusion standing for a nuScenes visibility token (`1`: 0–40 % visible, `2`: 40–60 %,
/// `3`: 60–80 %, `4`: 80–100 %): the middle of the hidden range; 0 when unknown.
pub(crate) fn occlusion_of_visibility(token: &str) -> Option<f64> {
    match token {
        "" => Some(0.0),
        "1" => Some(0.8),
        "2" => Some(0.5),
        "3" => Some(0.3),
        "4" => Some(0.1),
        _ => None,
    }
}

/// The visibility token of a fraction hidden (the inverse of [`occlusion_of_visibility`]).
pub(crate) fn visibility_of_occlusion(occlusion: f64) -> &'static str {
    let visible = 1.0 - occlusion;
    if visible < 0.4 {
        "1"
    } else if visible < 0.6 {
        "2"
    } else if visible < 0.8 {
        "3"
    } else {
        "4"
    }
}

/// The ground truth of one camera frame: every track's box at the frame's time whose devkit 2D
/// box falls in the image, as a 2D box and as a 3D box in the ego frame.
pub(crate) fn frame_annotations(
    tracks: &[Track],
    camera: &Camera,
    ego_to_world: &Isometry3<f64>,
    timestamp_us: u64,
) -> Annotations {
    let world_to_ego = ego_to_world.inverse();
    let mut annotations = Annotations::default();
    for track in tracks {
        let Some(key) = track.at(timestamp_us) else {
            continue;
        };
        let box_to_world = Isometry3::from_parts(Translation3::from(key.centre), key.rotation);
        let box_to_ego = world_to_ego * box_to_world;
        let Some(box_xywh) = devkit_box(camera, &box_to_ego, key.size_wlh) else {
            continue;
        };
        let heading = box_to_ego.rotation * Vector3::x();
        let centre = box_to_ego.translation.vector;
        let [width, length, height] = key.size_wlh;
        annotations.boxes.push(BoundingBox {
            class: track.class.clone(),
            instance_id: track.instance_id,
            occlusion: key.occlusion,
            box_xywh,
        });
        annotations.cuboids.push(Cuboid {
            class: track.class.clone(),
            instance_id: track.instance_id,
            center: [centre.x, centre.y, centre.z],
            size_lwh: [length, width, height],
            yaw: heading.y.atan2(heading.x),
        });
    }
    annotations
}

/// The devkit's 2D box of a 3D box (in the ego frame), in drive pixel coordinates (origin at
/// the top-left corner of the top-left pixel: the model's projection plus half a pixel),
/// clipped to the image; `None` when no part of it falls inside.
fn devkit_box(
    camera: &Camera,
    box_to_ego: &Isometry3<f64>,
    size_wlh: [f64; 3],
) -> Option<[f64; 4]> {
    let [width, length, height] = size_wlh;
    let ego_to_sensor = camera.sensor_to_ego.inverse() * box_to_ego;
    let mut points = Vec::with_capacity(8);
    for corner in 0..8u8 {
        let sign = |bit: u8| if corner & bit == 0 { -0.5 } else { 0.5 };
        let local = Point3::new(sign(1) * length, sign(2) * width, sign(4) * height);
        let in_sensor = ego_to_sensor * local;
        if in_sensor.z <= 0.0 {
            continue;
        }
        if let Some(pixel) = camera.project(&in_sensor) {
            points.push(Point2::new(pixel.x + 0.5, pixel.y + 0.5));
        }
    }
    let hull = convex_hull(points);
    let clipped = clip_to_rectangle(&hull, f64::from(camera.width), f64::from(camera.height));
    let (mut low, mut high) = (
        Point2::new(f64::INFINITY, f64::INFINITY),
        Point2::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
    );
    for point in &clipped {
        low = Point2::new(low.x.min(point.x), low.y.min(point.y));
        high = Point2::new(high.x.max(point.x), high.y.max(point.y));
    }
    let (box_width, box_height) = (high.x - low.x, high.y - low.y);
    (box_width > 0.0 && box_height > 0.0).then_some([low.x, low.y, box_width, box_height])
}

/// The convex hull, counter-clockwise (Andrew's monotone chain); fewer than three points come
/// back as they are.
fn convex_hull(mut points: Vec<Point2<f64>>) -> Vec<Point2<f64>> {
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let cross = |o: &Point2<f64>, a: &Point2<f64>, b: &Point2<f64>| {
        (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
    };
    let mut hull: Vec<Point2<f64>> = Vec::with_capacity(points.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let ordered: Box<dyn Iterator<Item = &Point2<f64>>> = if pass == 0 {
            Box::new(points.iter())
        } else {
            Box::new(points.iter().rev())
        };
        for point in ordered {
            while hull.len() >= start + 2
                && cross(&hull[hull.len() - 2], &hull[hull.len() - 1], point) <= 0.0
            {
                hull.pop();
            }
            hull.push(*point);
        }
        hull.pop();
    }
    hull
}

/// How far inside one edge of the rectangle a point lies (negative: outside).
type Inside<'a> = dyn Fn(&Point2<f64>) -> f64 + 'a;

/// A convex polygon clipped to `[0, width] × [0, height]` (Sutherland–Hodgman).
fn clip_to_rectangle(polygon: &[Point2<f64>], width: f64, height: f64) -> Vec<Point2<f64>> {
    // Each edge: inside when `value(point) >= 0`.
    let edges: [&Inside<'_>; 4] = [
        &|point| point.x,
        &|point| width - point.x,
        &|point| point.y,
        &|point| height - point.y,
    ];
    let mut current = polygon.to_vec();
    for inside in edges {
        if current.is_empty() {
            break;
        }
        let mut next = Vec::with_capacity(current.len() + 2);
        for (index, point) in current.iter().enumerate() {
            let previous = &current[(index + current.len() - 1) % current.len()];
            let (value, previous_value) = (inside(point), inside(previous));
            if (value >= 0.0) != (previous_value >= 0.0) {
                let fraction = previous_value / (previous_value - value);
                next.push(previous + (point - previous) * fraction);
            }
            if value >= 0.0 {
                next.push(*point);
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use panoptes_rig::CameraModel;

    fn key(timestamp_us: u64, x: f64, yaw: f64) -> Key {
        Key {
            timestamp_us,
            centre: Vector3::new(x, 0.0, 0.0),
            rotation: UnitQuaternion::from_euler_angles(0.0, 0.0, yaw),
            size_wlh: [2.0, 4.0, 1.5],
            occlusion: 0.0,
        }
    }

    #[test]
    fn boxes_are_interpolated_between_annotations_and_held_near_one() {
        let track = Track {
            class: "car".into(),
            instance_id: 1,
            keys: vec![key(1_000_000, 0.0, 0.0), key(1_500_000, 5.0, 0.2)],
        };
        let middle = track.at(1_250_000).unwrap();
        assert!((middle.centre.x - 2.5).abs() < 1e-12);
        assert!((middle.rotation.euler_angles().2 - 0.1).abs() < 1e-9);
        assert_eq!(track.at(1_500_000).unwrap().centre.x, 5.0);
        // After the last annotation: carried on at 10 m/s for a quarter second, then gone.
        assert!((track.at(1_700_000).unwrap().centre.x - 7.0).abs() < 1e-9);
        assert!(track.at(1_800_000).is_none());
        assert!((track.at(900_000).unwrap().centre.x + 1.0).abs() < 1e-9);
        assert!(track.at(700_000).is_none());
        let single = Track {
            keys: vec![key(1_000_000, 3.0, 0.0)],
            ..track.clone()
        };
        assert_eq!(single.at(1_100_000).unwrap().centre.x, 3.0);
        let gap = Track {
            keys: vec![key(0, 0.0, 0.0), key(2_000_000, 5.0, 0.0)],
            ..track
        };
        assert!(gap.at(1_000_000).is_none());
    }

    #[test]
    fn a_box_straddling_the_image_edge_is_clipped_to_it() {
        // A camera at the ego origin looking along ego x (sensor z), 100 × 50 pixels.
        let rotation = UnitQuaternion::from_matrix(&nalgebra::Matrix3::new(
            0.0, 0.0, 1.0, -1.0, 0.0, 0.0, 0.0, -1.0, 0.0,
        ));
        let camera = Camera::new(
            "FRONT",
            CameraModel::pinhole(50.0, 50.0, 49.5, 24.5),
            100,
            50,
            Isometry3::from_parts(Translation3::identity(), rotation),
        );
        let ahead = Isometry3::translation(10.0, 0.0, 0.0);
        let [x, y, w, h] = devkit_box(&camera, &ahead, [2.0, 4.0, 1.0]).unwrap();
        // Nearest face at 8 m: half width 1 m → 6.25 px either side of the centre column 50.
        assert!(
            (x - 43.75).abs() < 1e-9 && (w - 12.5).abs() < 1e-9,
            "{x} {w}"
        );
        assert!(
            (y - 21.875).abs() < 1e-9 && (h - 6.25).abs() < 1e-9,
            "{y} {h}"
        );
        let left = Isometry3::translation(10.0, 8.5, 0.0);
        let [x, _, w, _] = devkit_box(&camera, &left, [2.0, 4.0, 1.0]).unwrap();
        assert_eq!(x, 0.0);
        assert!(w > 0.0 && w < 20.0, "{w}");
        let behind = Isometry3::translation(-10.0, 0.0, 0.0);
        assert!(devkit_box(&camera, &behind, [2.0, 4.0, 1.0]).is_none());
        // Partly behind the camera: the corners in front still give a box.
        let beside = Isometry3::translation(0.5, 0.0, 0.0);
        assert!(devkit_box(&camera, &beside, [2.0, 4.0, 1.0]).is_some());
    }

    #[test]
    fn visibility_levels_round_trip() {
        for token in ["1", "2", "3", "4"] {
            let occlusion = occlusion_of_visibility(token).unwrap();
            assert_eq!(visibility_of_occlusion(occlusion), token);
        }
        assert_eq!(occlusion_of_visibility(""), Some(0.0));
        assert_eq!(occlusion_of_visibility("7"), None);
    }
}
