//! A camera image from an untrusted source through the pre-processor: encoded bytes (JPEG,
//! PNG, ...) or a raw buffer (RGB8, BGR8, NV12, YUYV with a stride), decoded, resized and
//! normalised into a batch. The first byte picks the kind; for a raw buffer the next six give
//! its width, height and stride padding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use panoptes_preprocess::{
    ColorOrder, ImageSource, InputLayout, PixelFormat, Preprocessor, RawImage, ResizeMode,
};
use std::cell::RefCell;

const FORMATS: [PixelFormat; 4] = [
    PixelFormat::Rgb8,
    PixelFormat::Bgr8,
    PixelFormat::Nv12,
    PixelFormat::Yuyv,
];

thread_local! {
    static PREPROCESSOR: RefCell<Preprocessor> = RefCell::new(
        Preprocessor::new(
            InputLayout::new("images", 64, 48, ColorOrder::Rgb, ResizeMode::LetterboxCenter),
            1,
        )
        .expect("a valid layout"),
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let source = if selector < 128 || rest.len() < 6 {
        ImageSource::Encoded(rest)
    } else {
        let number = |at: usize| u32::from(u16::from_le_bytes([rest[at], rest[at + 1]]));
        let format = FORMATS[usize::from(selector) % FORMATS.len()];
        let (width, height) = (number(0) % 2048, number(2) % 2048);
        let stride = format.row_bytes(width) + (number(4) % 64) as usize;
        ImageSource::Raw(RawImage {
            format,
            width,
            height,
            stride,
            data: &rest[6..],
        })
    };
    PREPROCESSOR.with(|preprocessor| {
        let _ = preprocessor.borrow_mut().preprocess(&[source]);
    });
});
