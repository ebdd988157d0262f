//! The bird's-eye view: a grid around the ego of what covers the ground (drivable, lane,
//! sidewalk, object, unknown), from every camera's segmentation lifted by the ground plane, with
//! the objects' footprints on top.
//!
//! Each cell's centre on the ground plane is projected into the cameras once, when the rig is
//! known; per frame set a cell reads the class of its pixel in the nearest camera that sees it
//! (the next nearest when that camera is missing). Row 0 is the front edge (ego +x), column 0
//! the left edge (ego +y), as on a map with the vehicle heading up.

use nalgebra::{Point3, Vector2};
use ndarray::ArrayView2;
use panoptes_rig::CameraRig;
use serde::Serialize;

use crate::config::BevConfig;
use crate::error::FusionError;

/// Cameras remembered per cell, nearest first.
const CANDIDATES: usize = 2;

/// What covers one cell. The discriminant is the value written to `bev/<frame>.png`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum BevCategory {
    /// Not seen, or seen as something that is not on the ground (sky, building).
    Unknown = 0,
    /// Road a vehicle may drive on.
    Drivable = 1,
    /// Lane marking.
    Lane = 2,
    /// Sidewalk.
    Sidewalk = 3,
    /// An object standing there (segmentation or an object's footprint).
    Object = 4,
}

impl BevCategory {
    /// Every category, in value order.
    pub const ALL: [Self; 5] = [
        Self::Unknown,
        Self::Drivable,
        Self::Lane,
        Self::Sidewalk,
        Self::Object,
    ];

    /// Colour in the PNG's palette and the overlay.
    pub fn colour(self) -> [u8; 3] {
        match self {
            Self::Unknown => [32, 32, 36],
            Self::Drivable => [128, 64, 128],
            Self::Lane => [250, 250, 110],
            Self::Sidewalk => [232, 120, 200],
            Self::Object => [235, 60, 50],
        }
    }

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Drivable => "drivable",
            Self::Lane => "lane",
            Self::Sidewalk => "sidewalk",
            Self::Object => "object",
        }
    }

    /// Which of two categories seen at one pixel by two heads wins: objects, then lanes
    /// (painted on the road), sidewalks, drivable ground.
    fn priority(self) -> u8 {
        match self {
            Self::Unknown => 0,
            Self::Drivable => 1,
            Self::Sidewalk => 2,
            Self::Lane => 3,
            Self::Object => 4,
        }
    }
}

/// The category of each class id of a segmentation head, by class name (see [`BevConfig`]).
pub fn categories_of(classes: &[String], config: &BevConfig) -> Vec<BevCategory> {
    classes
        .iter()
        .map(|name| {
            let listed = |names: &[String]| names.iter().any(|known| known == name);
            if listed(&config.object) {
                BevCategory::Object
            } else if listed(&config.lane) {
                BevCategory::Lane
            } else if listed(&config.sidewalk) {
                BevCategory::Sidewalk
            } else if listed(&config.drivable) {
                BevCategory::Drivable
            } else {
                BevCategory::Unknown
            }
        })
        .collect()
}

/// The category at `(column, row)` of a camera seen by its segmentation layers: the
/// strongest any layer gives (see [`BevCategory`]'s priority), unknown outside the maps.
pub fn category_at(layers: &[BevLayer<'_>], column: usize, row: usize) -> BevCategory {
    layers
        .iter()
        .filter_map(|layer| {
            let id = layer.ids.get((row, column))?;
            Some(
                layer
                    .categories
                    .get(usize::from(*id))
                    .copied()
                    .unwrap_or(BevCategory::Unknown),
            )
        })
        .max_by_key(|category| category.priority())
        .unwrap_or(BevCategory::Unknown)
}

/// One segmentation map of one camera: class ids at the camera's resolution and what each id
/// means on the ground.
#[derive(Debug, Clone, Copy)]
pub struct BevLayer<'a> {
    /// Class id per pixel, `[height, width]`.
    pub ids: ArrayView2<'a, u8>,
    /// Category per class id (ids beyond it are unknown).
    pub categories: &'a [BevCategory],
}

/// A grid of categories around the ego.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BevGrid {
    side: usize,
    cell_mm: u32,
    cells: Vec<BevCategory>,
}

impl BevGrid {
    /// An all-unknown grid of `side × side` cells of `cell_m` metres.
    pub fn unknown(side: usize, cell_m: f64) -> Self {
        Self {
            side,
            cell_mm: (cell_m * 1000.0).round() as u32,
            cells: vec![BevCategory::Unknown; side * side],
        }
    }

    /// Cells along each side.
    pub fn side(&self) -> usize {
        self.side
    }

    /// A cell's side, metres.
    pub fn cell_m(&self) -> f64 {
        f64::from(self.cell_mm) / 1000.0
    }

    /// The cells, row-major from the front-left corner.
    pub fn cells(&self) -> &[BevCategory] {
        &self.cells
    }

    /// The category at `(row, column)`.
    pub fn get(&self, row: usize, column: usize) -> Option<BevCategory> {
        (row < self.side && column < self.side).then(|| self.cells[row * self.side + column])
    }

    /// The cell holding the ego-frame ground point `(x, y)`.
    pub fn cell_of(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let half = self.side as f64 * self.cell_m() / 2.0;
        let row = (half - x) / self.cell_m();
        let column = (half - y) / self.cell_m();
        let side = self.side as f64;
        ((0.0..side).contains(&row) && (0.0..side).contains(&column))
            .then_some((row as usize, column as usize))
    }

    /// The ego-frame ground point at the centre of `(row, column)`.
    pub fn centre_of(&self, row: usize, column: usize) -> (f64, f64) {
        let half = self.side as f64 * self.cell_m() / 2.0;
        (
            half - (row as f64 + 0.5) * self.cell_m(),
            half - (column as f64 + 0.5) * self.cell_m(),
        )
    }

    /// Marks as [`BevCategory::Object`] every cell whose centre lies in the rectangle of
    /// `length × width` metres centred on `(x, y)`, its length along `yaw` (radians from ego x).
    pub fn draw_footprint(&mut self, centre: Vector2<f64>, length: f64, width: f64, yaw: f64) {
        let (sin, cos) = yaw.sin_cos();
        // A circle around the rectangle bounds the cells to test.
        let reach = length.hypot(width) / 2.0 + self.cell_m();
        let half_grid = self.side as f64 * self.cell_m() / 2.0;
        if (centre.x.abs() - reach) > half_grid || (centre.y.abs() - reach) > half_grid {
            return;
        }
        let index =
            |value: f64| (value / self.cell_m()).clamp(0.0, self.side as f64 - 1.0) as usize;
        let row_range = (
            index(half_grid - centre.x - reach),
            index(half_grid - centre.x + reach),
        );
        let column_range = (
            index(half_grid - centre.y - reach),
            index(half_grid - centre.y + reach),
        );
        for row in row_range.0..=row_range.1 {
            for column in column_range.0..=column_range.1 {
                let (x, y) = self.centre_of(row, column);
                let offset = Vector2::new(x - centre.x, y - centre.y);
                let along = offset.x * cos + offset.y * sin;
                let across = -offset.x * sin + offset.y * cos;
                if along.abs() <= length / 2.0 && across.abs() <= width / 2.0 {
                    self.cells[row * self.side + column] = BevCategory::Object;
                }
            }
        }
    }

    /// Cells of `category` in both grids and in either, for IoU over many frames. Grids of
    /// different sizes give `None`.
    pub fn overlap(&self, other: &Self, category: BevCategory) -> Option<(u64, u64)> {
        if self.side != other.side || self.cell_mm != other.cell_mm {
            return None;
        }
        let (mut both, mut either) = (0, 0);
        for (left, right) in self.cells.iter().zip(&other.cells) {
            let (left, right) = (*left == category, *right == category);
            both += u64::from(left && right);
            either += u64::from(left || right);
        }
        Some((both, either))
    }

    /// An indexed-colour PNG: each pixel's value is its [`BevCategory`], shown in its colour.
    pub fn encode_png(&self) -> Result<Vec<u8>, FusionError> {
        let side = u32::try_from(self.side).map_err(|_| png::EncodingError::LimitsExceeded)?;
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, side, side);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        let palette: Vec<u8> = BevCategory::ALL
            .iter()
            .flat_map(|category| category.colour())
            .collect();
        encoder.set_palette(palette);
        encoder.set_compression(png::Compression::Fastest);
        let mut writer = encoder.write_header()?;
        let values: Vec<u8> = self.cells.iter().map(|category| *category as u8).collect();
        writer.write_image_data(&values)?;
        writer.finish()?;
        Ok(bytes)
    }
}

/// A cell's pixel in one camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sight {
    camera: u16,
    column: u32,
    row: u32,
}

/// The cameras that see each cell, found once per rig.
#[derive(Debug, Clone)]
pub struct BevProjector {
    side: usize,
    cell_m: f64,
    sizes: Vec<(usize, usize)>,
    sights: Vec<[Option<Sight>; CANDIDATES]>,
}

impl BevProjector {
    /// Projects every cell's centre at height `ground_z` into every camera of `rig`.
    pub fn new(rig: &CameraRig, config: &BevConfig, ground_z: f64) -> Self {
        let side = config.cells_per_side();
        let grid = BevGrid::unknown(side, config.cell_m);
        let mut sights = Vec::with_capacity(side * side);
        for row in 0..side {
            for column in 0..side {
                let (x, y) = grid.centre_of(row, column);
                let point = Point3::new(x, y, ground_z);
                let mut seen: Vec<(f64, Sight)> = rig
                    .cameras()
                    .iter()
                    .enumerate()
                    .filter_map(|(index, camera)| {
                        let pixel = camera.project_ego_in_image(&point)?;
                        let distance =
                            (point - Point3::from(camera.sensor_to_ego.translation.vector)).norm();
                        Some((
                            distance,
                            Sight {
                                camera: index as u16,
                                column: pixel.x as u32,
                                row: pixel.y as u32,
                            },
                        ))
                    })
                    .collect();
                seen.sort_by(|left, right| left.0.total_cmp(&right.0));
                let mut candidates = [None; CANDIDATES];
                for (slot, (_, sight)) in candidates.iter_mut().zip(seen) {
                    *slot = Some(sight);
                }
                sights.push(candidates);
            }
        }
        Self {
            side,
            cell_m: grid.cell_m(),
            sizes: rig
                .cameras()
                .iter()
                .map(|camera| (camera.height as usize, camera.width as usize))
                .collect(),
            sights,
        }
    }

    /// Cells along each side.
    pub fn side(&self) -> usize {
        self.side
    }

    /// The grid of one frame set from `layers[camera]` (rig order; empty for a camera with no
    /// segmentation this time). Layers whose size is not their camera's are not read.
    pub fn grid(&self, layers: &[Vec<BevLayer<'_>>]) -> BevGrid {
        let mut grid = BevGrid::unknown(self.side, self.cell_m);
        let usable: Vec<Vec<BevLayer<'_>>> = self
            .sizes
            .iter()
            .enumerate()
            .map(|(camera, size)| {
                layers
                    .get(camera)
                    .map(|layers| {
                        layers
                            .iter()
                            .filter(|layer| layer.ids.dim() == *size)
                            .copied()
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        for (cell, sights) in grid.cells.iter_mut().zip(&self.sights) {
            let Some(sight) = sights
                .iter()
                .flatten()
                .find(|sight| !usable[usize::from(sight.camera)].is_empty())
            else {
                continue;
            };
            *cell = category_at(
                &usable[usize::from(sight.camera)],
                sight.column as usize,
                sight.row as usize,
            );
        }
        grid
    }
}
