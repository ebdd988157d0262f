//! Raw camera buffers: every pixel format with a padded stride gives the RGB it encodes.
#![allow(clippy::unwrap_used)]

use panoptes_preprocess::{rgb_to_yuv, yuv_to_rgb, PixelFormat, RawImage};

/// A 6 × 4 test image: distinct colours, constant over each 2 × 2 block (so 4:2:0 and 4:2:2
/// chroma subsampling lose nothing).
fn blocks() -> Vec<[u8; 3]> {
    let colours = [
        [200, 30, 40],
        [20, 180, 60],
        [40, 50, 220],
        [128, 128, 128],
        [250, 250, 10],
        [16, 16, 16],
    ];
    (0..4)
        .flat_map(|row: usize| (0..6).map(move |column: usize| colours[(row / 2) * 3 + column / 2]))
        .collect()
}

/// Rows of `row_bytes(pixel row)` padded to `stride` with 0xEE.
fn padded(rows: Vec<Vec<u8>>, stride: usize) -> Vec<u8> {
    rows.into_iter()
        .flat_map(|mut row| {
            row.resize(stride, 0xEE);
            row
        })
        .collect()
}

fn convert(format: PixelFormat, stride: usize, data: &[u8]) -> Vec<u8> {
    let raw = RawImage {
        format,
        width: 6,
        height: 4,
        stride,
        data,
    };
    let mut scratch = Vec::new();
    raw.to_rgb8(&mut scratch).unwrap().to_vec()
}

#[test]
fn rgb_and_bgr_with_a_stride_give_the_same_pixels() {
    let pixels = blocks();
    let rgb: Vec<Vec<u8>> = pixels.chunks(6).map(|row| row.concat()).collect();
    let expected: Vec<u8> = rgb.concat();
    assert_eq!(convert(PixelFormat::Rgb8, 18, &expected), expected);
    assert_eq!(convert(PixelFormat::Rgb8, 24, &padded(rgb, 24)), expected);
    let bgr: Vec<Vec<u8>> = pixels
        .chunks(6)
        .map(|row| row.iter().flat_map(|[r, g, b]| [*b, *g, *r]).collect())
        .collect();
    assert_eq!(convert(PixelFormat::Bgr8, 20, &padded(bgr, 20)), expected);
}

#[test]
fn nv12_and_yuyv_decode_to_the_colours_they_encode() {
    let pixels = blocks();
    let yuv: Vec<[u8; 3]> = pixels.iter().map(|rgb| rgb_to_yuv(*rgb)).collect();
    // What the fixed-point round trip gives, pixel by pixel.
    let expected: Vec<u8> = yuv
        .iter()
        .flat_map(|[y, u, v]| yuv_to_rgb(*y, *u, *v))
        .collect();
    for (got, want) in expected.iter().zip(pixels.iter().flatten()) {
        assert!(got.abs_diff(*want) <= 2, "round trip {got} vs {want}");
    }
    let stride = 8;
    let luma: Vec<Vec<u8>> = yuv
        .chunks(6)
        .map(|row| row.iter().map(|p| p[0]).collect())
        .collect();
    let chroma: Vec<Vec<u8>> = yuv
        .chunks(6)
        .step_by(2)
        .map(|row| {
            row.chunks(2)
                .flat_map(|pair| [pair[0][1], pair[0][2]])
                .collect()
        })
        .collect();
    let nv12 = padded([luma, chroma].concat(), stride);
    assert_eq!(convert(PixelFormat::Nv12, stride, &nv12), expected);
    let packed: Vec<Vec<u8>> = yuv
        .chunks(6)
        .map(|row| {
            row.chunks(2)
                .flat_map(|pair| [pair[0][0], pair[0][1], pair[1][0], pair[0][2]])
                .collect()
        })
        .collect();
    assert_eq!(
        convert(PixelFormat::Yuyv, 14, &padded(packed, 14)),
        expected
    );
    // Video range: black and white are 16 and 235.
    assert_eq!(yuv_to_rgb(16, 128, 128), [0, 0, 0]);
    assert_eq!(yuv_to_rgb(235, 128, 128), [255, 255, 255]);
}

#[test]
fn bad_buffers_say_what_is_wrong() {
    let message = |raw: RawImage<'_>| raw.validate().unwrap_err().to_string();
    let data = [0_u8; 64];
    let odd = RawImage::packed(PixelFormat::Nv12, 5, 4, &data);
    assert!(message(odd).contains("even width and height"));
    let short_stride = RawImage {
        stride: 10,
        ..RawImage::packed(PixelFormat::Yuyv, 6, 2, &data)
    };
    assert!(message(short_stride).contains("stride 10 is shorter than a row's 12 bytes"));
    let short = RawImage::packed(PixelFormat::Nv12, 8, 6, &data[..60]);
    assert!(
        message(short).contains("60 bytes given, 72 needed"),
        "{}",
        message(short)
    );
    assert_eq!(PixelFormat::parse("NV12"), Some(PixelFormat::Nv12));
    assert_eq!(PixelFormat::parse("i420"), None);
}

#[test]
fn nv12_through_the_preprocessor_equals_its_rgb_conversion() {
    use panoptes_preprocess::{ColorOrder, ImageSource, InputLayout, Preprocessor, ResizeMode};
    // A 64 × 36 gradient in NV12, into a 24 × 24 letterbox: only some rows are converted.
    let (width, height) = (64_usize, 36_usize);
    let mut nv12 = vec![0_u8; width * height * 3 / 2];
    for row in 0..height {
        for column in 0..width {
            nv12[row * width + column] = (16 + (row * 5 + column * 3) % 220) as u8;
        }
    }
    for (index, value) in nv12[width * height..].iter_mut().enumerate() {
        *value = (64 + (index * 7) % 128) as u8;
    }
    let raw = RawImage::packed(PixelFormat::Nv12, width as u32, height as u32, &nv12);
    let mut scratch = Vec::new();
    let rgb = raw.to_rgb8(&mut scratch).unwrap().to_vec();
    let layout = || {
        InputLayout::new(
            "images",
            24,
            24,
            ColorOrder::Bgr,
            ResizeMode::LetterboxCenter,
        )
        .with_pad_value(114)
    };
    let run = |source: ImageSource<'_>| {
        let mut preprocessor = Preprocessor::new(layout(), 1).unwrap();
        preprocessor.preprocess(&[source]).unwrap()[0]
            .as_ref()
            .unwrap();
        preprocessor.batch().to_owned()
    };
    let from_nv12 = run(ImageSource::Raw(raw));
    let from_rgb = run(ImageSource::Raw(RawImage::packed(
        PixelFormat::Rgb8,
        width as u32,
        height as u32,
        &rgb,
    )));
    assert_eq!(from_nv12, from_rgb);
}
