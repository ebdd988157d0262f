//! Image sources (JPEG, PNG, files, RGB8) and per-camera failures that leave the others intact.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use image::{ImageFormat, RgbImage};
use ndarray::s;
use panoptes_preprocess::{
    ColorOrder, ImageSource, InputLayout, PixelFormat, PreprocessError, Preprocessor, RawImage,
    ResizeMode,
};

/// A smooth colour gradient, so JPEG round trips stay close to the original.
fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
    })
}

fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

fn layout() -> InputLayout {
    InputLayout::new(
        "images",
        32,
        32,
        ColorOrder::Bgr,
        ResizeMode::LetterboxTopLeft,
    )
    .with_pad_value(114)
}

fn rgb8(image: &RgbImage) -> ImageSource<'_> {
    ImageSource::Raw(RawImage::packed(
        PixelFormat::Rgb8,
        image.width(),
        image.height(),
        image.as_raw(),
    ))
}

#[test]
fn encoded_jpeg_and_png_match_their_decoded_pixels() {
    let image = gradient(48, 24);
    let png = encode(&image, ImageFormat::Png);
    let jpeg = encode(&image, ImageFormat::Jpeg);
    // The reference for the JPEG is `image`'s own decode of the same bytes.
    let jpeg_decoded = image::load_from_memory(&jpeg).unwrap().into_rgb8();
    let mut preprocessor = Preprocessor::new(layout(), 4).unwrap();
    let results = preprocessor
        .preprocess(&[
            ImageSource::Encoded(&png),
            rgb8(&image),
            ImageSource::Encoded(&jpeg),
            rgb8(&jpeg_decoded),
        ])
        .unwrap();
    for result in &results {
        assert_eq!(result.as_ref().unwrap().content(), (0, 0, 32, 16));
    }
    let batch = preprocessor.batch();
    assert_eq!(
        batch.slice(s![0, .., .., ..]),
        batch.slice(s![1, .., .., ..])
    );
    assert_eq!(
        batch.slice(s![2, .., .., ..]),
        batch.slice(s![3, .., .., ..])
    );
    // And the JPEG stays close to the lossless original.
    let difference = (&batch.slice(s![2, .., .., ..]) - &batch.slice(s![0, .., .., ..]))
        .mapv(f32::abs)
        .mean()
        .unwrap();
    assert!(difference < 3.0, "mean absolute difference {difference}");
}

#[test]
fn corrupt_and_missing_images_fail_alone() {
    let directory =
        std::env::temp_dir().join(format!("panoptes-preprocess-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let good_path = directory.join("good.jpg");
    let jpeg = encode(&gradient(40, 30), ImageFormat::Jpeg);
    std::fs::write(&good_path, &jpeg).unwrap();
    let mut corrupt = jpeg.clone();
    corrupt.truncate(jpeg.len() / 3);
    let mut garbage = vec![0xFF, 0xD8, 0xFF];
    garbage.extend(std::iter::repeat_n(0x5A, 500));
    let absent = directory.join("absent.jpg");

    let mut preprocessor = Preprocessor::new(layout(), 6).unwrap();
    let results = preprocessor
        .preprocess(&[
            ImageSource::File(&good_path),
            ImageSource::Encoded(&corrupt),
            ImageSource::Encoded(&garbage),
            ImageSource::File(&absent),
            ImageSource::Missing,
            ImageSource::Encoded(&jpeg),
        ])
        .unwrap();
    std::fs::remove_dir_all(&directory).unwrap();

    assert!(results[0].is_ok() && results[5].is_ok());
    assert!(
        matches!(results[1], Err(PreprocessError::Decode { .. })),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(results[2], Err(PreprocessError::Decode { .. })),
        "{:?}",
        results[2]
    );
    match &results[3] {
        Err(PreprocessError::Read { path, .. }) => assert_eq!(path, &absent),
        other => panic!("expected a read error, got {other:?}"),
    }
    assert!(matches!(
        results[4],
        Err(PreprocessError::MissingImage { camera: 4 })
    ));

    let batch = preprocessor.batch();
    assert_eq!(batch.shape(), &[6, 3, 32, 32]);
    for camera in 1..5 {
        assert!(
            batch
                .slice(s![camera, .., .., ..])
                .iter()
                .all(|v| *v == 114.0),
            "camera {camera}"
        );
    }
    // The good cameras are untouched by their neighbours' failures: file and bytes agree, and
    // hold the image (the gradient's blue 90 in plane 0 of BGR), not padding.
    assert_eq!(
        batch.slice(s![0, .., .., ..]),
        batch.slice(s![5, .., .., ..])
    );
    assert!(
        (batch[[0, 0, 5, 5]] - 90.0).abs() <= 3.0,
        "{}",
        batch[[0, 0, 5, 5]]
    );
}

#[test]
fn wrong_buffer_sizes_and_capacity_are_errors() {
    let mut preprocessor = Preprocessor::new(layout(), 2).unwrap();
    let short = [0_u8; 11];
    let results = preprocessor
        .preprocess(&[ImageSource::Raw(RawImage::packed(
            PixelFormat::Rgb8,
            2,
            2,
            &short,
        ))])
        .unwrap();
    let message = results[0].as_ref().unwrap_err().to_string();
    assert!(message.contains("11 bytes given, 12 needed"), "{message}");
    let empty = ImageSource::Raw(RawImage::packed(PixelFormat::Rgb8, 0, 5, &[]));
    let results = preprocessor.preprocess(&[empty]).unwrap();
    let message = results[0].as_ref().unwrap_err().to_string();
    assert!(
        message.contains("rgb8 image of 0x5: the image is empty"),
        "{message}"
    );
    let too_many = preprocessor.preprocess(&[ImageSource::Missing; 3]);
    assert!(matches!(
        too_many,
        Err(PreprocessError::TooManyImages {
            got: 3,
            capacity: 2
        })
    ));
    assert!(matches!(
        Preprocessor::new(layout(), 0),
        Err(PreprocessError::InvalidCapacity { got: 0, .. })
    ));
    // 16384×16384 is a valid side, but six of them would need 18 GiB of input batch.
    let mut huge = layout();
    huge.width = 16_384;
    huge.height = 16_384;
    let error = Preprocessor::new(huge, 6).unwrap_err();
    assert!(
        matches!(error, PreprocessError::BatchTooLarge { mib: 18432, .. }),
        "{error}"
    );
    let mut bad = layout();
    bad.std[1] = 0.0;
    assert!(matches!(
        Preprocessor::new(bad, 1),
        Err(PreprocessError::InvalidLayout { .. })
    ));
}

#[test]
fn buffers_reused_across_frame_sets_give_fresh_results() {
    let wide = gradient(64, 20);
    let tall = gradient(20, 64);
    let fresh = |image: &RgbImage| {
        let mut preprocessor = Preprocessor::new(layout(), 1).unwrap();
        let results = preprocessor.preprocess(&[rgb8(image)]).unwrap();
        (
            results[0].as_ref().unwrap().content(),
            preprocessor.batch().to_owned(),
        )
    };
    let mut reused = Preprocessor::new(layout(), 2).unwrap();
    for (first, second) in [(&wide, &tall), (&tall, &wide), (&wide, &wide)] {
        let results = reused.preprocess(&[rgb8(first), rgb8(second)]).unwrap();
        for (camera, image) in [first, second].into_iter().enumerate() {
            let (content, batch) = fresh(image);
            assert_eq!(results[camera].as_ref().unwrap().content(), content);
            assert_eq!(
                reused.batch().slice(s![camera, .., .., ..]),
                batch.slice(s![0, .., .., ..])
            );
        }
    }
    // A smaller frame set shrinks the batch view.
    reused.preprocess(&[rgb8(&wide)]).unwrap();
    assert_eq!(reused.batch().shape(), &[1, 3, 32, 32]);
}

#[test]
fn grayscale_jpeg_is_expanded_to_three_equal_channels() {
    let grey = image::GrayImage::from_fn(16, 16, |x, _| image::Luma([(x * 16) as u8]));
    let mut bytes = Cursor::new(Vec::new());
    grey.write_to(&mut bytes, ImageFormat::Jpeg).unwrap();
    let bytes = bytes.into_inner();
    let layout = InputLayout::new("images", 16, 16, ColorOrder::Rgb, ResizeMode::Stretch);
    let mut preprocessor = Preprocessor::new(layout, 1).unwrap();
    let results = preprocessor
        .preprocess(&[ImageSource::Encoded(&bytes)])
        .unwrap();
    results[0].as_ref().unwrap();
    let batch = preprocessor.batch();
    assert_eq!(batch.slice(s![0, 0, .., ..]), batch.slice(s![0, 1, .., ..]));
    assert_eq!(batch.slice(s![0, 0, .., ..]), batch.slice(s![0, 2, .., ..]));
    assert!((batch[[0, 0, 3, 12]] - 192.0).abs() <= 4.0);
}

#[test]
fn a_failure_between_frame_sets_leaves_no_trace() {
    let wide = gradient(64, 20);
    let mut fresh = Preprocessor::new(layout(), 1).unwrap();
    fresh.preprocess(&[rgb8(&wide)]).unwrap();
    let mut reused = Preprocessor::new(layout(), 1).unwrap();
    let frame_sets = [rgb8(&wide), ImageSource::Missing, rgb8(&wide)];
    for (index, source) in frame_sets.into_iter().enumerate() {
        let results = reused.preprocess(&[source]).unwrap();
        assert_eq!(results[0].is_ok(), index != 1);
    }
    assert_eq!(reused.batch(), fresh.batch());
}

#[test]
fn a_taken_batch_equals_the_batch_and_a_dirty_spare_is_fully_rewritten() {
    let wide = gradient(48, 24);
    let tall = gradient(20, 40);
    let mut reference = Preprocessor::new(layout(), 2).unwrap();
    let mut recycling = Preprocessor::new(layout(), 2).unwrap();
    let mut spare = None;
    // Letterboxing remembers where it wrote padding and skips it when the next image has the
    // same size; a given-back buffer holds other values there, so every batch must still come
    // out equal to a fresh pre-processor's.
    for _ in 0..3 {
        let sources = [rgb8(&wide), rgb8(&tall)];
        reference.preprocess(&sources).unwrap();
        recycling.preprocess(&sources).unwrap();
        let taken = recycling.take_batch(spare.take());
        assert_eq!(taken, reference.batch());
        let mut dirty = taken;
        dirty.fill(-7.0);
        spare = Some(dirty);
    }
    // Fewer sources than the capacity: a copy of the filled part.
    reference.preprocess(&[rgb8(&wide)]).unwrap();
    recycling.preprocess(&[rgb8(&wide)]).unwrap();
    let taken = recycling.take_batch(spare);
    assert_eq!(taken.dim().0, 1);
    assert_eq!(taken, reference.batch());
}
