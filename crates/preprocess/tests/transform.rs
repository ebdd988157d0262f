//! PixelTransform: placement per resize mode and the exact round trip.
#![allow(clippy::unwrap_used)]

use panoptes_preprocess::{ColorOrder, InputLayout, PixelTransform, ResizeMode};

fn layout(width: u32, height: u32, resize: ResizeMode) -> InputLayout {
    InputLayout::new("images", width, height, ColorOrder::Rgb, resize)
}

#[test]
fn yolox_letterbox_of_a_nuscenes_frame() {
    let transform =
        PixelTransform::for_layout(&layout(416, 416, ResizeMode::LetterboxTopLeft), 1600, 900);
    assert_eq!(transform.content(), (0, 0, 416, 234));
    assert!((transform.scale_x - 0.26).abs() < 1e-12);
    assert!((transform.scale_y - 0.26).abs() < 1e-12);
    // The README's truck box (x, y, w, h ≈ 132, 229, 484, 401) seen from the model side.
    let model_box = [132.0 * 0.26, 229.0 * 0.26, 484.0 * 0.26, 401.0 * 0.26];
    let original = transform.box_to_original(model_box);
    for (got, want) in original.iter().zip([132.0, 229.0, 484.0, 401.0]) {
        assert!((got - want).abs() < 1e-9, "{original:?}");
    }
}

#[test]
fn top_left_truncates_and_center_rounds_the_resized_size() {
    // r = 4/7: the height 3 * 4/7 = 1.71 becomes 1 (YOLOX's int()) or 2 (Ultralytics' round()).
    let top_left = PixelTransform::for_layout(&layout(4, 4, ResizeMode::LetterboxTopLeft), 7, 3);
    assert_eq!(top_left.content(), (0, 0, 4, 1));
    let center = PixelTransform::for_layout(&layout(4, 4, ResizeMode::LetterboxCenter), 7, 3);
    assert_eq!(center.content(), (0, 1, 4, 2));
    // Odd padding: 8 - 5 = 3 rows, 1 above and 2 below.
    let odd = PixelTransform::for_layout(&layout(8, 8, ResizeMode::LetterboxCenter), 8, 5);
    assert_eq!(odd.content(), (0, 1, 8, 5));
    let stretch = PixelTransform::for_layout(&layout(640, 360, ResizeMode::Stretch), 1600, 900);
    assert_eq!(stretch.content(), (0, 0, 640, 360));
    assert_eq!((stretch.scale_x, stretch.scale_y), (0.4, 0.4));
}

#[test]
fn corners_map_onto_the_content_rectangle_and_back() {
    let modes = [
        ResizeMode::Stretch,
        ResizeMode::LetterboxCenter,
        ResizeMode::LetterboxTopLeft,
    ];
    for mode in modes {
        for (width, height) in [(1600, 900), (900, 1600), (333, 77), (5, 5), (1280, 966)] {
            let transform = PixelTransform::for_layout(&layout(416, 320, mode), width, height);
            let (left, top, resized_width, resized_height) = transform.content();
            assert_eq!(
                transform.to_model(0.0, 0.0),
                (f64::from(left), f64::from(top))
            );
            let (right, bottom) = transform.to_model(f64::from(width), f64::from(height));
            assert!((right - f64::from(left + resized_width)).abs() < 1e-9);
            assert!((bottom - f64::from(top + resized_height)).abs() < 1e-9);
            for point in [(0.0, 0.0), (12.5, 3.25), (f64::from(width) - 0.5, 41.0)] {
                let model = transform.to_model(point.0, point.1);
                let back = transform.to_original(model.0, model.1);
                assert!(
                    (back.0 - point.0).abs() < 1e-9,
                    "{mode:?} {point:?} {back:?}"
                );
                assert!(
                    (back.1 - point.1).abs() < 1e-9,
                    "{mode:?} {point:?} {back:?}"
                );
            }
            if mode != ResizeMode::Stretch {
                // A letterbox keeps the aspect ratio to within the rounding of one resized pixel.
                let aspect = transform.scale_x / transform.scale_y;
                let shorter = f64::from(resized_width.min(resized_height));
                assert!((aspect - 1.0).abs() < 1.0 / (shorter - 1.0), "{aspect}");
                assert!(resized_width == 416 || resized_height == 320);
            }
        }
    }
}
