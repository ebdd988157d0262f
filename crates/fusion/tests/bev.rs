//! The bird's-eye view with known answers, and the fusion settings' errors.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use nalgebra::Vector2;
use panoptes_fusion::{
    categories_of, BevCategory, BevConfig, BevGrid, BevLayer, BevProjector, FusionConfig,
};

fn small_bev() -> BevConfig {
    BevConfig {
        extent_m: 40.0,
        cell_m: 0.5,
        ..BevConfig::default()
    }
}

#[test]
fn road_seen_by_the_front_camera_fills_the_cells_ahead_and_only_those() {
    let camera = front_pinhole();
    let rig = rig(vec![camera.clone()]);
    let projector = BevProjector::new(&rig, &small_bev(), 0.0);
    assert_eq!(projector.side(), 80);
    // Road in the lower half of the image (below the horizon), sky above.
    let mut ids = ndarray::Array2::<u8>::zeros((900, 1600));
    ids.slice_mut(ndarray::s![450.., ..]).fill(2);
    let categories = categories_of(
        &["sky".to_owned(), "building".to_owned(), "road".to_owned()],
        &small_bev(),
    );
    assert_eq!(
        categories,
        [
            BevCategory::Unknown,
            BevCategory::Unknown,
            BevCategory::Drivable
        ]
    );
    let layers = vec![vec![BevLayer {
        ids: ids.view(),
        categories: &categories,
    }]];
    let grid = projector.grid(&layers);
    let at = |x: f64, y: f64| {
        let (row, column) = grid.cell_of(x, y).unwrap();
        grid.get(row, column).unwrap()
    };
    assert_eq!(at(15.0, 0.0), BevCategory::Drivable);
    assert_eq!(at(15.0, 3.0), BevCategory::Drivable);
    // Behind the camera and outside its 64° field of view: not seen.
    assert_eq!(at(-10.0, 0.0), BevCategory::Unknown);
    assert_eq!(at(5.0, 15.0), BevCategory::Unknown);
    // A camera with no segmentation this time leaves its cells unknown.
    let none = projector.grid(&[Vec::new()]);
    assert!(none
        .cells()
        .iter()
        .all(|cell| *cell == BevCategory::Unknown));
}

#[test]
fn the_nearest_camera_that_sees_a_cell_decides_it_and_a_missing_one_gives_way() {
    let front = front_pinhole();
    let mut second = front_pinhole();
    second.name = "FRONT_HIGH".into();
    second.sensor_to_ego.translation.vector.x = -3.0;
    let rig = rig(vec![front.clone(), second]);
    let projector = BevProjector::new(&rig, &small_bev(), 0.0);
    let road = uniform_classes(&front, 1, 2);
    let sidewalk = uniform_classes(&front, 0, 2);
    let categories = [BevCategory::Sidewalk, BevCategory::Drivable];
    let road_layer = BevLayer {
        ids: road.ids().view(),
        categories: &categories,
    };
    let sidewalk_layer = BevLayer {
        ids: sidewalk.ids().view(),
        categories: &categories,
    };
    let both = projector.grid(&[vec![road_layer], vec![sidewalk_layer]]);
    let (row, column) = both.cell_of(12.0, 0.0).unwrap();
    assert_eq!(both.get(row, column), Some(BevCategory::Drivable));
    let without_front = projector.grid(&[Vec::new(), vec![sidewalk_layer]]);
    assert_eq!(without_front.get(row, column), Some(BevCategory::Sidewalk));
}

#[test]
fn footprints_are_rotated_rectangles_and_the_png_keeps_the_categories() {
    let mut grid = BevGrid::unknown(40, 0.5);
    // A 4 × 2 m car at (5, −3), heading 90° (along +y).
    grid.draw_footprint(
        Vector2::new(5.0, -3.0),
        4.0,
        2.0,
        std::f64::consts::FRAC_PI_2,
    );
    let at = |grid: &BevGrid, x: f64, y: f64| {
        let (row, column) = grid.cell_of(x, y).unwrap();
        grid.get(row, column).unwrap()
    };
    assert_eq!(at(&grid, 5.0, -3.0), BevCategory::Object);
    assert_eq!(at(&grid, 5.0, -1.3), BevCategory::Object);
    assert_eq!(at(&grid, 6.6, -3.0), BevCategory::Unknown);
    let cells = grid
        .cells()
        .iter()
        .filter(|cell| **cell == BevCategory::Object)
        .count();
    assert_eq!(cells, 32, "8 m² of 0.25 m² cells");
    // Row 0 is the front edge, column 0 the left edge.
    assert_eq!(grid.cell_of(9.9, 9.9), Some((0, 0)));
    assert_eq!(grid.cell_of(-9.9, -9.9), Some((39, 39)));
    assert_eq!(grid.cell_of(10.1, 0.0), None);
    // A footprint far outside the grid draws nothing.
    let mut outside = BevGrid::unknown(40, 0.5);
    outside.draw_footprint(Vector2::new(80.0, 0.0), 4.0, 2.0, 0.0);
    assert!(outside
        .cells()
        .iter()
        .all(|cell| *cell == BevCategory::Unknown));

    let bytes = grid.encode_png().unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let palette = reader.info().palette.as_ref().unwrap().to_vec();
    assert_eq!(&palette[12..15], &BevCategory::Object.colour());
    let mut values = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut values).unwrap();
    let (row, column) = grid.cell_of(5.0, -3.0).unwrap();
    assert_eq!(values[row * 40 + column], BevCategory::Object as u8);
    assert_eq!(values[0], BevCategory::Unknown as u8);
    let (both, either) = grid.overlap(&outside, BevCategory::Object).unwrap();
    assert_eq!((both, either), (0, 32));
}

#[test]
fn settings_errors_name_the_field() {
    let error = FusionConfig::from_toml_str("[bev]\ncell_m = 0.0001\n").unwrap_err();
    assert_eq!(error.field(), Some("bev.cell_m"));
    assert!(error.to_string().contains("cells a side"), "{error}");
    let error = FusionConfig::from_toml_str("[lifting]\npolicy = \"sonar\"\n").unwrap_err();
    assert_eq!(error.field(), Some("lifting.policy"));
    let error = FusionConfig::from_toml_str("[merge]\ngate = 1.0\n").unwrap_err();
    assert!(error.to_string().contains("gate"), "{error}");
    let error = FusionConfig::from_toml_str(
        "[[classes]]\nname = \"car\"\nlabels = [\"car\"]\nsize_lwh = [4.5, -1.0, 1.5]\n",
    )
    .unwrap_err();
    assert_eq!(error.field(), Some("classes[0].size_lwh"));
    let error = FusionConfig::from_toml_str(
        "[[classes]]\nname = \"a\"\nlabels = [\"car\"]\nsize_lwh = [1.0, 1.0, 1.0]\n\
         [[classes]]\nname = \"b\"\nlabels = [\"car\"]\nsize_lwh = [1.0, 1.0, 1.0]\n",
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("already a label of class `a`"),
        "{error}"
    );
    let config = FusionConfig::from_toml_str("[tracking]\nconfirm_hits = 2\n").unwrap();
    assert_eq!(config.tracking.confirm_hits, 2);
    assert_eq!(config.classes, FusionConfig::default().classes);
    // A depth policy without a depth head that says what it measures is refused at start-up.
    let rig = rig(vec![front_pinhole()]);
    let config = FusionConfig::from_toml_str("[lifting]\npolicy = \"depth\"\n").unwrap();
    let error = panoptes_fusion::Fusion::new(&rig, &[], config).unwrap_err();
    assert!(error.to_string().contains("measured_along"), "{error}");
}
