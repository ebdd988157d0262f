//! PNG encoding of class maps (8-bit grey) and depth maps (16-bit grey).

use std::path::Path;

use crate::error::{HeadsError, Result};

/// Grey samples ready for a PNG: one byte per pixel, or two in big-endian order (PNG's own, so
/// that the encoder need not convert them).
#[derive(Debug, Clone, Copy)]
pub(crate) enum GreySamples<'a> {
    /// Class ids.
    Eight(&'a [u8]),
    /// Millimetres, big-endian byte pairs.
    SixteenBigEndian(&'a [u8]),
}

/// Encodes grey pixels into PNG bytes.
///
/// Fast (fdeflate) compression with one fixed row filter: `Up` for class maps (rows repeat
/// their neighbours), `Sub` for depth (smooth along a row). Per 640×360 image that is 0.05 ms
/// for a class map and 1.2 ms for depth, against 0.1 and 2.0 ms with the adaptive filter choice,
/// for files about 10% larger.
pub(crate) fn encode(samples: GreySamples<'_>, width: usize, height: usize) -> Result<Vec<u8>> {
    let (pixels, depth, filter) = match samples {
        GreySamples::Eight(pixels) => (pixels, png::BitDepth::Eight, png::Filter::Up),
        GreySamples::SixteenBigEndian(pixels) => (pixels, png::BitDepth::Sixteen, png::Filter::Sub),
    };
    let error = |source: png::EncodingError| HeadsError::Png {
        path: Default::default(),
        source: image::ImageError::Encoding(image::error::EncodingError::new(
            image::error::ImageFormatHint::Exact(image::ImageFormat::Png),
            source,
        )),
    };
    let too_large = || error(png::EncodingError::LimitsExceeded);
    let width = u32::try_from(width).map_err(|_| too_large())?;
    let height = u32::try_from(height).map_err(|_| too_large())?;
    let mut bytes = Vec::with_capacity(pixels.len() / 2 + 1024);
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(depth);
    encoder.set_compression(png::Compression::Fastest);
    encoder.set_filter(filter);
    let mut writer = encoder.write_header().map_err(error)?;
    writer.write_image_data(pixels).map_err(error)?;
    writer.finish().map_err(error)?;
    Ok(bytes)
}

/// Writes PNG bytes to `path`.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| HeadsError::Png {
        path: path.to_path_buf(),
        source: image::ImageError::IoError(source),
    })
}
