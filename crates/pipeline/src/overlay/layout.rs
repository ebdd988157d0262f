//! Where each camera's tile goes: the cameras as they sit on the vehicle, from their azimuths.
//!
//! Seen from above with the vehicle's front up and its left side on the left:
//! - forward-facing cameras (|azimuth| < 75°) form the top row, ordered left to right;
//! - rear-facing cameras (|azimuth| > 105°) form the bottom row, also with the vehicle's left on
//!   the left (back-left, back, back-right), like a map, not mirrored like a driver's mirror;
//! - side cameras (75° to 105°, e.g. fisheye mirror cameras) form a middle row, left-side ones
//!   to the left of a small top-down vehicle icon and right-side ones to its right.
//!
//! A rig that does not fit this picture (more than [`MAX_ROW`] cameras in a row or more than
//! [`MAX_SIDE`] per side) falls back to a grid ordered clockwise from the front.
//!
//! [`OverlayLayout::with_birds_eye`] adds a square bird's-eye-view panel to the right of the
//! tiles, as tall as they are; without it the layout is the cameras' alone.

use super::font::text_height;
use super::OverlayStyle;
use panoptes_rig::{Camera, CameraRig, Vector3};

/// Most cameras in the top or bottom row before the grid fallback.
pub const MAX_ROW: usize = 5;
/// Most side cameras on one side before the grid fallback.
pub const MAX_SIDE: usize = 2;
/// Azimuths within this many degrees of ±90° count as side cameras.
pub const SIDE_BAND_DEGREES: f64 = 15.0;

/// A rectangle in overlay pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Rect {
    /// The centre point.
    pub fn centre(&self) -> (f64, f64) {
        (
            f64::from(self.x) + f64::from(self.width) / 2.0,
            f64::from(self.y) + f64::from(self.height) / 2.0,
        )
    }
}

/// Which part of the layout a camera went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Top row: looking forward.
    Front,
    /// Middle row, left of the vehicle icon.
    Left,
    /// Middle row, right of the vehicle icon.
    Right,
    /// Bottom row: looking backward.
    Back,
    /// The grid fallback.
    Grid,
}

/// One camera's tile.
#[derive(Debug, Clone, PartialEq)]
pub struct TileLayout {
    /// Index of the camera in the rig.
    pub camera: usize,
    /// Azimuth of the optical axis in the ego frame, degrees: 0 forward, +90 left, ±180 back.
    pub azimuth_degrees: f64,
    /// Where it went.
    pub placement: Placement,
    /// The tile (the image fills its width; rows are as tall as their tallest image).
    pub rect: Rect,
}

/// The whole overlay's geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlayLayout {
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// The header line (frame index, timestamp).
    pub header: Rect,
    /// One per rig camera, in rig order.
    pub tiles: Vec<TileLayout>,
    /// The top-down vehicle icon (only when there are side cameras).
    pub vehicle: Option<Rect>,
    /// The bird's-eye-view panel (only from [`OverlayLayout::with_birds_eye`]).
    pub birds_eye: Option<BirdsEyeLayout>,
}

/// Where the bird's-eye-view panel's parts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirdsEyeLayout {
    /// The whole panel: a square right of the tiles.
    pub panel: Rect,
    /// The panel's title line, across its top.
    pub title: Rect,
    /// The grid, a square below the title centred across the panel; the ego origin is at its
    /// centre, ego +x up and +y left.
    pub map: Rect,
}

impl OverlayLayout {
    /// This layout widened by a square bird's-eye-view panel right of the tiles: below the
    /// header, as tall as the tile area, followed by one gap. Applying it twice adds one panel.
    #[must_use]
    pub fn with_birds_eye(mut self, style: &OverlayStyle) -> Self {
        if self.birds_eye.is_some() {
            return self;
        }
        let style = style.clamped();
        let gap = style.gap;
        let top = self.header.height;
        // The tile area ends one gap above the canvas's bottom edge.
        let side = self.height.saturating_sub(top + gap).max(1);
        let panel = Rect {
            x: self.width,
            y: top,
            width: side,
            height: side,
        };
        let title_height = (text_height(style.text_scale) + 2 * style.text_scale).min(side);
        let map_side = side - title_height;
        self.birds_eye = Some(BirdsEyeLayout {
            panel,
            title: Rect {
                height: title_height,
                ..panel
            },
            map: Rect {
                x: panel.x + (side - map_side) / 2,
                y: panel.y + title_height,
                width: map_side,
                height: map_side,
            },
        });
        self.width += side + gap;
        self.header.width = self.width;
        self.height = self.height.max(top + side + gap);
        self
    }
}

/// Azimuth of a camera's optical axis (sensor +z) in the ego frame, degrees in (−180, 180]:
/// 0 forward, +90 left, −90 right.
pub fn azimuth_degrees(camera: &Camera) -> f64 {
    let axis = camera.sensor_to_ego.rotation * Vector3::z();
    axis.y.atan2(axis.x).to_degrees()
}

/// The layout of `rig`'s overlay for `style`.
pub fn overlay_layout(rig: &CameraRig, style: &OverlayStyle) -> OverlayLayout {
    let style = &style.clamped();
    let tile_width = style.tile_width;
    let gap = style.gap;
    let header_height = text_height(style.text_scale) + 2 * style.text_scale + gap;
    let cameras = rig.cameras();
    let azimuths: Vec<f64> = cameras.iter().map(azimuth_degrees).collect();
    let heights: Vec<u32> = cameras
        .iter()
        .map(|camera| tile_height(camera, tile_width))
        .collect();

    let mut groups: [Vec<usize>; 4] = Default::default();
    for (index, azimuth) in azimuths.iter().enumerate() {
        let slot = match classify(*azimuth) {
            Placement::Front => 0,
            Placement::Left => 1,
            Placement::Right => 2,
            _ => 3,
        };
        groups[slot].push(index);
    }
    // Left to right as seen from above, front up: the camera looking further left comes first.
    let lateral = |index: &usize| -azimuths[*index].to_radians().sin();
    for group in &mut groups {
        group.sort_by(|a, b| lateral(a).total_cmp(&lateral(b)));
    }
    let [front, left, right, back] = groups;
    let fits = front.len() <= MAX_ROW
        && back.len() <= MAX_ROW
        && left.len() <= MAX_SIDE
        && right.len() <= MAX_SIDE;

    let mut builder = Builder {
        tile_width,
        gap,
        y: header_height,
        tiles: Vec::new(),
        heights: &heights,
        azimuths: &azimuths,
        vehicle: None,
    };
    let width;
    if fits {
        let side = left.len().max(right.len());
        let has_side = side > 0;
        let columns = front
            .len()
            .max(back.len())
            .max(if has_side { 2 * side + 1 } else { 0 })
            .max(1) as u32;
        width = columns * tile_width + (columns + 1) * gap;
        builder.row(&front, Placement::Front, width);
        if has_side {
            builder.middle_row(&left, &right, width);
        }
        builder.row(&back, Placement::Back, width);
    } else {
        let mut order: Vec<usize> = (0..cameras.len()).collect();
        // Clockwise from the front, seen from above; the nudge keeps a camera at −0.0000001°
        // (rounding) first instead of last.
        let clockwise = |index: &usize| (1e-6 - azimuths[*index]).rem_euclid(360.0);
        order.sort_by(|a, b| clockwise(a).total_cmp(&clockwise(b)));
        let columns = (cameras.len() as f64).sqrt().ceil().max(1.0) as usize;
        width = columns as u32 * tile_width + (columns as u32 + 1) * gap;
        for chunk in order.chunks(columns) {
            builder.row(chunk, Placement::Grid, width);
        }
    }
    let height = builder.y.max(header_height + gap);
    let mut tiles = builder.tiles;
    tiles.sort_by_key(|tile| tile.camera);
    OverlayLayout {
        width,
        height,
        header: Rect {
            x: 0,
            y: 0,
            width,
            height: header_height,
        },
        tiles,
        vehicle: builder.vehicle,
        birds_eye: None,
    }
}

/// The height of a camera's image scaled to `tile_width`.
fn tile_height(camera: &Camera, tile_width: u32) -> u32 {
    let scaled = u64::from(tile_width) * u64::from(camera.height) / u64::from(camera.width.max(1));
    (scaled.clamp(1, u64::from(tile_width) * 4)) as u32
}

fn classify(azimuth: f64) -> Placement {
    let magnitude = azimuth.abs();
    if (magnitude - 90.0).abs() <= SIDE_BAND_DEGREES {
        if azimuth > 0.0 {
            Placement::Left
        } else {
            Placement::Right
        }
    } else if magnitude < 90.0 {
        Placement::Front
    } else {
        Placement::Back
    }
}

struct Builder<'a> {
    tile_width: u32,
    gap: u32,
    y: u32,
    tiles: Vec<TileLayout>,
    heights: &'a [u32],
    azimuths: &'a [f64],
    vehicle: Option<Rect>,
}

impl Builder<'_> {
    /// A row of cameras centred on the canvas.
    fn row(&mut self, cameras: &[usize], placement: Placement, canvas_width: u32) {
        if cameras.is_empty() {
            return;
        }
        let count = cameras.len() as u32;
        let row_width = count * self.tile_width + (count - 1) * self.gap;
        let x = (canvas_width - row_width) / 2;
        let height = self.row_height(cameras);
        for (slot, &camera) in cameras.iter().enumerate() {
            self.place(
                camera,
                placement,
                x + slot as u32 * (self.tile_width + self.gap),
                height,
            );
        }
        self.y += height + self.gap;
    }

    /// Side cameras around the vehicle icon, which sits in the canvas's centre column.
    fn middle_row(&mut self, left: &[usize], right: &[usize], canvas_width: u32) {
        let step = self.tile_width + self.gap;
        let height = self.row_height(left).max(self.row_height(right));
        let centre_x = (canvas_width - self.tile_width) / 2;
        for (slot, &camera) in left.iter().rev().enumerate() {
            let x = centre_x - (slot as u32 + 1) * step;
            self.place(camera, Placement::Left, x, height);
        }
        for (slot, &camera) in right.iter().enumerate() {
            let x = centre_x + (slot as u32 + 1) * step;
            self.place(camera, Placement::Right, x, height);
        }
        self.vehicle = Some(Rect {
            x: centre_x,
            y: self.y,
            width: self.tile_width,
            height,
        });
        self.y += height + self.gap;
    }

    fn row_height(&self, cameras: &[usize]) -> u32 {
        cameras
            .iter()
            .map(|camera| self.heights[*camera])
            .max()
            .unwrap_or(0)
    }

    fn place(&mut self, camera: usize, placement: Placement, x: u32, height: u32) {
        self.tiles.push(TileLayout {
            camera,
            azimuth_degrees: self.azimuths[camera],
            placement,
            rect: Rect {
                x,
                y: self.y,
                width: self.tile_width,
                height,
            },
        });
    }
}
