//! Known-answer pixel values for each resize mode, colour order and scale/mean/std.
#![allow(clippy::unwrap_used)]

use ndarray::{s, Array2};
use panoptes_preprocess::{
    ColorOrder, ImageSource, InputLayout, PixelFormat, Preprocessor, RawImage, ResizeMode,
};

/// A 4x2 test image: red rows [0, 40, 80, 120] and [200; 4], green = 255 - red, blue = 7.
fn test_image() -> Vec<u8> {
    let red = [0_u8, 40, 80, 120, 200, 200, 200, 200];
    red.iter().flat_map(|&r| [r, 255 - r, 7]).collect()
}

/// Runs one image through a fresh pre-processor; returns the [3, H, W] planes.
fn run(layout: InputLayout, width: u32, height: u32, pixels: &[u8]) -> ndarray::Array3<f32> {
    let mut preprocessor = Preprocessor::new(layout, 1).unwrap();
    let results = preprocessor
        .preprocess(&[ImageSource::Raw(RawImage::packed(
            PixelFormat::Rgb8,
            width,
            height,
            pixels,
        ))])
        .unwrap();
    results[0].as_ref().unwrap();
    preprocessor.batch().slice(s![0, .., .., ..]).to_owned()
}

fn rows(values: &[[f32; 8]]) -> Array2<f32> {
    Array2::from_shape_vec((values.len(), 8), values.concat()).unwrap()
}

/// Red plane of the 4x2 image upscaled to 8x4, worked out by hand from the sampling rule
/// src = (dst + 0.5) / 2 - 0.5 (clamped): columns weigh 1, .75/.25, .25/.75, ..., 1.
fn red_8x4() -> Array2<f32> {
    rows(&[
        [0.0, 10.0, 30.0, 50.0, 70.0, 90.0, 110.0, 120.0],
        // 0.75 * row 0 + 0.25 * 200: 57.5 and friends round half up, as OpenCV's 8-bit output.
        [50.0, 58.0, 73.0, 88.0, 103.0, 118.0, 133.0, 140.0],
        [150.0, 153.0, 158.0, 163.0, 168.0, 173.0, 178.0, 180.0],
        [200.0; 8],
    ])
}

#[test]
fn letterbox_center_pads_above_and_below() {
    let layout = InputLayout::new("images", 8, 8, ColorOrder::Rgb, ResizeMode::LetterboxCenter)
        .with_pad_value(114);
    let planes = run(layout, 4, 2, &test_image());
    let pad = Array2::from_elem((2, 8), 114.0);
    for plane in 0..3 {
        assert_eq!(planes.slice(s![plane, 0..2, ..]), pad, "plane {plane} top");
        assert_eq!(
            planes.slice(s![plane, 6..8, ..]),
            pad,
            "plane {plane} bottom"
        );
    }
    let red = red_8x4();
    assert_eq!(planes.slice(s![0, 2..6, ..]), red);
    // Green is 255 - red before rounding, so after rounding half up it is 255 - red or 1 more.
    let green = planes.slice(s![1, 2..6, ..]);
    for (g, r) in green.iter().zip(red.iter()) {
        assert!(*g == 255.0 - r || *g == 256.0 - r, "green {g} red {r}");
    }
    assert_eq!(
        planes.slice(s![2, 2..6, ..]),
        Array2::from_elem((4, 8), 7.0)
    );
}

#[test]
fn letterbox_top_left_pads_below_only() {
    let layout = InputLayout::new(
        "images",
        8,
        8,
        ColorOrder::Rgb,
        ResizeMode::LetterboxTopLeft,
    );
    let planes = run(layout, 4, 2, &test_image());
    assert_eq!(planes.slice(s![0, 0..4, ..]), red_8x4());
    // Default pad value 0.
    assert_eq!(
        planes
            .slice(s![.., 4..8, ..])
            .iter()
            .filter(|v| **v != 0.0)
            .count(),
        0
    );
}

#[test]
fn stretch_downscale_averages_pixel_pairs() {
    // 4x2 → 2x1: src x = (d + 0.5) * 2 - 0.5 = 0.5 and 2.5, y = 0.5: each output is a 2x2 mean.
    let layout = InputLayout::new("images", 2, 1, ColorOrder::Rgb, ResizeMode::Stretch);
    let planes = run(layout, 4, 2, &test_image());
    assert_eq!(planes.slice(s![0, 0, ..]).to_vec(), [110.0, 150.0]);
    assert_eq!(planes.slice(s![1, 0, ..]).to_vec(), [145.0, 105.0]);
    assert_eq!(planes.slice(s![2, 0, ..]).to_vec(), [7.0, 7.0]);
}

#[test]
fn stretch_fills_the_whole_input_with_independent_scales() {
    // 4x2 → 8x8: x as above, y upsampled by 4: src y = (d + 0.5) / 4 - 0.5.
    let layout = InputLayout::new("images", 8, 8, ColorOrder::Rgb, ResizeMode::Stretch);
    let planes = run(layout, 4, 2, &test_image());
    let top = [0.0, 10.0, 30.0, 50.0, 70.0, 90.0, 110.0, 120.0];
    let column_zero: Vec<f32> = planes.slice(s![0, .., 0]).to_vec();
    // Rows 0 and 1 sit above source row 0's centre (clamped); then weights 1/8, 3/8, 5/8, 7/8.
    assert_eq!(
        column_zero,
        [0.0, 0.0, 25.0, 75.0, 125.0, 175.0, 200.0, 200.0]
    );
    assert_eq!(planes.slice(s![0, 0, ..]).to_vec(), top);
    assert_eq!(planes.slice(s![0, 7, ..]).to_vec(), [200.0; 8]);
}

#[test]
fn identity_size_copies_pixels_exactly() {
    let layout = InputLayout::new("images", 4, 2, ColorOrder::Rgb, ResizeMode::LetterboxCenter);
    let pixels = test_image();
    let planes = run(layout, 4, 2, &pixels);
    for (index, rgb) in pixels.chunks_exact(3).enumerate() {
        for (plane, value) in rgb.iter().enumerate() {
            assert_eq!(planes[[plane, index / 4, index % 4]], f32::from(*value));
        }
    }
}

#[test]
fn colour_order_scale_mean_and_std() {
    let pixels = [200_u8, 100, 50].repeat(6 * 4);
    let mean = [0.485, 0.456, 0.406];
    let std = [0.229, 0.224, 0.225];
    let normalised = |value: f32, plane: usize| (value / 255.0 - mean[plane]) / std[plane];
    for (order, levels) in [
        (ColorOrder::Rgb, [200.0, 100.0, 50.0]),
        (ColorOrder::Bgr, [50.0, 100.0, 200.0]),
    ] {
        let layout = InputLayout::new("images", 6, 6, order, ResizeMode::LetterboxCenter)
            .with_pad_value(114)
            .with_scale(1.0 / 255.0)
            .with_mean_std(mean, std);
        let planes = run(layout, 6, 4, &pixels);
        for plane in 0..3 {
            let content = planes[[plane, 3, 2]];
            let want = normalised(levels[plane], plane);
            assert!(
                (content - want).abs() < 1e-5,
                "{order:?} {plane}: {content} vs {want}"
            );
            // Padding is 114 grey, normalised like any pixel.
            let padding = planes[[plane, 0, 0]];
            assert!(
                (padding - normalised(114.0, plane)).abs() < 1e-5,
                "{padding}"
            );
        }
    }
}
