//! The six real nuScenes frames (skipped with a notice when ../shared/real is absent) against
//! OpenCV's reference pre-processing and against a direct per-pixel evaluation of the resize rule.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use ndarray::{s, ArrayView2};
use panoptes_fixtures::{nuscenes_frame, NUSCENES_CAMERAS};
use panoptes_preprocess::{ColorOrder, ImageSource, InputLayout, Preprocessor, ResizeMode};

fn yolox() -> InputLayout {
    InputLayout::new(
        "images",
        416,
        416,
        ColorOrder::Bgr,
        ResizeMode::LetterboxTopLeft,
    )
    .with_pad_value(114)
}

fn twinlitenet() -> InputLayout {
    InputLayout::new("images", 640, 360, ColorOrder::Rgb, ResizeMode::Stretch)
        .with_scale(1.0 / 255.0)
}

fn frames() -> Option<Vec<PathBuf>> {
    NUSCENES_CAMERAS
        .iter()
        .map(|camera| nuscenes_frame(camera))
        .collect()
}

/// Means of the four quadrants (top-left, top-right, bottom-left, bottom-right) of a plane.
fn quadrant_means(plane: ArrayView2<'_, f32>) -> [f32; 4] {
    let (height, width) = plane.dim();
    let (half_height, half_width) = (height / 2, width / 2);
    [
        s![..half_height, ..half_width],
        s![..half_height, half_width..],
        s![half_height.., ..half_width],
        s![half_height.., half_width..],
    ]
    .map(|quadrant| plane.slice(quadrant).mean().unwrap())
}

/// Checks CAM_FRONT's planes (content only, in grey levels) against quadrant means of OpenCV's
/// output for the same frame: `cv2.imread` (libjpeg-turbo) + `cv2.resize(INTER_LINEAR)`, made with
/// opencv-python 5.0 as each model's README describes. Different JPEG decoders alone move these
/// means by about 0.2 grey levels.
fn assert_close_to_opencv(layout: InputLayout, content: (usize, usize), reference: [[f32; 4]; 3]) {
    let Some(path) = nuscenes_frame("CAM_FRONT") else {
        return;
    };
    let unit = 1.0 / layout.scale;
    let mut preprocessor = Preprocessor::new(layout, 1).unwrap();
    let results = preprocessor
        .preprocess(&[ImageSource::File(&path)])
        .unwrap();
    results[0].as_ref().unwrap();
    let batch = preprocessor.batch();
    for (plane, want) in reference.iter().enumerate() {
        let levels = batch
            .slice(s![0, plane, ..content.1, ..content.0])
            .mapv(|v| v * unit);
        let got = quadrant_means(levels.view());
        for (got, want) in got.iter().zip(want) {
            assert!(
                (got - want).abs() < 0.5,
                "plane {plane}: {got} vs OpenCV {want}"
            );
        }
    }
}

#[test]
fn yolox_letterbox_of_cam_front_matches_opencv() {
    assert_close_to_opencv(
        yolox(),
        (416, 234),
        [
            [86.17, 136.14, 90.83, 120.36],
            [84.21, 133.82, 96.76, 129.55],
            [80.85, 126.5, 98.28, 135.32],
        ],
    );
}

#[test]
fn twinlitenet_stretch_of_cam_front_matches_opencv() {
    assert_close_to_opencv(
        twinlitenet(),
        (640, 360),
        [
            [80.88, 126.52, 98.38, 135.39],
            [84.22, 133.84, 96.86, 129.62],
            [86.17, 136.17, 90.92, 120.45],
        ],
    );
}

/// The resize rule evaluated directly for one model pixel (grey level before rounding), with the
/// documented fixed-point weights: 11 bits between columns, 8 between rows.
fn direct_sample(
    image: &image::RgbImage,
    ratio: (f64, f64),
    x: usize,
    y: usize,
    channel: usize,
) -> f64 {
    let tap = |destination: usize, ratio: f64, size: u32, bits: i32| {
        let position = ((destination as f64 + 0.5) * ratio - 0.5).max(0.0);
        let first = (position.floor() as u32).min(size - 1);
        let second = (first + 1).min(size - 1);
        let exact = if first == size - 1 {
            0.0
        } else {
            position - f64::from(first)
        };
        let unit = 2_f64.powi(bits);
        (first, second, (exact * unit).round() / unit)
    };
    let (x0, x1, wx) = tap(x, ratio.0, image.width(), 11);
    let (y0, y1, wy) = tap(y, ratio.1, image.height(), 8);
    let at = |x: u32, y: u32| f64::from(image.get_pixel(x, y)[channel]);
    let left = at(x0, y0) * (1.0 - wy) + at(x0, y1) * wy;
    let right = at(x1, y0) * (1.0 - wy) + at(x1, y1) * wy;
    left * (1.0 - wx) + right * wx
}

#[test]
fn six_cameras_in_parallel_match_the_resize_rule_pixel_by_pixel() {
    let Some(paths) = frames() else { return };
    let mut preprocessor = Preprocessor::new(yolox(), 6).unwrap();
    let sources: Vec<ImageSource<'_>> = paths.iter().map(|path| ImageSource::File(path)).collect();
    let results = preprocessor.preprocess(&sources).unwrap();
    let batch = preprocessor.batch();
    assert_eq!(batch.shape(), &[6, 3, 416, 416]);
    for (camera, (path, result)) in paths.iter().zip(&results).enumerate() {
        let transform = result.as_ref().unwrap();
        assert_eq!(transform.content(), (0, 0, 416, 234));
        let image = image::open(path).unwrap().into_rgb8();
        let ratio = (1600.0 / 416.0, 900.0 / 234.0);
        let mut worst: f64 = 0.0;
        for y in 0..234 {
            for x in 0..416 {
                for (plane, channel) in [2, 1, 0].into_iter().enumerate() {
                    let want = direct_sample(&image, ratio, x, y, channel);
                    let got = f64::from(batch[[camera, plane, y, x]]);
                    worst = worst.max((got - want).abs());
                }
            }
        }
        // Rounding to whole grey levels moves a value by at most half a level.
        assert!(
            worst <= 0.5 + 1e-9,
            "camera {camera}: worst difference {worst}"
        );
        let padding = batch.slice(s![camera, .., 234.., ..]);
        assert!(
            padding.iter().all(|v| *v == 114.0),
            "camera {camera} padding"
        );
    }
}
