//! The overlay's bird's-eye-view panel: where it goes, the grid's colours in it, and objects'
//! footprints placed front up and left on the left around the ego marker.
#![allow(clippy::unwrap_used)]

use image::{Rgb, RgbImage};
use ndarray::Array2;
use panoptes_fusion::{
    BevCategory, BevConfig, BevGrid, BevLayer, BevProjector, EgoObject, LiftMethod,
};
use panoptes_pipeline::{
    detection_color, overlay_layout, render_overlay, BirdsEye, BirdsEyeLayout, OverlayRect,
    OverlayStyle,
};
use panoptes_rig::{
    Camera, CameraModel, CameraRig, Isometry3, Translation3, UnitQuaternion, Vector3,
};
use std::f64::consts::FRAC_PI_2;

/// Sensor (x right, y down, z forward) to ego looking forward: Rz(−90°)·Rx(−90°).
fn facing_forward() -> UnitQuaternion<f64> {
    UnitQuaternion::from_euler_angles(-FRAC_PI_2, 0.0, -FRAC_PI_2)
}

/// A 1600×900 camera at `yaw` degrees, for the tiles (their content does not matter here).
fn camera(name: &str, yaw: f64) -> Camera {
    let aim = UnitQuaternion::from_axis_angle(&Vector3::z_axis(), yaw.to_radians());
    let pose = Isometry3::from_parts(Translation3::new(0.0, 0.0, 1.5), aim * facing_forward());
    Camera::new(
        name,
        CameraModel::pinhole(1600.0, 1600.0, 800.0, 450.0),
        1600,
        900,
        pose,
    )
}

/// Front and back tiles: two rows, so the panel is 544 pixels square with the default style.
fn rig() -> CameraRig {
    CameraRig::new(vec![camera("CAM_FRONT", 0.0), camera("CAM_BACK", 180.0)]).unwrap()
}

/// 40 × 40 cells of 1 m from a 400×400 camera 30 m above the origin looking straight down
/// (image up = ego front, image left = ego left, 200 pixels per 30 m on the ground): drivable
/// for |y| < 15 m, a lane marking at |y| < 0.6 m beyond x = 12 m, unknown elsewhere.
fn grid() -> BevGrid {
    let down = UnitQuaternion::from_axis_angle(&Vector3::y_axis(), FRAC_PI_2);
    let pose = Isometry3::from_parts(Translation3::new(0.0, 0.0, 30.0), down * facing_forward());
    let model = CameraModel::pinhole(200.0, 200.0, 200.0, 200.0);
    let rig = CameraRig::new(vec![Camera::new("DOWN", model, 400, 400, pose)]).unwrap();
    let config = BevConfig {
        extent_m: 40.0,
        cell_m: 1.0,
        ..BevConfig::default()
    };
    let projector = BevProjector::new(&rig, &config, 0.0);
    let ids = Array2::from_shape_fn((400, 400), |(row, column)| {
        if (196..204).contains(&column) && row < 120 {
            2
        } else {
            u8::from((100..300).contains(&column))
        }
    });
    let categories = [
        BevCategory::Unknown,
        BevCategory::Drivable,
        BevCategory::Lane,
    ];
    let layer = BevLayer {
        ids: ids.view(),
        categories: &categories,
    };
    projector.grid(&[vec![layer]])
}

fn object(id: Option<u64>, class_id: usize, position: [f32; 3], yaw: Option<f32>) -> EgoObject {
    EgoObject {
        id,
        confirmed: id.map(|_| true),
        class: "car".into(),
        label: "car".into(),
        head: "objects".into(),
        class_id,
        score: 0.9,
        position,
        distance: position[0].hypot(position[1]),
        position_covariance: [0.25, 0.0, 0.25],
        size_lwh: [4.0, 2.0, 1.6],
        yaw,
        velocity: None,
        cameras: vec!["CAM_FRONT".into()],
        method: LiftMethod::Ground,
        clipped: false,
        keypoints: None,
    }
}

/// Where the ego-frame ground point (x, y) lands in the map: front up, left on the left.
fn pixel_of(map: OverlayRect, grid: &BevGrid, x: f64, y: f64) -> (u32, u32) {
    let per_metre = f64::from(map.width) / (grid.side() as f64 * grid.cell_m());
    let (centre_x, centre_y) = map.centre();
    (
        (centre_x - y * per_metre).round() as u32,
        (centre_y - x * per_metre).round() as u32,
    )
}

/// The bounding box `[left, top, right, bottom]` of the map's pixels in `color`.
fn extent_of(overlay: &RgbImage, map: OverlayRect, color: Rgb<u8>) -> Option<[u32; 4]> {
    let mut extent: Option<[u32; 4]> = None;
    for y in map.y..map.y + map.height {
        for x in map.x..map.x + map.width {
            if *overlay.get_pixel(x, y) == color {
                let [left, top, right, bottom] = extent.get_or_insert([x, y, x, y]);
                *left = (*left).min(x);
                *top = (*top).min(y);
                *right = (*right).max(x);
                *bottom = (*bottom).max(y);
            }
        }
    }
    extent
}

fn panel(style: &OverlayStyle) -> BirdsEyeLayout {
    overlay_layout(&rig(), style)
        .with_birds_eye(style)
        .birds_eye
        .unwrap()
}

#[test]
fn the_panel_widens_the_canvas_right_of_the_tiles_and_none_keeps_the_old_layout() {
    let (rig, style, grid) = (rig(), OverlayStyle::default(), grid());
    let plain = overlay_layout(&rig, &style);
    assert_eq!(plain.birds_eye, None);
    let widened = plain.clone().with_birds_eye(&style);
    assert_eq!(widened.tiles, plain.tiles);
    assert_eq!(widened.clone().with_birds_eye(&style).width, widened.width);
    let BirdsEyeLayout { panel, title, map } = widened.birds_eye.unwrap();
    // As tall as the tile area (two 270-pixel rows and the gap between), just below the header.
    assert_eq!((panel.x, panel.y), (plain.width, plain.header.height));
    assert_eq!((panel.width, panel.height), (544, 544));
    assert_eq!(widened.width, plain.width + panel.width + style.gap);
    assert_eq!(widened.height, plain.height);
    assert_eq!(title.y + title.height, map.y);
    assert_eq!(map.y + map.height, panel.y + panel.height);

    let without = render_overlay(&rig, 1, 2, &[], &style, None);
    assert_eq!(
        (without.width(), without.height()),
        (plain.width, plain.height)
    );
    let objects = [object(Some(7), 2, [10.0, 5.0, 0.8], None)];
    let bird = BirdsEye {
        grid: &grid,
        objects: &objects,
    };
    let with = render_overlay(&rig, 1, 2, &[], &style, Some(bird));
    assert_eq!(
        (with.width(), with.height()),
        (widened.width, widened.height)
    );
    // The tiles are drawn the same either way; only the header's text differs.
    for tile in &plain.tiles {
        let rect = tile.rect;
        for (x, y) in (rect.y..rect.y + rect.height)
            .flat_map(|y| (rect.x..rect.x + rect.width).map(move |x| (x, y)))
        {
            assert_eq!(with.get_pixel(x, y), without.get_pixel(x, y), "({x}, {y})");
        }
    }
}

#[test]
fn grid_cells_keep_their_category_colours_in_the_panel() {
    let (rig, style, grid) = (rig(), OverlayStyle::default(), grid());
    let at = |x: f64, y: f64| {
        let (row, column) = grid.cell_of(x, y).unwrap();
        grid.get(row, column).unwrap()
    };
    assert_eq!(at(-10.0, 5.0), BevCategory::Drivable);
    assert_eq!(at(15.0, 0.5), BevCategory::Lane);
    assert_eq!(at(-10.0, 18.0), BevCategory::Unknown);
    let bird = BirdsEye {
        grid: &grid,
        objects: &[],
    };
    let overlay = render_overlay(&rig, 0, 0, &[], &style, Some(bird));
    let map = panel(&style).map;
    for (x, y, category) in [
        (-10.5, 5.5, BevCategory::Drivable),
        (15.5, 0.5, BevCategory::Lane),
        (-10.5, 18.5, BevCategory::Unknown),
        (4.5, -12.5, BevCategory::Drivable),
    ] {
        let (column, row) = pixel_of(map, &grid, x, y);
        let expected = Rgb(category.colour());
        assert_eq!(*overlay.get_pixel(column, row), expected, "({x}, {y})");
    }
}

#[test]
fn footprints_sit_front_up_and_left_on_the_left_of_the_ego_marker() {
    let (rig, style, grid) = (rig(), OverlayStyle::default(), grid());
    // Ahead and to the left, heading unknown; behind and to the right, turned to face left.
    let objects = [
        object(Some(7), 2, [10.0, 5.0, 0.8], None),
        object(None, 5, [-10.0, -8.0, 0.8], Some(FRAC_PI_2 as f32)),
    ];
    let bird = BirdsEye {
        grid: &grid,
        objects: &objects,
    };
    let overlay = render_overlay(&rig, 0, 0, &[], &style, Some(bird));
    let map = panel(&style).map;
    let per_metre = f64::from(map.width) / 40.0;
    let (ego_x, ego_y) = pixel_of(map, &grid, 0.0, 0.0);
    let drivable = Rgb(BevCategory::Drivable.colour());
    assert_ne!(*overlay.get_pixel(ego_x, ego_y), drivable, "ego marker");
    let beside = pixel_of(map, &grid, 0.0, 3.0);
    assert_eq!(*overlay.get_pixel(beside.0, beside.1), drivable);

    // 4 m long along x (up), 2 m wide along y, centred 10 m ahead and 5 m left.
    let [left, top, right, bottom] = extent_of(&overlay, map, detection_color(2)).unwrap();
    assert!(bottom < ego_y && right < ego_x, "ahead-left of the ego");
    let close = |got: u32, want: f64| (f64::from(got) - want).abs() <= 2.0;
    let (expect_left, expect_top) = pixel_of(map, &grid, 12.0, 6.0);
    let (expect_right, expect_bottom) = pixel_of(map, &grid, 8.0, 4.0);
    assert!(close(left, f64::from(expect_left)), "{left} {expect_left}");
    assert!(close(top, f64::from(expect_top)), "{top} {expect_top}");
    assert!(close(right, f64::from(expect_right)), "{right}");
    assert!(close(bottom, f64::from(expect_bottom)), "{bottom}");
    // An outline: the object's centre still shows the ground.
    let centre = pixel_of(map, &grid, 10.0, 5.0);
    assert_eq!(*overlay.get_pixel(centre.0, centre.1), drivable);
    // Its id is written just right of it.
    let white = Rgb([255, 255, 255]);
    let id_area =
        (centre.1 - 6..centre.1 + 6).flat_map(|y| (right + 1..right + 16).map(move |x| (x, y)));
    assert!(id_area
        .into_iter()
        .any(|(x, y)| *overlay.get_pixel(x, y) == white));

    // Yawed a quarter turn: 4 m across (y) and 2 m along x, behind and to the right.
    let [left, top, right, bottom] = extent_of(&overlay, map, detection_color(5)).unwrap();
    assert!(top > ego_y && left > ego_x, "behind-right of the ego");
    let (width, height) = (f64::from(right - left), f64::from(bottom - top));
    assert!((width - 4.0 * per_metre).abs() <= 3.0, "{width}");
    assert!((height - 2.0 * per_metre).abs() <= 3.0, "{height}");
}

#[test]
fn an_empty_grid_and_odd_objects_draw_without_panicking() {
    let (rig, style) = (rig(), OverlayStyle::default());
    let empty = BevGrid::unknown(0, 1.0);
    let mut odd = object(Some(u64::MAX), usize::MAX, [f32::NAN, 1.0, 0.0], None);
    let mut huge = object(Some(1), 0, [1.0e30, -1.0e30, 0.0], Some(f32::INFINITY));
    huge.size_lwh = [1.0e30, f32::NAN, 1.0];
    odd.size_lwh = [-3.0, 0.0, 0.0];
    let objects = [odd, huge];
    for grid in [&empty, &grid()] {
        let bird = BirdsEye {
            grid,
            objects: &objects,
        };
        let overlay = render_overlay(&rig, 0, 0, &[], &style, Some(bird));
        assert_eq!(overlay.width(), panel(&style).panel.x + 544 + style.gap);
    }
}
