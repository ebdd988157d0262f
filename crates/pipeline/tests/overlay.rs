//! Overlay images: layout from camera azimuths, boxes, tint, depth inset, skeletons, missing
//! cameras, and a render of the real nuScenes key frame.
#![allow(clippy::unwrap_used)]

use image::{Rgb, RgbImage};
use ndarray::Array2;
use panoptes_heads::{Detection, InstanceMask};
use panoptes_pipeline::{
    azimuth_degrees, detection_color, overlay_layout, render_overlay, skeleton_color, tint_color,
    CameraPerception, OverlayCamera, OverlayLayout, OverlayStyle, Placement, TileLayout,
    MISSING_GREY,
};
use panoptes_rig::{
    Camera, CameraModel, CameraRig, Isometry3, Translation3, UnitQuaternion, Vector3,
};
use std::f64::consts::FRAC_PI_2;

const GREY: Rgb<u8> = Rgb([100, 100, 100]);

/// A camera at `yaw` degrees (0 forward, +90 left) pitched down by `pitch` degrees, mounted
/// 1.5 m from the vehicle centre along its axis.
fn camera(name: &str, yaw: f64, pitch: f64, width: u32, height: u32) -> Camera {
    // Sensor (x right, y down, z forward) to ego looking forward: Rz(−90°)·Rx(−90°).
    let facing_forward = UnitQuaternion::from_euler_angles(-FRAC_PI_2, 0.0, -FRAC_PI_2);
    let aim = UnitQuaternion::from_axis_angle(&Vector3::z_axis(), yaw.to_radians())
        * UnitQuaternion::from_axis_angle(&Vector3::y_axis(), pitch.to_radians());
    let (x, y) = (1.5 * yaw.to_radians().cos(), 1.5 * yaw.to_radians().sin());
    let pose = Isometry3::from_parts(Translation3::new(x, y, 1.5), aim * facing_forward);
    let model = CameraModel::pinhole(
        f64::from(width),
        f64::from(width),
        f64::from(width) / 2.0,
        f64::from(height) / 2.0,
    );
    Camera::new(name, model, width, height, pose)
}

/// nuScenes' six cameras with their approximate azimuths, deliberately not in layout order.
fn nuscenes_like() -> CameraRig {
    let cameras = [
        ("CAM_BACK", 180.0),
        ("CAM_FRONT_RIGHT", -55.0),
        ("CAM_BACK_LEFT", 110.0),
        ("CAM_FRONT", 0.0),
        ("CAM_BACK_RIGHT", -110.0),
        ("CAM_FRONT_LEFT", 55.0),
    ];
    CameraRig::new(
        cameras
            .iter()
            .map(|(name, yaw)| camera(name, *yaw, 0.0, 1600, 900))
            .collect(),
    )
    .unwrap()
}

/// WoodScape-like fisheyes (pitched down; the pinhole model is enough for the layout).
fn fisheye_like() -> CameraRig {
    let cameras = [
        ("FV", 0.0, 15.0),
        ("MVR", -90.0, 35.0),
        ("RV", 180.0, 22.0),
        ("MVL", 90.0, 35.0),
    ];
    CameraRig::new(
        cameras
            .iter()
            .map(|(name, yaw, pitch)| camera(name, *yaw, *pitch, 1280, 966))
            .collect(),
    )
    .unwrap()
}

fn tile<'a>(layout: &'a OverlayLayout, rig: &CameraRig, name: &str) -> &'a TileLayout {
    let index = rig.index_of(name).unwrap();
    layout
        .tiles
        .iter()
        .find(|tile| tile.camera == index)
        .unwrap()
}

fn centre_x(tile: &TileLayout) -> f64 {
    tile.rect.centre().0
}

fn assert_disjoint_and_inside(layout: &OverlayLayout) {
    for (index, a) in layout.tiles.iter().enumerate() {
        let r = a.rect;
        assert!(r.x + r.width <= layout.width && r.y + r.height <= layout.height);
        assert!(r.y >= layout.header.height);
        let others = layout.tiles[..index].iter().map(|t| t.rect);
        for s in others.chain(layout.vehicle) {
            let apart = r.x + r.width <= s.x
                || s.x + s.width <= r.x
                || r.y + r.height <= s.y
                || s.y + s.height <= r.y;
            assert!(apart, "{r:?} overlaps {s:?}");
        }
    }
}

#[test]
fn nuscenes_rig_puts_front_top_middle_and_back_bottom_middle() {
    let rig = nuscenes_like();
    let style = OverlayStyle::default();
    let layout = overlay_layout(&rig, &style);
    assert_eq!(layout.tiles.len(), 6);
    assert_eq!(layout.vehicle, None);
    assert_disjoint_and_inside(&layout);
    let middle = f64::from(layout.width) / 2.0;
    let front = tile(&layout, &rig, "CAM_FRONT");
    let back = tile(&layout, &rig, "CAM_BACK");
    assert!((front.azimuth_degrees - 0.0).abs() < 1e-9);
    assert!((back.azimuth_degrees.abs() - 180.0).abs() < 1e-9);
    assert_eq!(
        (front.placement, back.placement),
        (Placement::Front, Placement::Back)
    );
    assert!((centre_x(front) - middle).abs() <= 1.0);
    assert!((centre_x(back) - middle).abs() <= 1.0);
    assert!(front.rect.y < back.rect.y);
    let y_of = |name| tile(&layout, &rig, name).rect.y;
    assert_eq!(y_of("CAM_FRONT_LEFT"), front.rect.y);
    assert_eq!(y_of("CAM_FRONT_RIGHT"), front.rect.y);
    assert_eq!(y_of("CAM_BACK_LEFT"), back.rect.y);
    assert_eq!(y_of("CAM_BACK_RIGHT"), back.rect.y);
    // The vehicle's left is on the left in both rows.
    let x_of = |name| centre_x(tile(&layout, &rig, name));
    assert!(
        x_of("CAM_FRONT_LEFT") < x_of("CAM_FRONT") && x_of("CAM_FRONT") < x_of("CAM_FRONT_RIGHT")
    );
    assert!(x_of("CAM_BACK_LEFT") < x_of("CAM_BACK") && x_of("CAM_BACK") < x_of("CAM_BACK_RIGHT"));
    // Three columns of 480 with 4-pixel gaps; 1600×900 scales to 480×270.
    assert_eq!(layout.width, 3 * 480 + 4 * 4);
    assert_eq!(front.rect.height, 270);
}

#[test]
fn fisheye_rig_puts_mirrors_beside_the_vehicle_icon() {
    let rig = fisheye_like();
    let layout = overlay_layout(&rig, &OverlayStyle::default());
    assert_disjoint_and_inside(&layout);
    let vehicle = layout.vehicle.unwrap();
    let front = tile(&layout, &rig, "FV");
    let left = tile(&layout, &rig, "MVL");
    let right = tile(&layout, &rig, "MVR");
    let rear = tile(&layout, &rig, "RV");
    // Pitch does not change the azimuth.
    assert!((left.azimuth_degrees - 90.0).abs() < 1e-9);
    assert!((right.azimuth_degrees + 90.0).abs() < 1e-9);
    assert_eq!(
        [
            front.placement,
            left.placement,
            right.placement,
            rear.placement
        ],
        [
            Placement::Front,
            Placement::Left,
            Placement::Right,
            Placement::Back
        ]
    );
    let middle = f64::from(layout.width) / 2.0;
    assert!((centre_x(front) - middle).abs() <= 1.0);
    assert!((centre_x(rear) - middle).abs() <= 1.0);
    assert!((vehicle.centre().0 - middle).abs() <= 1.0);
    assert_eq!((left.rect.y, right.rect.y), (vehicle.y, vehicle.y));
    assert!(left.rect.x + left.rect.width <= vehicle.x);
    assert!(right.rect.x >= vehicle.x + vehicle.width);
    assert!(front.rect.y < vehicle.y && vehicle.y < rear.rect.y);
}

#[test]
fn crowded_rig_falls_back_to_a_clockwise_grid() {
    let yaws = [-60.0, -40.0, -20.0, 0.0, 20.0, 40.0, 60.0];
    let cameras = yaws
        .iter()
        .map(|yaw| camera(&format!("C{yaw}"), *yaw, 0.0, 640, 480))
        .collect();
    let rig = CameraRig::new(cameras).unwrap();
    let layout = overlay_layout(&rig, &OverlayStyle::default());
    assert_disjoint_and_inside(&layout);
    assert!(layout.tiles.iter().all(|t| t.placement == Placement::Grid));
    let rect = |yaw: f64| tile(&layout, &rig, &format!("C{yaw}")).rect;
    // Clockwise from the front: 0, −20, −40 | −60, 60, 40 | 20.
    assert!(rect(0.0).x < rect(-20.0).x && rect(-20.0).x < rect(-40.0).x);
    assert_eq!(rect(0.0).y, rect(-40.0).y);
    assert_eq!(rect(-60.0).y, rect(40.0).y);
    assert!(rect(-60.0).y > rect(0.0).y && rect(20.0).y > rect(-60.0).y);
}

fn grey_frame(width: u32, height: u32) -> RgbImage {
    RgbImage::from_pixel(width, height, GREY)
}

fn single_camera_rig() -> CameraRig {
    CameraRig::new(vec![camera("CAM_FRONT", 0.0, 0.0, 800, 400)]).unwrap()
}

/// 800×400 scaled to a 400-pixel tile: a factor of one half.
fn half_scale_style() -> OverlayStyle {
    OverlayStyle {
        tile_width: 400,
        ..OverlayStyle::default()
    }
}

/// Renders `perception` as the single camera's results on a grey 800 × 400 frame at half
/// scale; the returned function reads a pixel of the camera's tile.
fn render_front(perception: &CameraPerception) -> impl Fn(u32, u32) -> Rgb<u8> {
    let rig = single_camera_rig();
    let style = half_scale_style();
    let frame = grey_frame(800, 400);
    let cameras = [OverlayCamera {
        name: "CAM_FRONT",
        image: Some(&frame),
        perception: Some(perception),
        ..OverlayCamera::default()
    }];
    let overlay = render_overlay(&rig, 0, 0, &cameras, &style, None);
    let rect = overlay_layout(&rig, &style).tiles[0].rect;
    move |x: u32, y: u32| *overlay.get_pixel(rect.x + x, rect.y + y)
}

fn detection(class_id: usize, box_xywh: [f32; 4], keypoints: Option<Vec<[f32; 3]>>) -> Detection {
    Detection {
        head: "objects".into(),
        class_id,
        label: "car".into(),
        score: 0.87,
        box_xywh,
        keypoints,
        ego: None,
        mask: None,
    }
}

#[test]
fn box_is_drawn_at_the_scaled_place_in_its_class_colour() {
    let perception = CameraPerception {
        detections: vec![detection(2, [200.0, 160.0, 400.0, 200.0], None)],
        ..CameraPerception::default()
    };
    let at = render_front(&perception);
    let color = detection_color(2);
    // Box (200, 160, 400, 200) → tile (100, 80, 200, 100): edges at x 100 and 299, y 80 and 179.
    assert_eq!(at(100, 130), color);
    assert_eq!(at(299, 130), color);
    assert_eq!(at(200, 179), color);
    assert_eq!(at(200, 80), color);
    assert_eq!(at(98, 130), GREY);
    assert_eq!(at(200, 130), GREY);
    assert_eq!(at(302, 130), GREY);
    assert_eq!(at(200, 182), GREY);
    // The label sits above the box: some white text pixels in the rows just above it.
    let label_white = (60..80).flat_map(|y| (100..160).map(move |x| (x, y)));
    assert!(label_white
        .into_iter()
        .any(|(x, y)| at(x, y) == Rgb([255, 255, 255])));
}

#[test]
fn instance_mask_tints_its_pixels_only() {
    // Box (200, 160, 400, 200); the mask covers its left half on every row.
    let counts = std::iter::once(0)
        .chain((0..200).flat_map(|_| [200, 200]))
        .collect();
    let masked = Detection {
        mask: Some(InstanceMask {
            rectangle: [200, 160, 400, 200],
            counts,
        }),
        ..detection(2, [200.0, 160.0, 400.0, 200.0], None)
    };
    let perception = CameraPerception {
        detections: vec![masked],
        ..CameraPerception::default()
    };
    let at = render_front(&perception);
    // Tile (100..300, 80..180): tinted left of x 200, untouched right of it.
    let tinted = at(150, 130);
    assert_ne!(tinted, GREY);
    assert_eq!(at(250, 130), GREY);
    assert_eq!(at(199, 150), tinted);
    assert_eq!(at(201, 150), GREY);
}

#[test]
fn missing_camera_gives_a_grey_tile_with_its_reason() {
    let rig = nuscenes_like();
    let style = OverlayStyle::default();
    let frame = grey_frame(1600, 900);
    let missing = CameraPerception {
        missing: Some("unreadable JPEG".into()),
        ..CameraPerception::default()
    };
    let present = CameraPerception::default();
    let mut cameras: Vec<OverlayCamera<'_>> = rig
        .names()
        .filter(|name| *name != "CAM_BACK" && *name != "CAM_FRONT_LEFT")
        .map(|name| OverlayCamera {
            name,
            image: Some(&frame),
            perception: Some(&present),
            ..OverlayCamera::default()
        })
        .collect();
    cameras.push(OverlayCamera {
        name: "CAM_BACK",
        perception: Some(&missing),
        ..OverlayCamera::default()
    });
    let overlay = render_overlay(&rig, 0, 0, &cameras, &style, None);
    let layout = overlay_layout(&rig, &style);
    let share_grey = |name: &str| {
        let rect = tile(&layout, &rig, name).rect;
        let pixels = (rect.y..rect.y + rect.height)
            .flat_map(|y| (rect.x..rect.x + rect.width).map(move |x| (x, y)));
        let grey = pixels
            .filter(|&(x, y)| *overlay.get_pixel(x, y) == MISSING_GREY)
            .count();
        grey as f64 / f64::from(rect.width * rect.height)
    };
    // Missing with a reason, and absent from the frame set: both grey; present: not grey.
    assert!(share_grey("CAM_BACK") > 0.85, "{}", share_grey("CAM_BACK"));
    assert!(share_grey("CAM_FRONT_LEFT") > 0.85);
    assert_eq!(share_grey("CAM_FRONT"), 0.0);
    // The reason is written across the middle of the tile.
    let rect = tile(&layout, &rig, "CAM_BACK").rect;
    let middle_row = rect.y + rect.height / 2;
    let white = (middle_row - 12..middle_row + 12)
        .flat_map(|y| (rect.x..rect.x + rect.width).map(move |x| (x, y)))
        .filter(|&(x, y)| *overlay.get_pixel(x, y) == Rgb([255, 255, 255]))
        .count();
    assert!(white > 100, "{white}");
}

#[test]
fn tint_changes_pixels_where_the_mask_is_set_and_nowhere_else() {
    let rig = single_camera_rig();
    let style = half_scale_style();
    let frame = grey_frame(800, 400);
    // Class 1 in original pixels x 400..800, y 200..400: the tile's bottom-right quarter.
    let mut ids = Array2::<u8>::zeros((400, 800));
    ids.slice_mut(ndarray::s![200.., 400..]).fill(1);
    let perception = CameraPerception::default();
    let cameras = [OverlayCamera {
        name: "CAM_FRONT",
        image: Some(&frame),
        perception: Some(&perception),
        masks: vec![("lanes", ids.view())],
        depth: None,
        truth: &[],
    }];
    let overlay = render_overlay(&rig, 0, 0, &cameras, &style, None);
    let rect = overlay_layout(&rig, &style).tiles[0].rect;
    let tint = tint_color(0, 1);
    let mix = |base: u8, over: u8| {
        (f32::from(base) * (1.0 - style.mask_alpha) + f32::from(over) * style.mask_alpha).round()
            as u8
    };
    let expected = Rgb([mix(100, tint[0]), mix(100, tint[1]), mix(100, tint[2])]);
    let (mut tinted, mut plain) = (0, 0);
    // Skip the name label in the top-left corner.
    for y in 30..rect.height {
        for x in 0..rect.width {
            let pixel = *overlay.get_pixel(rect.x + x, rect.y + y);
            if x >= 200 && y >= 100 {
                assert_eq!(pixel, expected, "({x}, {y})");
                tinted += 1;
            } else {
                assert_eq!(pixel, GREY, "({x}, {y})");
                plain += 1;
            }
        }
    }
    assert_eq!(tinted, 200 * 100);
    assert!(plain > 0);
}

#[test]
fn depth_inset_shows_near_red_and_far_blue() {
    let rig = single_camera_rig();
    let style = half_scale_style();
    let frame = grey_frame(800, 400);
    // Near (2 m) on the left half, far (55 m of 60) on the right, invalid in the last 12 columns.
    let mut metres = Array2::<f32>::from_elem((400, 800), 2.0);
    metres.slice_mut(ndarray::s![.., 400..]).fill(55.0);
    metres.slice_mut(ndarray::s![.., 788..]).fill(f32::NAN);
    let perception = CameraPerception::default();
    let cameras = [OverlayCamera {
        name: "CAM_FRONT",
        image: Some(&frame),
        perception: Some(&perception),
        masks: Vec::new(),
        depth: Some(metres.view()),
        truth: &[],
    }];
    let overlay = render_overlay(&rig, 0, 0, &cameras, &style, None);
    let rect = overlay_layout(&rig, &style).tiles[0].rect;
    // The inset is a third of the tile wide (133 px) in its bottom-right corner.
    let inset_left = rect.x + rect.width - 133;
    let bottom = rect.y + 200 - 2;
    let near = *overlay.get_pixel(inset_left + 20, bottom);
    let far = *overlay.get_pixel(inset_left + 110, bottom);
    let invalid = *overlay.get_pixel(rect.x + rect.width - 1, bottom);
    assert!(
        near[0] > 120 && near[1] < 60 && near[2] < 60,
        "near {near:?}"
    );
    assert!(far[2] > near[2] && far[0] < 120, "far {far:?}");
    assert_eq!(invalid, Rgb([0, 0, 0]));
    // Left of the inset the image is untouched.
    assert_eq!(*overlay.get_pixel(inset_left - 5, bottom), GREY);
}

#[test]
fn skeleton_joins_confident_keypoints_only() {
    let mut keypoints = vec![[0.0_f32, 0.0, 0.0]; 17];
    // Left shoulder (5) → left elbow (7) → left wrist (9); the wrist is not confident.
    keypoints[5] = [300.0, 200.0, 0.9];
    keypoints[7] = [300.0, 300.0, 0.8];
    keypoints[9] = [500.0, 300.0, 0.1];
    let perception = CameraPerception {
        detections: vec![detection(0, [100.0, 100.0, 600.0, 280.0], Some(keypoints))],
        ..CameraPerception::default()
    };
    let at = render_front(&perception);
    // Shoulder–elbow runs from tile (150, 100) to (150, 150).
    assert_eq!(at(150, 125), skeleton_color(0));
    // Elbow–wrist would run to (250, 150): not drawn.
    assert_eq!(at(200, 150), GREY);
}

#[test]
fn heatmap_keypoints_are_drawn_with_their_skeleton() {
    let mut points = vec![None; 17];
    // Left hip (11) → left knee (13); the left ankle (15) is below the head's threshold.
    points[11] = Some([300.0, 200.0, 0.6]);
    points[13] = Some([300.0, 300.0, 0.4]);
    let mut perception = CameraPerception::default();
    perception.keypoints.insert("pose".into(), points);
    let at = render_front(&perception);
    // Hip–knee runs from tile (150, 100) to (150, 150), each end a white dot.
    assert_eq!(at(150, 125), tint_color(0, 2));
    assert_eq!(at(150, 100), Rgb([255, 255, 255]));
    // Knee–ankle is not drawn.
    assert_eq!(at(150, 175), GREY);
}

/// The real key frame's six cameras with their real calibration, and (when
/// `PANOPTES_OVERLAY_SOURCE` names a replay output of that frame) its real detections and
/// masks; written to `PANOPTES_OVERLAY_OUT` when set, so a person can look at it.
#[test]
fn real_nuscenes_frame_is_laid_out_as_on_the_vehicle() {
    let dataroot = panoptes_fixtures::real_or_skip!("nuscenes-sample");
    let drive = panoptes_drive::Drive::open_nuscenes(&dataroot, "v1.0-mini").unwrap();
    let rig = drive.rig();
    let frame_set = &drive.frame_sets()[0];
    let style = OverlayStyle::default();
    let layout = overlay_layout(rig, &style);
    let middle = f64::from(layout.width) / 2.0;
    let front = tile(&layout, rig, "CAM_FRONT");
    let back = tile(&layout, rig, "CAM_BACK");
    assert_eq!(
        (front.placement, back.placement),
        (Placement::Front, Placement::Back)
    );
    assert!((centre_x(front) - middle).abs() <= 1.0);
    assert!((centre_x(back) - middle).abs() <= 1.0);
    let x_of = |name| centre_x(tile(&layout, rig, name));
    assert!(x_of("CAM_FRONT_LEFT") < middle && x_of("CAM_FRONT_RIGHT") > middle);
    assert!(x_of("CAM_BACK_LEFT") < middle && x_of("CAM_BACK_RIGHT") > middle);
    for name in ["CAM_FRONT_LEFT", "CAM_FRONT_RIGHT"] {
        let azimuth = azimuth_degrees(rig.camera(name).unwrap()).abs();
        assert!((50.0..60.0).contains(&azimuth), "{name} {azimuth}");
    }

    let frames: Vec<(String, RgbImage)> = frame_set
        .present()
        .map(|frame| {
            (
                frame.camera.clone(),
                image::open(frame.image.path().unwrap()).unwrap().to_rgb8(),
            )
        })
        .collect();
    let source = std::env::var_os("PANOPTES_OVERLAY_SOURCE").map(std::path::PathBuf::from);
    let (perceptions, masks) = match &source {
        Some(directory) => read_replay(directory),
        None => Default::default(),
    };
    let cameras: Vec<OverlayCamera<'_>> = frames
        .iter()
        .map(|(name, image)| OverlayCamera {
            name,
            image: Some(image),
            perception: perceptions.get(name),
            masks: masks
                .iter()
                .filter(|(camera, _, _)| camera == name)
                .map(|(_, head, ids)| (head.as_str(), ids.view()))
                .collect(),
            depth: None,
            truth: &[],
        })
        .collect();
    let overlay = render_overlay(
        rig,
        frame_set.index,
        frame_set.timestamp_us,
        &cameras,
        &style,
        None,
    );
    assert_eq!(
        (overlay.width(), overlay.height()),
        (layout.width, layout.height)
    );
    // The front tile shows the front image: its centre pixel is the scaled frame's, not grey.
    let (cx, cy) = front.rect.centre();
    assert_ne!(*overlay.get_pixel(cx as u32, cy as u32), MISSING_GREY);
    if let Some(path) = std::env::var_os("PANOPTES_OVERLAY_OUT") {
        overlay.save(&path).unwrap();
    }
}

type Masks = Vec<(String, String, Array2<u8>)>;

/// Camera results and masks of frame 0 from a replay output directory.
fn read_replay(
    directory: &std::path::Path,
) -> (std::collections::BTreeMap<String, CameraPerception>, Masks) {
    let text = std::fs::read_to_string(directory.join("perception.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let mut perceptions = std::collections::BTreeMap::new();
    let mut masks = Vec::new();
    for (name, camera) in line["cameras"].as_object().unwrap() {
        let detections = camera["detections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let number = |v: &serde_json::Value| v.as_f64().unwrap() as f32;
                let xywh: Vec<f32> = d["box_xywh"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(number)
                    .collect();
                Detection {
                    head: d["head"].as_str().unwrap().into(),
                    class_id: d["class_id"].as_u64().unwrap() as usize,
                    label: d["label"].as_str().unwrap().into(),
                    score: number(&d["score"]),
                    box_xywh: [xywh[0], xywh[1], xywh[2], xywh[3]],
                    keypoints: None,
                    ego: None,
                    mask: None,
                }
            })
            .collect();
        for (head, path) in camera["masks"].as_object().unwrap() {
            let png = image::open(directory.join(path.as_str().unwrap()))
                .unwrap()
                .to_luma8();
            let (width, height) = png.dimensions();
            let ids =
                Array2::from_shape_vec((height as usize, width as usize), png.into_raw()).unwrap();
            masks.push((name.clone(), head.clone(), ids));
        }
        let perception = CameraPerception {
            detections,
            ..CameraPerception::default()
        };
        perceptions.insert(name.clone(), perception);
    }
    (perceptions, masks)
}

/// A frame whose colour varies across it, so scaling and placement show.
fn gradient_frame(width: u32, height: u32, seed: u8) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            seed.wrapping_mul(60),
        ])
    })
}

/// The fisheye rig with everything at once: a missing mirror camera, a person with a skeleton,
/// a depth inset and the vehicle icon. Written to `PANOPTES_OVERLAY_FISHEYE_OUT` when set.
#[test]
fn fisheye_overlay_draws_the_vehicle_icon_between_the_mirrors() {
    let rig = fisheye_like();
    let style = OverlayStyle::default();
    let frames: Vec<RgbImage> = (0..4).map(|seed| gradient_frame(1280, 966, seed)).collect();
    let mut keypoints = vec![[0.0_f32, 0.0, 0.0]; 17];
    let joints = [
        (0, 640.0, 300.0),
        (5, 600.0, 380.0),
        (6, 680.0, 380.0),
        (7, 580.0, 460.0),
        (8, 700.0, 460.0),
        (11, 610.0, 540.0),
        (12, 670.0, 540.0),
        (13, 605.0, 640.0),
        (14, 675.0, 640.0),
        (15, 600.0, 740.0),
        (16, 680.0, 740.0),
    ];
    for (index, x, y) in joints {
        keypoints[index] = [x, y, 0.9];
    }
    let person = CameraPerception {
        detections: vec![Detection {
            label: "person".into(),
            ..detection(0, [560.0, 260.0, 160.0, 500.0], Some(keypoints))
        }],
        ..CameraPerception::default()
    };
    let missing = CameraPerception {
        missing: Some("no frame within the sync window".into()),
        ..CameraPerception::default()
    };
    let depth = Array2::from_shape_fn((966, 1280), |(row, _)| 60.0 - row as f32 * 0.06);
    let empty = CameraPerception::default();
    let cameras: Vec<OverlayCamera<'_>> = rig
        .names()
        .zip(&frames)
        .map(|(name, frame)| OverlayCamera {
            name,
            image: (name != "MVR").then_some(frame),
            perception: Some(match name {
                "FV" => &person,
                "MVR" => &missing,
                _ => &empty,
            }),
            masks: Vec::new(),
            depth: (name == "FV").then(|| depth.view()),
            truth: &[],
        })
        .collect();
    let overlay = render_overlay(&rig, 42, 1_234_567, &cameras, &style, None);
    let layout = overlay_layout(&rig, &style);
    let vehicle = layout.vehicle.unwrap();
    let (cx, cy) = vehicle.centre();
    let body = *overlay.get_pixel(cx as u32, cy as u32);
    let corner = *overlay.get_pixel(vehicle.x + 2, vehicle.y + 2);
    assert_ne!(
        body, corner,
        "the icon's body differs from the background around it"
    );
    let front = tile(&layout, &rig, "FV").rect;
    // Shoulder (600, 380) to elbow (580, 460), scaled by 480/1280.
    let scale = 480.0 / 1280.0;
    let (mx, my) = (590.0 * scale, 420.0 * scale);
    let limb = *overlay.get_pixel(front.x + mx as u32, front.y + my as u32);
    assert_eq!(limb, skeleton_color(0));
    if let Some(path) = std::env::var_os("PANOPTES_OVERLAY_FISHEYE_OUT") {
        overlay.save(&path).unwrap();
    }
}

#[test]
fn extreme_styles_are_clamped_instead_of_overflowing() {
    let rig = nuscenes_like();
    let style = OverlayStyle {
        tile_width: 0,
        gap: u32::MAX,
        mask_alpha: f32::NAN,
        depth_max_m: -1.0,
        depth_inset_fraction: 9.0,
        keypoint_threshold: f32::INFINITY,
        box_thickness: u32::MAX,
        text_scale: u32::MAX,
        label_scale: 0,
    };
    let clamped = style.clamped();
    assert_eq!(
        (clamped.tile_width, clamped.gap, clamped.text_scale),
        (64, 64, 16)
    );
    assert_eq!((clamped.mask_alpha, clamped.depth_max_m), (0.4, 60.0));
    let frame = grey_frame(1600, 900);
    let perception = CameraPerception {
        missing: Some("a reason far too long to fit on one line of a tiny tile".into()),
        ..CameraPerception::default()
    };
    let cameras = [OverlayCamera {
        name: "CAM_FRONT",
        image: Some(&frame),
        perception: Some(&perception),
        ..OverlayCamera::default()
    }];
    let overlay = render_overlay(&rig, usize::MAX, u64::MAX, &cameras, &style, None);
    let layout = overlay_layout(&rig, &style);
    assert_eq!(
        (overlay.width(), overlay.height()),
        (layout.width, layout.height)
    );
    assert!(layout.tiles.iter().all(|tile| tile.rect.width == 64));
}
