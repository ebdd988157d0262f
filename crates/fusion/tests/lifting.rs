//! Lifting with known answers: each method on pinhole (with and without distortion) and
//! Kannala–Brandt cameras.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use nalgebra::Vector2;
use panoptes_fusion::{
    default_classes, extent_along, lift, BevCategory, BevLayer, DepthView, FusionConfig,
    LiftMethod, LiftPolicy, LiftingConfig, ObjectClass, Surroundings, Unplaced,
};
use panoptes_heads::{DepthAlong, Detection};
use panoptes_rig::{Camera, Point3};

fn class(name: &str) -> (usize, ObjectClass) {
    let config = FusionConfig::default();
    let index = config.class_of(name).unwrap();
    (index, config.classes[index].clone())
}

/// Where the centre lies for a near-side point `near` seen from `camera`.
fn centre_behind(camera: &Camera, near: &Point3<f64>, class: &ObjectClass) -> Vector2<f64> {
    let origin = camera.sensor_to_ego.translation.vector.xy();
    let direction = (near.coords.xy() - origin).normalize();
    near.coords.xy() + direction * extent_along(class, &direction) / 2.0
}

fn lifted(
    camera: &Camera,
    detection: &Detection,
    name: &str,
    surroundings: Surroundings<'_>,
    config: &LiftingConfig,
) -> Result<panoptes_fusion::Observation, Unplaced> {
    let (index, class) = class(name);
    lift(
        camera,
        0,
        0,
        detection,
        (index, &class),
        surroundings,
        config,
    )
}

/// The ground plane alone, trusted at every distance (no apparent-height cue).
fn ground_only() -> LiftingConfig {
    LiftingConfig {
        policy: LiftPolicy::Ground,
        ground_slope_sigma: 0.0,
        ..LiftingConfig::default()
    }
}

/// The box a car of the prior size, heading along ego x with its centre at `centre` on the
/// ground, fills in `camera`'s image (its edges finely sampled).
fn box_of(
    camera: &Camera,
    centre: Vector2<f64>,
    size: [f64; 3],
    base: f64,
) -> (f64, f64, f64, f64) {
    let [length, width, height] = size;
    let (mut left, mut top, mut right, mut bottom) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let samples = 200;
    for step in 0..=samples {
        let t = f64::from(step) / f64::from(samples) - 0.5;
        for (along, across) in [
            (t * length, width / 2.0),
            (t * length, -width / 2.0),
            (length / 2.0, t * width),
            (-length / 2.0, t * width),
        ] {
            for z in [base, base + height] {
                let point = Point3::new(centre.x + along, centre.y + across, z);
                let pixel = camera.project_ego_in_image(&point).unwrap();
                left = left.min(pixel.x);
                right = right.max(pixel.x);
                top = top.min(pixel.y);
                bottom = bottom.max(pixel.y);
            }
        }
    }
    (left, top, right, bottom)
}

/// The detection of a `label` object of `size` standing at `centre` on ground at `base`.
fn detection_of(
    camera: &Camera,
    label: &str,
    centre: Vector2<f64>,
    size: [f64; 3],
    base: f64,
) -> Detection {
    let (left, top, right, bottom) = box_of(camera, centre, size, base);
    detection_at(
        label,
        0.9,
        ((left + right) / 2.0, bottom),
        (right - left, bottom - top),
    )
}

/// Placed on the ground plane alone, without segmentation or depth.
fn on_ground(camera: &Camera, detection: &Detection, name: &str) -> panoptes_fusion::Observation {
    lifted(
        camera,
        detection,
        name,
        Surroundings::default(),
        &ground_only(),
    )
    .unwrap()
}

#[test]
fn ground_plane_finds_the_centre_of_the_prior_box_on_every_camera_model() {
    let cases = [
        (front_pinhole(), Vector2::new(17.0, 2.0), 1e-3),
        (front_distorted(), Vector2::new(14.0, -3.0), 1e-3),
        // Through the fisheye the fit samples each edge at 5 points, the truth at 200.
        (left_fisheye(), Vector2::new(4.0, 7.0), 0.05),
        (left_fisheye(), Vector2::new(-2.0, 5.0), 0.05),
    ];
    let (_, car) = class("car");
    for (camera, centre, tolerance) in cases {
        let detection = detection_of(&camera, "car", centre, car.size_lwh, 0.0);
        let observation = on_ground(&camera, &detection, "car");
        let error = (observation.centre.coords.xy() - centre).norm();
        assert!(
            error < tolerance,
            "{}: {} vs {centre}",
            camera.name,
            observation.centre
        );
        assert!((observation.centre.z - car.size_lwh[2] / 2.0).abs() < 1e-9);
        assert_eq!(observation.method, LiftMethod::Ground);
        assert!(!observation.clipped);
        // The uncertainty grows along the ray, where one pixel is more ground.
        let origin = camera.sensor_to_ego.translation.vector.xy();
        let ray = (centre - origin).normalize();
        let across = Vector2::new(-ray.y, ray.x);
        let along_variance = (ray.transpose() * observation.covariance * ray)[(0, 0)];
        let across_variance = (across.transpose() * observation.covariance * across)[(0, 0)];
        assert!(
            along_variance > across_variance,
            "{}",
            observation.covariance
        );
    }
}

#[test]
fn bottom_centre_of_the_box_is_the_near_side_of_the_object() {
    let camera = front_pinhole();
    let (_, car) = class("car");
    let foot = Point3::new(15.0, 2.0, 0.0);
    // A box cut by the top border is not fitted: its foot point is taken as it is.
    let mut detection = detection_at("car", 0.9, pixel_of(&camera, &foot), (40.0, 30.0));
    detection.box_xywh[3] += detection.box_xywh[1];
    detection.box_xywh[1] = 0.0;
    let observation = on_ground(&camera, &detection, "car");
    assert!(observation.clipped);
    let expected = centre_behind(&camera, &foot, &car);
    assert!((observation.centre.coords.xy() - expected).norm() < 1e-4);
}

#[test]
fn on_a_rising_road_the_apparent_height_pulls_a_far_car_back() {
    let camera = front_pinhole();
    let (_, car) = class("car");
    // 40 m ahead the road is 0.25 m higher than the plane the camera assumes.
    let centre = Vector2::new(40.0, 1.0);
    let detection = detection_of(&camera, "car", centre, car.size_lwh, 0.25);
    let place = |config: &LiftingConfig| {
        lifted(&camera, &detection, "car", Surroundings::default(), config).unwrap()
    };
    let flat = place(&ground_only());
    let sloped = place(&LiftingConfig {
        policy: LiftPolicy::Ground,
        ..LiftingConfig::default()
    });
    let error = |observation: &panoptes_fusion::Observation| {
        (observation.centre.coords.xy() - centre).norm() / centre.norm()
    };
    assert!(error(&flat) > 0.12, "flat ground: {}", error(&flat));
    assert!(
        error(&sloped) < 0.05,
        "with the height cue: {}",
        error(&sloped)
    );
    // Both on the ground method, the blended one less sure than a flat-road one near by.
    assert_eq!(sloped.method, LiftMethod::Ground);
    let height = panoptes_fusion::range_from_height(&camera, &detection, car.size_lwh[2]).unwrap();
    let near_side = centre.x - car.size_lwh[0] / 2.0 - 1.7;
    assert!((height - near_side).abs() < 0.5, "{height} vs {near_side}");
}

#[test]
fn depth_is_back_projected_along_the_axis_or_the_ray_as_the_manifest_says() {
    let cases = [
        (front_pinhole(), Point3::new(30.0, 4.0, 0.8)),
        (front_distorted(), Point3::new(25.0, -5.0, 1.0)),
        (left_fisheye(), Point3::new(4.0, 8.0, 0.5)),
    ];
    let (_, car) = class("car");
    for (camera, surface) in cases {
        for along in [DepthAlong::OpticalAxis, DepthAlong::Ray] {
            // The depth region's centre (box x + w/2, y + 0.7 h) is the surface's pixel.
            let (column, row) = pixel_of(&camera, &surface);
            let detection = detection_at("car", 0.9, (column, row + 30.0), (60.0, 100.0));
            let map = constant_depth(&camera, depth_value(&camera, &surface, along));
            let surroundings = Surroundings {
                depth: Some(DepthView { map: &map, along }),
                segmentation: &[],
            };
            let config = LiftingConfig {
                policy: LiftPolicy::Depth,
                ..LiftingConfig::default()
            };
            let observation = lifted(&camera, &detection, "car", surroundings, &config).unwrap();
            let expected = centre_behind(&camera, &surface, &car);
            let error = (observation.centre.coords.xy() - expected).norm();
            // f32 depths: a few millimetres at 30 m.
            assert!(
                error < 5e-3,
                "{} {along:?}: {} vs {expected}",
                camera.name,
                observation.centre
            );
            assert_eq!(observation.method, LiftMethod::Depth);
        }
    }
}

#[test]
fn axial_depth_is_refused_beyond_ninety_degrees_off_the_axis() {
    let camera = left_fisheye();
    // Straight ahead of the car, seen about 95° off the left camera's axis.
    let surface = Point3::new(6.0, 1.0, 0.6);
    let in_sensor = camera.sensor_to_ego.inverse_transform_point(&surface);
    assert!(
        in_sensor.z < 0.0,
        "the point must be behind the optical plane"
    );
    let (column, row) = pixel_of(&camera, &surface);
    let detection = detection_at("car", 0.9, (column, row + 6.0), (20.0, 20.0));
    let config = LiftingConfig {
        policy: LiftPolicy::Depth,
        max_off_axis_degrees: 120.0,
        ..LiftingConfig::default()
    };
    // Beyond 80° off the axis (the default) nothing is placed at all.
    let off_axis = LiftingConfig {
        policy: LiftPolicy::Depth,
        ..LiftingConfig::default()
    };
    assert_eq!(
        lifted(
            &camera,
            &detection,
            "car",
            Surroundings::default(),
            &off_axis
        )
        .map(|o| o.centre),
        Err(Unplaced::OffAxis)
    );
    let depth = |along| {
        let map = constant_depth(&camera, depth_value(&camera, &surface, along).abs());
        let surroundings = Surroundings {
            depth: Some(DepthView { map: &map, along }),
            segmentation: &[],
        };
        lifted(&camera, &detection, "car", surroundings, &config).map(|o| o.centre)
    };
    assert_eq!(depth(DepthAlong::OpticalAxis), Err(Unplaced::NoDepth));
    assert!(depth(DepthAlong::Ray).is_ok());
}

#[test]
fn auto_takes_the_ground_near_and_whole_and_depth_far_or_cut() {
    let camera = front_pinhole();
    let config = LiftingConfig::default();
    let place = |foot: Point3<f64>, width: f64, with_depth: bool| {
        let (column, row) = pixel_of(&camera, &foot);
        let detection = detection_at("car", 0.9, (column, row), (width, 40.0));
        let map = constant_depth(&camera, (foot.x - 1.7) as f32);
        let depth = with_depth.then_some(DepthView {
            map: &map,
            along: DepthAlong::OpticalAxis,
        });
        let surroundings = Surroundings {
            depth,
            segmentation: &[],
        };
        lifted(&camera, &detection, "car", surroundings, &config).unwrap()
    };
    assert_eq!(
        place(Point3::new(12.0, 0.0, 0.0), 40.0, true).method,
        LiftMethod::Ground
    );
    assert_eq!(
        place(Point3::new(60.0, 0.0, 0.0), 40.0, true).method,
        LiftMethod::Depth
    );
    assert_eq!(
        place(Point3::new(60.0, 0.0, 0.0), 40.0, false).method,
        LiftMethod::Ground
    );
    // A box cut by the image's left and right borders: its foot row is still seen.
    let wide = place(Point3::new(12.0, 0.0, 0.0), 1700.0, true);
    assert!(wide.clipped);
    assert_eq!(wide.method, LiftMethod::Ground);
    // A box cut by the bottom border hides its foot point: depth.
    let near = detection_at("car", 0.9, (800.0, 899.5), (300.0, 400.0));
    let map = constant_depth(&camera, 4.0);
    let surroundings = Surroundings {
        depth: Some(DepthView {
            map: &map,
            along: DepthAlong::OpticalAxis,
        }),
        segmentation: &[],
    };
    let cut = lifted(&camera, &near, "car", surroundings, &config).unwrap();
    assert_eq!(cut.method, LiftMethod::Depth);
}

#[test]
fn a_persons_visible_ankles_give_the_foot_point() {
    let camera = front_pinhole();
    let config = ground_only();
    let (_, person) = class("person");
    let ankle = Point3::new(10.0, 1.0, config.ankle_height_m);
    let (column, row) = pixel_of(&camera, &ankle);
    // The box's bottom is 25 px below the ankles (feet, shadow); the ankles decide.
    let mut detection = detection_at("person", 0.9, (column + 3.0, row + 25.0), (30.0, 120.0));
    let mut keypoints = vec![[0.0, 0.0, 0.0]; 17];
    keypoints[15] = [column as f32 - 4.0, row as f32, 0.95];
    keypoints[16] = [column as f32 + 4.0, row as f32, 0.9];
    detection.keypoints = Some(keypoints);
    let observation = lifted(
        &camera,
        &detection,
        "person",
        Surroundings::default(),
        &config,
    )
    .unwrap();
    let expected = centre_behind(&camera, &ankle, &person);
    assert!(
        (observation.centre.coords.xy() - expected).norm() < 1e-3,
        "{}",
        observation.centre
    );
    // Doubtful ankles (below the ankle threshold): the box instead.
    for point in detection.keypoints.as_mut().unwrap() {
        point[2] = 0.5;
    }
    let observation = lifted(
        &camera,
        &detection,
        "person",
        Surroundings::default(),
        &config,
    )
    .unwrap();
    assert!(
        observation.centre.x < expected.x - 0.3,
        "{}",
        observation.centre
    );
}

#[test]
fn sidewalk_under_the_feet_raises_the_ground_by_a_kerb() {
    let camera = front_pinhole();
    let config = ground_only();
    let (_, person) = class("person");
    let centre = Vector2::new(14.0, 4.0);
    let detection = detection_of(
        &camera,
        "person",
        centre,
        person.size_lwh,
        config.kerb_height_m,
    );
    let sidewalk = uniform_classes(&camera, 1, 2);
    let categories = [BevCategory::Unknown, BevCategory::Sidewalk];
    let layers = [BevLayer {
        ids: sidewalk.ids().view(),
        categories: &categories,
    }];
    let surroundings = Surroundings {
        depth: None,
        segmentation: &layers,
    };
    let observation = lifted(&camera, &detection, "person", surroundings, &config).unwrap();
    assert!((observation.centre.coords.xy() - centre).norm() < 1e-3);
    assert!((observation.centre.z - (0.15 + person.size_lwh[2] / 2.0)).abs() < 1e-9);
    // On the road plane instead it would be about 10 % farther.
    let road = lifted(
        &camera,
        &detection,
        "person",
        Surroundings::default(),
        &config,
    )
    .unwrap();
    assert!(road.distance() > observation.distance() * 1.08);
}

#[test]
fn a_persons_keypoints_are_lifted_where_depth_exists() {
    let camera = front_pinhole();
    let joint = Point3::new(9.0, -1.0, 1.2);
    let (column, row) = pixel_of(&camera, &joint);
    let mut detection = detection_at("person", 0.9, (column, row + 80.0), (40.0, 200.0));
    let mut keypoints = vec![[column as f32, row as f32, 0.9]; 17];
    keypoints[3][2] = 0.05;
    detection.keypoints = Some(keypoints);
    let map = constant_depth(
        &camera,
        depth_value(&camera, &joint, DepthAlong::OpticalAxis),
    );
    let surroundings = Surroundings {
        depth: Some(DepthView {
            map: &map,
            along: DepthAlong::OpticalAxis,
        }),
        segmentation: &[],
    };
    let observation = lifted(
        &camera,
        &detection,
        "person",
        surroundings,
        &LiftingConfig::default(),
    )
    .unwrap();
    let points = observation.keypoints.unwrap();
    assert!(points[3].is_none(), "a keypoint below the threshold");
    let lifted = points[0].unwrap();
    assert!((lifted - joint).norm() < 1e-3, "{lifted}");
    // A car's keypoints (if a model gave any) are not body joints: not lifted.
    let mut car = detection.clone();
    car.label = "car".into();
    let observation = lifted_car(&camera, &car, surroundings);
    assert!(observation.keypoints.is_none());
}

fn lifted_car(
    camera: &Camera,
    detection: &Detection,
    surroundings: Surroundings<'_>,
) -> panoptes_fusion::Observation {
    lifted(
        camera,
        detection,
        "car",
        surroundings,
        &LiftingConfig::default(),
    )
    .unwrap()
}

#[test]
fn feet_above_the_horizon_and_far_objects_are_not_placed() {
    let camera = front_pinhole();
    let config = ground_only();
    let above = detection_at("car", 0.9, (800.0, 300.0), (40.0, 40.0));
    assert_eq!(
        lifted(&camera, &above, "car", Surroundings::default(), &config).map(|o| o.centre),
        Err(Unplaced::NoGround)
    );
    let far = Point3::new(150.0, 0.0, 0.0);
    let detection = detection_at("car", 0.9, pixel_of(&camera, &far), (10.0, 6.0));
    assert_eq!(
        lifted(&camera, &detection, "car", Surroundings::default(), &config).map(|o| o.centre),
        Err(Unplaced::TooFar)
    );
    assert!(default_classes()
        .iter()
        .all(|class| class.size_lwh[0] > 0.0));
}
