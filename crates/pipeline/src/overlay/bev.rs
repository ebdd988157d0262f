//! The bird's-eye-view panel: the fused grid around the ego with range rings, the ego vehicle,
//! each object's footprint and a legend, front up and the vehicle's left on the left.

use super::colors::{detection_color, GUIDE, TEXT, TEXT_BACKGROUND, VEHICLE_BODY};
use super::draw::Canvas;
use super::font::{text_height, text_width};
use super::layout::{BirdsEyeLayout, Rect};
use super::scale::nearest_indices;
use super::OverlayStyle;
use image::{Rgb, RgbImage};
use panoptes_fusion::{BevCategory, BevGrid, EgoObject};

/// What the bird's-eye-view panel shows.
#[derive(Debug, Clone, Copy)]
pub struct BirdsEye<'a> {
    /// The frame set's grid (e.g. the decode stage's `PendingImage::Bev`).
    pub grid: &'a BevGrid,
    /// The fused objects in the ego frame.
    pub objects: &'a [EgoObject],
}

/// The ego vehicle drawn at the origin: a typical car, metres.
const EGO_LENGTH_M: f64 = 4.8;
const EGO_WIDTH_M: f64 = 1.9;
/// Range rings every this many metres, or a multiple when they would crowd.
const RING_STEP_M: f64 = 10.0;
/// Rings closer than this many pixels would hide the grid.
const RING_MIN_PIXELS: f64 = 24.0;
const WINDSCREEN: Rgb<u8> = Rgb([150, 170, 200]);
/// Footprints with a corner beyond this many pixels from the canvas origin are skipped.
const FAR_PIXELS: f32 = 1.0e6;

/// Ego-frame metres to canvas pixels: +x up, +y left, the origin at the map's centre.
struct MapView {
    centre: (f64, f64),
    pixels_per_metre: f64,
}

impl MapView {
    /// `None` when the grid has no extent to scale to.
    fn new(map: Rect, grid: &BevGrid) -> Option<Self> {
        let extent = grid.side() as f64 * grid.cell_m();
        let pixels_per_metre = f64::from(map.width) / extent;
        (pixels_per_metre.is_finite() && pixels_per_metre > 0.0).then(|| Self {
            centre: map.centre(),
            pixels_per_metre,
        })
    }

    fn pixel(&self, x: f64, y: f64) -> (f32, f32) {
        (
            (self.centre.0 - y * self.pixels_per_metre) as f32,
            (self.centre.1 - x * self.pixels_per_metre) as f32,
        )
    }
}

/// Draws the panel into `layout` of `image`.
pub fn draw_birds_eye(
    image: &mut RgbImage,
    layout: &BirdsEyeLayout,
    bird: &BirdsEye<'_>,
    style: &OverlayStyle,
) {
    let grid = bird.grid;
    let range_m = grid.side() as f64 * grid.cell_m() / 2.0;
    let count = bird.objects.len();
    let title = format!(
        "bird's-eye view  {count} object{}  {range_m:.0} m",
        if count == 1 { "" } else { "s" }
    );
    let scale = style.text_scale;
    Canvas::new(image, layout.title).text(
        i64::from(layout.title.x + scale),
        i64::from(layout.title.y + scale),
        &title,
        scale,
        TEXT,
    );
    let map = layout.map;
    let Some(view) = MapView::new(map, grid) else {
        return;
    };
    let mut canvas = Canvas::new(image, map);
    draw_grid(&mut canvas, map, grid);
    draw_rings(&mut canvas, &view, range_m, style.label_scale);
    draw_ego(&mut canvas, &view);
    draw_footprints(&mut canvas, &view, bird.objects, style);
    draw_legend(&mut canvas, map, style.label_scale);
}

/// Each map pixel takes the colour of the cell under its centre.
fn draw_grid(canvas: &mut Canvas<'_>, map: Rect, grid: &BevGrid) {
    let rows = nearest_indices(map.height, grid.side());
    let columns = nearest_indices(map.width, grid.side());
    for (map_row, &row) in rows.iter().enumerate() {
        for (map_column, &column) in columns.iter().enumerate() {
            let category = grid.get(row, column).unwrap_or(BevCategory::Unknown);
            canvas.put(
                i64::from(map.x) + map_column as i64,
                i64::from(map.y) + map_row as i64,
                Rgb(category.colour()),
            );
        }
    }
}

/// Circles around the ego origin out to the map's corners, each with its distance at its
/// front-right (where the legend is not).
fn draw_rings(canvas: &mut Canvas<'_>, view: &MapView, range_m: f64, label_scale: u32) {
    // 10, 20, 50, 100, 200, 500 … m: the first that leaves room between rings.
    let mut step = RING_STEP_M;
    let mut factors = [2.0, 2.5, 2.0].into_iter().cycle();
    while step * view.pixels_per_metre < RING_MIN_PIXELS {
        step *= factors.next().unwrap_or(10.0);
    }
    let reach = range_m * std::f64::consts::SQRT_2;
    let mut radius = step;
    while radius <= reach {
        let pixels = radius * view.pixels_per_metre;
        let segments = (pixels / 3.0).clamp(32.0, 720.0) as usize;
        let point = |index: usize| {
            let angle = std::f64::consts::TAU * index as f64 / segments as f64;
            view.pixel(radius * angle.cos(), radius * angle.sin())
        };
        for index in 0..segments {
            canvas.line(point(index), point(index + 1), 1, GUIDE);
        }
        let (x, y) = view.pixel(
            radius * std::f64::consts::FRAC_1_SQRT_2,
            -radius * std::f64::consts::FRAC_1_SQRT_2,
        );
        canvas.label(
            x.round() as i64 + 2,
            y.round() as i64 + 2,
            &format!("{radius:.0} m"),
            label_scale,
        );
        radius += step;
    }
}

/// A car-sized body at the origin with its windscreen towards the front.
fn draw_ego(canvas: &mut Canvas<'_>, view: &MapView) {
    let (left, top) = view.pixel(EGO_LENGTH_M / 2.0, EGO_WIDTH_M / 2.0);
    let (right, bottom) = view.pixel(-EGO_LENGTH_M / 2.0, -EGO_WIDTH_M / 2.0);
    // Never smaller than a few pixels, so a wide grid still shows where the ego is.
    let width = ((right - left).round() as i64).max(4);
    let length = ((bottom - top).round() as i64).max(8);
    let (centre_x, centre_y) = view.pixel(0.0, 0.0);
    let left = centre_x.round() as i64 - width / 2;
    let top = centre_y.round() as i64 - length / 2;
    canvas.fill_rect(left, top, width, length, VEHICLE_BODY);
    canvas.fill_rect(
        left + 1,
        top + length / 5,
        width - 2,
        (length / 6).max(1),
        WINDSCREEN,
    );
    canvas.stroke_rect(left, top, width, length, 1, TEXT);
}

/// One object's outline in canvas pixels.
struct Footprint {
    /// The rectangle's four sides, then the heading tick when the yaw is known.
    segments: Vec<((f32, f32), (f32, f32))>,
    color: Rgb<u8>,
    /// The track id and where its label starts (right of the rectangle, centred on it).
    label: Option<(u64, (f32, f32))>,
}

impl Footprint {
    /// The rectangle of `size_lwh` turned by the yaw (0 when unknown); `None` for values that
    /// are not finite or land far off the map.
    fn new(view: &MapView, object: &EgoObject) -> Option<Self> {
        let [x, y, _] = object.position.map(f64::from);
        let [length, width, _] = object.size_lwh.map(|value| f64::from(value).max(0.1));
        let yaw = f64::from(object.yaw.unwrap_or(0.0));
        if ![x, y, length, width, yaw]
            .iter()
            .all(|value| value.is_finite())
        {
            return None;
        }
        let (sin, cos) = yaw.sin_cos();
        let corner = |along: f64, across: f64| {
            let (along, across) = (along * length / 2.0, across * width / 2.0);
            view.pixel(
                x + along * cos - across * sin,
                y + along * sin + across * cos,
            )
        };
        let corners = [
            corner(1.0, 1.0),
            corner(1.0, -1.0),
            corner(-1.0, -1.0),
            corner(-1.0, 1.0),
        ];
        // Skipping what is far off keeps the pixel arithmetic small.
        if corners
            .iter()
            .any(|(px, py)| px.abs() > FAR_PIXELS || py.abs() > FAR_PIXELS)
        {
            return None;
        }
        let mut segments: Vec<_> = (0..4)
            .map(|index| (corners[index], corners[(index + 1) % 4]))
            .collect();
        let centre = view.pixel(x, y);
        if object.yaw.is_some() {
            segments.push((centre, corner(1.0, 0.0)));
        }
        let right = corners.iter().map(|(px, _)| *px).fold(f32::MIN, f32::max);
        Some(Self {
            segments,
            color: detection_color(object.class_id),
            label: object.id.map(|id| (id, (right + 2.0, centre.1))),
        })
    }
}

/// Footprints in their class colours over a dark edge (a car's red would vanish on the grid's
/// red object cells without it), every edge first so no edge covers another's colour; then the
/// track ids.
fn draw_footprints(
    canvas: &mut Canvas<'_>,
    view: &MapView,
    objects: &[EgoObject],
    style: &OverlayStyle,
) {
    let footprints: Vec<Footprint> = objects
        .iter()
        .filter_map(|object| Footprint::new(view, object))
        .collect();
    let thickness = i64::from(style.box_thickness.min(3));
    for footprint in &footprints {
        for (from, to) in &footprint.segments {
            canvas.line(*from, *to, thickness + 2, TEXT_BACKGROUND);
        }
    }
    for footprint in &footprints {
        for (from, to) in &footprint.segments {
            canvas.line(*from, *to, thickness, footprint.color);
        }
    }
    let scale = style.label_scale;
    let half_height = i64::from(text_height(scale) / 2 + scale);
    for (id, (x, y)) in footprints.iter().filter_map(|footprint| footprint.label) {
        let (x, y) = (x.round() as i64, y.round() as i64 - half_height);
        canvas.label(x, y, &id.to_string(), scale);
    }
}

/// Each category's swatch and name in the map's bottom-left corner (behind-left of the ego,
/// where little usually happens).
fn draw_legend(canvas: &mut Canvas<'_>, map: Rect, scale: u32) {
    let scale = scale.max(1);
    let line = i64::from(text_height(scale) + 2 * scale);
    let swatch = i64::from(text_height(scale));
    let margin = i64::from(2 * scale);
    let widest = BevCategory::ALL
        .iter()
        .map(|category| i64::from(text_width(category.name(), scale)))
        .max()
        .unwrap_or(0);
    let width = margin + swatch + margin + widest + margin;
    let height = line * BevCategory::ALL.len() as i64 + margin;
    let left = i64::from(map.x) + 2;
    let top = i64::from(map.y + map.height) - 2 - height;
    canvas.fill_rect(left, top, width, height, TEXT_BACKGROUND);
    for (index, category) in BevCategory::ALL.iter().enumerate() {
        let row = top + margin + index as i64 * line;
        canvas.fill_rect(left + margin, row, swatch, swatch, Rgb(category.colour()));
        canvas.stroke_rect(left + margin, row, swatch, swatch, 1, GUIDE);
        canvas.text(
            left + 2 * margin + swatch,
            row,
            category.name(),
            scale,
            TEXT,
        );
    }
}
