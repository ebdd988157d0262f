//! Where a camera's image comes from, and decoding it into a reused RGB8 buffer.

use std::io::Read;
use std::path::Path;

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use crate::limits::SizeCheck;
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
        let image = decode(self, 0, &SizeCheck::default(), &mut scratch)?;
        let (width, height) = (image.width as u32, image.height as u32);
        Ok((width, height, image.pixels.to_vec()))
    }
}

/// Decodes `source` (camera number `camera`), borrowing the pixels from it or from `scratch`;
/// its size is checked against `check` before its pixels are allocated.
pub(crate) fn decode<'s>(
    source: &ImageSource<'s>,
    camera: usize,
    check: &SizeCheck,
    scratch: &'s mut DecodeScratch,
) -> Result<RgbImage<'s>, PreprocessError> {
    let gate = SizeGate { check, camera };
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
            decode_bytes(&scratch.file, &origin, gate, &mut scratch.pixels)?
        }
        ImageSource::Encoded(bytes) => {
            decode_bytes(bytes, &|| "memory".to_owned(), gate, &mut scratch.pixels)?
        }
        ImageSource::Raw(raw) => {
            gate.check(raw.width as usize, raw.height as usize, &|| {
                describe(source)
            })?;
            RgbImage {
                pixels: raw.to_rgb8(&mut scratch.pixels)?,
                width: raw.width as usize,
                height: raw.height as usize,
            }
        }
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

/// One camera's size check, applied to an image's header before its pixels are allocated.
#[derive(Clone, Copy)]
struct SizeGate<'a> {
    check: &'a SizeCheck,
    camera: usize,
}

impl SizeGate<'_> {
    fn check(
        self,
        width: usize,
        height: usize,
        origin: &dyn Fn() -> String,
    ) -> Result<(), PreprocessError> {
        self.check
            .check(width as u64, height as u64, self.camera, origin)
    }
}

fn decode_bytes<'p>(
    bytes: &[u8],
    origin: &dyn Fn() -> String,
    gate: SizeGate<'_>,
    pixels: &'p mut Vec<u8>,
) -> Result<RgbImage<'p>, PreprocessError> {
    let (width, height) = if bytes.starts_with(&[0xFF, 0xD8]) {
        decode_jpeg(bytes, origin, gate, pixels)?
    } else {
        let decode_error = |error: image::ImageError| PreprocessError::Decode {
            format: "encoded",
            origin: origin(),
            reason: error.to_string(),
        };
        let reader = || {
            image::ImageReader::new(std::io::Cursor::new(bytes))
                .with_guessed_format()
                .map_err(|error| decode_error(image::ImageError::IoError(error)))
        };
        let (width, height) = reader()?.into_dimensions().map_err(decode_error)?;
        gate.check(width as usize, height as usize, origin)?;
        let decoded = reader()?.decode().map_err(decode_error)?;
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

/// Decodes a JPEG into `pixels` (resized, never shrunk, so the allocation is reused), once
/// `gate` has accepted the size its header gives.
fn decode_jpeg(
    bytes: &[u8],
    origin: &dyn Fn() -> String,
    gate: SizeGate<'_>,
    pixels: &mut Vec<u8>,
) -> Result<(usize, usize), PreprocessError> {
    let failed = |reason: String| PreprocessError::Decode {
        format: "JPEG",
        origin: origin(),
        reason,
    };
    // Strict mode turns truncated or corrupt entropy data into an error instead of grey blocks.
    // The decoder's own size limits are lifted to the format's: `check` sets ours, with an
    // error that says which limit.
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_strict_mode(true)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder
        .decode_headers()
        .map_err(|error| failed(error.to_string()))?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| failed("no image size after the headers".to_owned()))?;
    gate.check(width, height, origin)?;
    let length = width * height * 3;
    if decoder.output_buffer_size() != Some(length) {
        return Err(failed(format!(
            "decoder would write {:?} bytes for a {width}x{height} RGB image",
            decoder.output_buffer_size()
        )));
    }
    if pixels.len() < length {
        pixels.resize(length, 0);
    }
    decoder
        .decode_into(&mut pixels[..length])
        .map_err(|error| failed(error.to_string()))?;
    Ok((width, height))
}
