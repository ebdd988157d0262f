//! Measures one frame set's pre-processing: the six 1600×900 nuScenes JPEGs (encoded bytes read
//! once, outside the timed loop) decoded, resized and normalised into one batch, cameras in
//! parallel on rayon's global pool. Two layouts: YOLOX-nano (416×416 letterbox top-left, BGR,
//! pad 114, raw 0–255) and TwinLiteNet (640×360 stretch, RGB, /255); plus a 1×1 stretch, whose
//! resize is negligible, as the floor that JPEG decoding alone sets. Then the same six frames
//! as a camera driver would hand them over, decoded beforehand: RGB8 (read in place) and NV12
//! (converted to RGB, BT.601, on the workers), into the YOLOX layout. Does nothing, after a
//! notice, when ../shared/real is absent.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use panoptes_fixtures::{nuscenes_frame, NUSCENES_CAMERAS};
use panoptes_preprocess::{
    rgb_to_nv12, ColorOrder, ImageSource, InputLayout, PixelFormat, Preprocessor, RawImage,
    ResizeMode,
};

fn frame_set() -> Option<Vec<Vec<u8>>> {
    NUSCENES_CAMERAS
        .iter()
        .map(|camera| nuscenes_frame(camera).map(|path| std::fs::read(path).unwrap()))
        .collect()
}

fn bench_layout(criterion: &mut Criterion, name: &str, layout: InputLayout, frames: &[Vec<u8>]) {
    let sources: Vec<ImageSource<'_>> = frames
        .iter()
        .map(|bytes| ImageSource::Encoded(bytes))
        .collect();
    bench_sources(criterion, name, layout, &sources);
}

fn bench_sources(
    criterion: &mut Criterion,
    name: &str,
    layout: InputLayout,
    sources: &[ImageSource<'_>],
) {
    let mut preprocessor = Preprocessor::new(layout, sources.len()).unwrap();
    criterion.bench_function(name, |bencher| {
        bencher.iter(|| {
            let results = preprocessor.preprocess(black_box(sources)).unwrap();
            assert!(results.iter().all(Result::is_ok));
            black_box(preprocessor.batch()[[0, 0, 0, 0]]);
        });
    });
}

fn preprocess(criterion: &mut Criterion) {
    let Some(frames) = frame_set() else {
        eprintln!("preprocess bench: nuScenes fixtures absent, nothing measured");
        return;
    };
    let yolox = InputLayout::new(
        "images",
        416,
        416,
        ColorOrder::Bgr,
        ResizeMode::LetterboxTopLeft,
    )
    .with_pad_value(114);
    bench_layout(
        criterion,
        "six nuScenes frames → 416x416 letterbox-top-left BGR",
        yolox,
        &frames,
    );
    let twinlitenet = InputLayout::new("images", 640, 360, ColorOrder::Rgb, ResizeMode::Stretch)
        .with_scale(1.0 / 255.0);
    bench_layout(
        criterion,
        "six nuScenes frames → 640x360 stretch RGB /255",
        twinlitenet,
        &frames,
    );
    let decoding_floor = InputLayout::new("images", 1, 1, ColorOrder::Rgb, ResizeMode::Stretch);
    bench_layout(
        criterion,
        "six nuScenes frames → 1x1 (decoding alone)",
        decoding_floor,
        &frames,
    );
    let rgb: Vec<image::RgbImage> = frames
        .iter()
        .map(|bytes| image::load_from_memory(bytes).unwrap().to_rgb8())
        .collect();
    let nv12: Vec<Vec<u8>> = rgb
        .iter()
        .map(|image| rgb_to_nv12(image.width(), image.height(), image.as_raw()))
        .collect();
    let layout = || {
        InputLayout::new(
            "images",
            416,
            416,
            ColorOrder::Bgr,
            ResizeMode::LetterboxTopLeft,
        )
        .with_pad_value(114)
    };
    let raw = |format, image: &image::RgbImage, data| {
        ImageSource::Raw(RawImage::packed(
            format,
            image.width(),
            image.height(),
            data,
        ))
    };
    let sources: Vec<ImageSource<'_>> = rgb
        .iter()
        .map(|image| raw(PixelFormat::Rgb8, image, image.as_raw().as_slice()))
        .collect();
    bench_sources(
        criterion,
        "six decoded RGB8 frames → 416x416 letterbox-top-left BGR",
        layout(),
        &sources,
    );
    let sources: Vec<ImageSource<'_>> = rgb
        .iter()
        .zip(&nv12)
        .map(|(image, data)| raw(PixelFormat::Nv12, image, data.as_slice()))
        .collect();
    bench_sources(
        criterion,
        "six NV12 frames → 416x416 letterbox-top-left BGR",
        layout(),
        &sources,
    );
}

criterion_group!(benches, preprocess);
criterion_main!(benches);
