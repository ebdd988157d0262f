//! Where a camera's image comes from, and decoding it into a reused RGB8 buffer.

use std::io::Read;
use std::path::Path;

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use crate::pixels::RawImage;
use crate::resize::RgbImage;
use crate::PreprocessError;

/// One camera's image for one frame set. Sources borrow their bytes, so a frame set's sources
/// are built per call from whatever owns the data. EXIF orientation is ignored: camera frames are
/// used as stored, which is what their calibration describes.
#[derive(Debug, Clone, Copy)]
pub enum ImageSource<'a> {
    /// An encoded image file (JPEG, PNG, or any format `image` reads), read on the worker.
    File(&'a Path),
    /// Encoded image bytes (JPEG, PNG, ...), e.g. from a camera driver or an archive.
    Encoded(&'a [u8]),
    /// A decoded camera buffer (RGB8, BGR8, NV12, YUYV, with a row stride), converted to RGB
    /// on the worker; tightly packed RGB8 is read in place.
    Raw(RawImage<'a>),
    /// The camera has no frame in this frame set; its slot is filled with padding.
    Missing,
}

/// One camera's reused buffers: the file bytes and the decoded pixels.
#[derive(Debug, Clone, Default)]
pub(crate) struct DecodeScratch {
    file: Vec<u8>,
    pub(crate) pixels: Vec<u8>,
}

impl ImageSource<'_> {
    /// The image as tightly packed RGB8 rows, with its width and height (for drawing on it;
    /// the pre-processor decodes into reused buffers instead).
    pub fn to_rgb8(&self) -> Result<(u32, u32, Vec<u8>), PreprocessError> {
        let mut scratch = DecodeScratch::default();
        let image = decode(self, 0, &mut scratch)?;
        let (width, height) = (image.width as u32, image.height as u32);
        Ok((width, height, image.pixels.to_vec()))
    }
}

/// Decodes `source` (camera number `camera`), borrowing the pixels from it or from `scratch`.
pub(crate) fn decode<'s>(
    source: &ImageSource<'s>,
    camera: usize,
    scratch: &'s mut DecodeScratch,
) -> Result<RgbImage<'s>, PreprocessError> {
    let image = match *source {
        ImageSource::File(path) => {
            scratch.file.clear();
            std::fs::File::open(path)
                .and_then(|mut file| file.read_to_end(&mut scratch.file))
                .map_err(|source| PreprocessError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
            let origin = || path.display().to_string();
            decode_bytes(&scratch.file, &origin, &mut scratch.pixels)?
        }
        ImageSource::Encoded(bytes) => {
            decode_bytes(bytes, &|| "memory".to_owned(), &mut scratch.pixels)?
        }
        ImageSource::Raw(raw) => RgbImage {
            pixels: raw.to_rgb8(&mut scratch.pixels)?,
            width: raw.width as usize,
            height: raw.height as usize,
        },
        ImageSource::Missing => return Err(PreprocessError::MissingImage { camera }),
    };
    if image.width == 0 || image.height == 0 {
        return Err(PreprocessError::EmptyImage {
            origin: describe(source),
            width: image.width,
            height: image.height,
        });
    }
    Ok(image)
}

fn describe(source: &ImageSource<'_>) -> String {
    match source {
        ImageSource::File(path) => path.display().to_string(),
        ImageSource::Encoded(_) => "memory".to_owned(),
        ImageSource::Raw(raw) => format!("a {} buffer", raw.format.name()),
        ImageSource::Missing => "a missing camera".to_owned(),
    }
}

fn decode_bytes<'p>(
    bytes: &[u8],
    origin: &dyn Fn() -> String,
    pixels: &'p mut Vec<u8>,
) -> Result<RgbImage<'p>, PreprocessError> {
    let (width, height) = if bytes.starts_with(&[0xFF, 0xD8]) {
        decode_jpeg(bytes, pixels).map_err(|reason| PreprocessError::Decode {
            format: "JPEG",
            origin: origin(),
            reason,
        })?
    } else {
        let decoded = image::load_from_memory(bytes).map_err(|error| PreprocessError::Decode {
            format: "encoded",
            origin: origin(),
            reason: error.to_string(),
        })?;
        let rgb = decoded.into_rgb8();
        let size = (rgb.width() as usize, rgb.height() as usize);
        *pixels = rgb.into_raw();
        size
    };
    Ok(RgbImage {
        pixels: &pixels[..width * height * 3],
        width,
        height,
    })
}

/// Decodes a JPEG into `pixels` (resized, never shrunk, so the allocation is reused).
fn decode_jpeg(bytes: &[u8], pixels: &mut Vec<u8>) -> Result<(usize, usize), String> {
    // Strict mode turns truncated or corrupt entropy data into an error instead of grey blocks.
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_strict_mode(true);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder
        .decode_headers()
        .map_err(|error| error.to_string())?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| "no image size after the headers".to_owned())?;
    let length = width * height * 3;
    if decoder.output_buffer_size() != Some(length) {
        return Err(format!(
            "decoder would write {:?} bytes for a {width}x{height} RGB image",
            decoder.output_buffer_size()
        ));
    }
    if pixels.len() < length {
        pixels.resize(length, 0);
    }
    decoder
        .decode_into(&mut pixels[..length])
        .map_err(|error| error.to_string())?;
    Ok((width, height))
}
