//! Round trips and known answers of the camera models.
#![allow(clippy::unwrap_used)]

use panoptes_rig::{
    Camera, CameraModel, Isometry3, Point2, Point3, Translation3, UnitQuaternion, Vector3,
};

/// A real-looking distorted pinhole (OpenCV calibration of a 1280×720 automotive camera).
fn distorted_pinhole() -> CameraModel {
    CameraModel::Pinhole {
        fx: 1000.0,
        fy: 995.0,
        cx: 640.5,
        cy: 360.25,
        distortion: [-0.28, 0.07, 0.0012, -0.0008, -0.008],
    }
}

/// WoodScape-like fisheye coefficients (1280×966, ~190° field of view).
fn woodscape_fisheye() -> CameraModel {
    CameraModel::KannalaBrandt {
        fx: 330.0,
        fy: 330.0,
        cx: 640.0,
        cy: 483.0,
        k: [0.0395, -0.0073, 0.0022, -0.0004],
    }
}

fn grid(width: f64, height: f64, steps: usize) -> Vec<Point2<f64>> {
    let mut pixels = Vec::new();
    for row in 0..=steps {
        for column in 0..=steps {
            pixels.push(Point2::new(
                width * column as f64 / steps as f64,
                height * row as f64 / steps as f64,
            ));
        }
    }
    pixels
}

#[test]
fn pinhole_with_distortion_round_trips_every_pixel_within_1e_9() {
    let model = distorted_pinhole();
    for pixel in grid(1280.0, 720.0, 24) {
        let ray = model.unproject(&pixel);
        let back = model
            .project(&Point3::from(ray.into_inner() * 7.5))
            .unwrap();
        assert!(
            (back - pixel).norm() < 1e-9,
            "pixel {pixel} came back as {back}"
        );
    }
}

#[test]
fn pinhole_point_round_trips_to_the_same_ray() {
    let model = distorted_pinhole();
    let point = Point3::new(-2.0, 1.1, 6.0);
    let pixel = model.project(&point).unwrap();
    let ray = model.unproject(&pixel);
    let expected = point.coords.normalize();
    assert!((ray.into_inner() - expected).norm() < 1e-12);
}

#[test]
fn ideal_pinhole_matches_the_textbook_formula() {
    let model = CameraModel::pinhole(1266.417203046554, 1266.417203046554, 816.267, 491.507);
    let pixel = model.project(&Point3::new(1.0, -0.5, 10.0)).unwrap();
    assert!((pixel.x - (816.267 + 126.6417203046554)).abs() < 1e-9);
    assert!((pixel.y - (491.507 - 63.320_860_152_327_7)).abs() < 1e-9);
    assert!(model.project(&Point3::new(0.0, 0.0, -1.0)).is_none());
}

#[test]
fn fisheye_round_trips_up_to_95_degrees_off_axis() {
    let model = woodscape_fisheye();
    for degrees in 0..=95 {
        let theta = f64::from(degrees).to_radians();
        for azimuth in [0.0_f64, 0.7, 1.9, 3.0, 4.4, 5.8] {
            let direction = Vector3::new(
                theta.sin() * azimuth.cos(),
                theta.sin() * azimuth.sin(),
                theta.cos(),
            );
            let pixel = model.project(&Point3::from(direction * 3.0)).unwrap();
            let ray = model.unproject(&pixel);
            assert!(
                (ray.into_inner() - direction).norm() < 1e-9,
                "{degrees}° at azimuth {azimuth}: ray {ray:?}"
            );
            let back = model.project(&Point3::from(ray.into_inner())).unwrap();
            assert!((back - pixel).norm() < 1e-9, "{degrees}°: {pixel} → {back}");
        }
    }
}

#[test]
fn fisheye_sees_behind_its_centre_plane_but_not_straight_back() {
    let model = woodscape_fisheye();
    // 95° off axis is behind the centre plane (z < 0) yet inside a 190° field of view.
    let theta = 95_f64.to_radians();
    assert!(model
        .project(&Point3::new(theta.sin(), 0.0, theta.cos()))
        .is_some());
    assert!(model.project(&Point3::new(0.0, 0.0, -1.0)).is_none());
}

#[test]
fn fisheye_without_distortion_is_equidistant() {
    let model = CameraModel::KannalaBrandt {
        fx: 300.0,
        fy: 300.0,
        cx: 500.0,
        cy: 400.0,
        k: [0.0; 4],
    };
    // Equidistant: radius in pixels = f·θ; 90° off axis along +x lands at 500 + 300·π/2.
    let pixel = model.project(&Point3::new(1.0, 0.0, 0.0)).unwrap();
    assert!((pixel.x - (500.0 + 300.0 * std::f64::consts::FRAC_PI_2)).abs() < 1e-9);
    assert!((pixel.y - 400.0).abs() < 1e-9);
}

/// A forward camera 1.5 m above the ground, looking along ego +x, in OpenCV sensor axes.
fn forward_camera() -> Camera {
    // Columns: sensor x (right) → ego −y, sensor y (down) → ego −z, sensor z (forward) → ego +x.
    let rotation = nalgebra::Rotation3::from_matrix_unchecked(nalgebra::Matrix3::new(
        0.0, 0.0, 1.0, //
        -1.0, 0.0, 0.0, //
        0.0, -1.0, 0.0,
    ));
    Camera::new(
        "FRONT",
        CameraModel::pinhole(800.0, 800.0, 640.0, 360.0),
        1280,
        720,
        Isometry3::from_parts(
            Translation3::new(1.5, 0.0, 1.5),
            UnitQuaternion::from_rotation_matrix(&rotation),
        ),
    )
}

#[test]
fn ground_intersection_finds_the_point_the_pixel_was_projected_from() {
    let camera = forward_camera();
    let ground_point = Point3::new(12.0, -2.5, 0.0);
    let pixel = camera.project_ego(&ground_point).unwrap();
    // 10.5 m ahead of the camera, 2.5 m to its right, 1.5 m below it.
    assert!((pixel.x - (640.0 + 800.0 * 2.5 / 10.5)).abs() < 1e-9);
    assert!((pixel.y - (360.0 + 800.0 * 1.5 / 10.5)).abs() < 1e-9);
    let found = camera.ground_intersection(&pixel, 0.0).unwrap();
    assert!((found - ground_point).norm() < 1e-9, "found {found}");
}

#[test]
fn ground_intersection_is_none_above_the_horizon() {
    let camera = forward_camera();
    assert!(camera
        .ground_intersection(&Point2::new(640.0, 100.0), 0.0)
        .is_none());
    assert!(camera
        .ground_intersection(&Point2::new(640.0, 360.0), 0.0)
        .is_none());
}
