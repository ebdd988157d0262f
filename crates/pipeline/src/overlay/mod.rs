//! Overlay images for `replay --overlays`: one picture per frame set showing every camera as it
//! sits on the vehicle (see [`layout`](overlay_layout) for the arrangement), each with its
//! detections, pose skeletons, segmentation tint and a depth colour map.
//!
//! Per tile:
//! - the camera image scaled to [`OverlayStyle::tile_width`];
//! - each segmentation head's classes blended over it (class 0, background, untinted; heads get
//!   different colours so two binary heads stay apart);
//! - boxes in their class colour with `label score` above them, COCO-17 skeletons joining
//!   keypoints scored above [`OverlayStyle::keypoint_threshold`];
//! - depth as an inset in the bottom-right corner (Turbo ramp: red near, blue at
//!   [`OverlayStyle::depth_max_m`] and beyond, black where invalid), so the scene itself stays
//!   readable;
//! - ground-truth boxes, when given, as thin white outlines labelled `gt:class` under them;
//! - the camera name and its detection count top-left; a missing camera is a grey tile saying
//!   `MISSING: reason`.
//!
//! With a [`BirdsEye`] (fusion's grid and objects), a square panel right of the tiles shows the
//! ground around the vehicle from above, front up and left on the left like the tiles:
//! - the grid in its category colours, scaled to the panel by nearest cell;
//! - range rings around the ego origin every 10 m (wider apart when the grid is large), each
//!   with its distance;
//! - the ego vehicle (4.8 × 1.9 m) at the origin, windscreen forward;
//! - each object's footprint (`size_lwh`, turned by its yaw, 0 while unknown) in its class's
//!   box colour, a heading tick once the yaw is known, and its track id beside it;
//! - a legend of the categories, and the object count and the grid's range in the title.
//!
//! Text uses an embedded 5×7 bitmap font: no font files, no system fonts.

mod bev;
mod colors;
mod draw;
mod font;
mod inputs;
mod layout;
mod scale;
mod tile;
mod vehicle;

pub use bev::BirdsEye;
pub use colors::{detection_color, skeleton_color, tint_color, MISSING_GREY};
pub use inputs::overlay_cameras;
pub use layout::{
    azimuth_degrees, overlay_layout, BirdsEyeLayout, OverlayLayout, Placement, Rect, TileLayout,
};

use crate::record::CameraPerception;
use colors::BACKGROUND;
use draw::Canvas;
use image::RgbImage;
use ndarray::ArrayView2;
use panoptes_rig::CameraRig;

/// One camera's inputs to an overlay.
#[derive(Debug, Clone, Default)]
pub struct OverlayCamera<'a> {
    /// The rig camera's name.
    pub name: &'a str,
    /// The original frame; `None` when the camera is missing.
    pub image: Option<&'a RgbImage>,
    /// Its results (detections, and `missing` with the reason when it has none).
    pub perception: Option<&'a CameraPerception>,
    /// Segmentation head name → class ids `[height, width]` (e.g. `ClassMap::ids().view()`).
    pub masks: Vec<(&'a str, ArrayView2<'a, u8>)>,
    /// Depth in metres `[height, width]`, NaN where invalid (e.g. `DepthMap::metres().view()`).
    pub depth: Option<ArrayView2<'a, f32>>,
    /// Ground-truth 2D boxes to draw beside the results (white outlines labelled `gt:class`).
    pub truth: &'a [panoptes_drive::BoundingBox],
}

/// How an overlay looks.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlayStyle {
    /// Width of each camera tile in pixels.
    pub tile_width: u32,
    /// Pixels between tiles.
    pub gap: u32,
    /// Opacity of the segmentation tint, 0 to 1.
    pub mask_alpha: f32,
    /// Depth shown at the far (blue) end of the colour ramp, metres.
    pub depth_max_m: f32,
    /// Width of the depth inset as a fraction of the tile width.
    pub depth_inset_fraction: f32,
    /// Keypoints scored at or below this are not drawn.
    pub keypoint_threshold: f32,
    /// Box outline width in pixels.
    pub box_thickness: u32,
    /// Font scale of the header and camera names (1 = 5×7 pixels per character).
    pub text_scale: u32,
    /// Font scale of box labels and the depth legend.
    pub label_scale: u32,
}

impl OverlayStyle {
    /// This style with every field in a usable range (tile width 64 to 4096, gap up to 64, text
    /// scales 1 to 16, fractions and thresholds in [0, 1], a positive depth range), so odd
    /// settings give an odd picture rather than an overflow. Rendering applies it itself.
    #[must_use]
    pub fn clamped(&self) -> Self {
        let unit = |value: f32, fallback: f32| {
            if value.is_finite() {
                value.clamp(0.0, 1.0)
            } else {
                fallback
            }
        };
        Self {
            tile_width: self.tile_width.clamp(64, 4096),
            gap: self.gap.min(64),
            mask_alpha: unit(self.mask_alpha, 0.4),
            depth_max_m: if self.depth_max_m.is_finite() && self.depth_max_m > 0.0 {
                self.depth_max_m
            } else {
                60.0
            },
            depth_inset_fraction: unit(self.depth_inset_fraction, 1.0 / 3.0).max(0.1),
            keypoint_threshold: unit(self.keypoint_threshold, 0.3),
            box_thickness: self.box_thickness.clamp(1, 16),
            text_scale: self.text_scale.clamp(1, 16),
            label_scale: self.label_scale.clamp(1, 16),
        }
    }
}

impl Default for OverlayStyle {
    fn default() -> Self {
        Self {
            tile_width: 480,
            gap: 4,
            mask_alpha: 0.4,
            depth_max_m: 60.0,
            depth_inset_fraction: 1.0 / 3.0,
            keypoint_threshold: 0.3,
            box_thickness: 2,
            text_scale: 2,
            label_scale: 1,
        }
    }
}

/// Draws the overlay of one frame set. Cameras are matched to the rig by name; a rig camera
/// without an entry in `cameras` is drawn as missing, entries naming no rig camera are ignored.
/// With `bird`, the canvas widens by the bird's-eye-view panel
/// ([`OverlayLayout::with_birds_eye`]).
pub fn render_overlay(
    rig: &CameraRig,
    frame: usize,
    timestamp_us: u64,
    cameras: &[OverlayCamera<'_>],
    style: &OverlayStyle,
    bird: Option<BirdsEye<'_>>,
) -> RgbImage {
    let style = &style.clamped();
    let mut layout = overlay_layout(rig, style);
    if bird.is_some() {
        layout = layout.with_birds_eye(style);
    }
    let mut image = RgbImage::from_pixel(layout.width, layout.height, BACKGROUND);
    let detections: usize = cameras
        .iter()
        .filter_map(|camera| camera.perception)
        .map(|perception| perception.detections.len())
        .sum();
    let missing = rig
        .cameras()
        .iter()
        .filter(|camera| {
            cameras
                .iter()
                .find(|entry| entry.name == camera.name)
                .is_none_or(|entry| {
                    entry.image.is_none() || entry.perception.is_some_and(|p| p.missing.is_some())
                })
        })
        .count();
    let mut header = format!(
        "frame {frame}   t {}.{:06} s   {} cameras, {missing} missing   {detections} detections",
        timestamp_us / 1_000_000,
        timestamp_us % 1_000_000,
        rig.len(),
    );
    if let Some(bird) = &bird {
        header.push_str(&format!("   {} objects", bird.objects.len()));
    }
    let scale = style.text_scale;
    Canvas::new(&mut image, layout.header).text(
        i64::from(style.gap + scale),
        i64::from(scale),
        &header,
        scale,
        colors::TEXT,
    );
    for tile_layout in &layout.tiles {
        let Some(camera) = rig.cameras().get(tile_layout.camera) else {
            continue;
        };
        let data = cameras.iter().find(|entry| entry.name == camera.name);
        tile::render_tile(&mut image, tile_layout.rect, camera, data, style);
    }
    if let Some(rect) = layout.vehicle {
        vehicle::draw_vehicle(&mut image, rect, rig, scale);
    }
    if let (Some(bird), Some(panel)) = (&bird, &layout.birds_eye) {
        bev::draw_birds_eye(&mut image, panel, bird, style);
    }
    image
}
