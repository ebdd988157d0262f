//! Each camera's image decoded once per frame set, for several pre-processors (one per model)
//! to resize from.

use rayon::prelude::*;

use crate::limits::SizeCheck;
use crate::source::{decode, DecodeScratch};
use crate::{ImageSource, PixelFormat, PreprocessError, Preprocessor, RawImage};

/// What decoding one camera gave.
#[derive(Debug)]
enum Decoded {
    /// RGB8 pixels of this size in the camera's buffer.
    Pixels(usize, usize),
    /// Nothing to decode: the source (a raw buffer, a missing camera) is used as it is.
    Unchanged,
    /// The image could not be read.
    Failed(PreprocessError),
}

/// A frame set's encoded images (files, encoded bytes) decoded once into reused RGB8 buffers,
/// so that several models' [`Preprocessor`]s resize from the same pixels instead of each
/// decoding the JPEG again.
///
/// ```
/// use panoptes_preprocess::{
///     ColorOrder, DecodedFrames, ImageSource, InputLayout, Preprocessor, ResizeMode,
/// };
///
/// let mut png = Vec::new();
/// image::RgbImage::from_pixel(4, 2, image::Rgb([255, 0, 0]))
///     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
/// let layout = |width| InputLayout::new("images", width, 8, ColorOrder::Rgb, ResizeMode::Stretch);
/// let mut models = [Preprocessor::new(layout(8), 1)?, Preprocessor::new(layout(4), 1)?];
/// let mut frames = DecodedFrames::default();
/// frames.decode(&[ImageSource::Encoded(&png)], &models[0]);
/// let sources = frames.sources(&[ImageSource::Encoded(&png)]);
/// for model in &mut models {
///     assert!(model.preprocess(&sources)?[0].is_ok());
///     assert_eq!(model.batch()[[0, 0, 0, 0]], 255.0);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct DecodedFrames {
    cameras: Vec<DecodeScratch>,
    decoded: Vec<Decoded>,
}

impl DecodedFrames {
    /// Decodes `sources` (one per camera, in batch order) in parallel, each checked against
    /// `checks`' limits and expected sizes as that pre-processor would check it.
    pub fn decode(&mut self, sources: &[ImageSource<'_>], checks: &Preprocessor) {
        if self.cameras.len() < sources.len() {
            self.cameras
                .resize_with(sources.len(), DecodeScratch::default);
        }
        let fallback = SizeCheck::default();
        self.decoded = self
            .cameras
            .par_iter_mut()
            .zip(sources.par_iter())
            .enumerate()
            .map(|(camera, (scratch, source))| match source {
                ImageSource::File(_) | ImageSource::Encoded(_) => {
                    let check = checks.size_check(camera).unwrap_or(&fallback);
                    match decode(source, camera, check, scratch) {
                        Ok(image) => Decoded::Pixels(image.width, image.height),
                        Err(error) => Decoded::Failed(error),
                    }
                }
                ImageSource::Raw(_) | ImageSource::Missing => Decoded::Unchanged,
            })
            .collect();
    }

    /// The sources to pre-process from: decoded pixels as packed RGB8 in place of what
    /// [`Self::decode`] decoded, `originals`' own entries where there was nothing to decode, and
    /// [`ImageSource::Missing`] where decoding failed (see [`Self::error`]).
    #[must_use]
    pub fn sources<'s>(&'s self, originals: &[ImageSource<'s>]) -> Vec<ImageSource<'s>> {
        originals
            .iter()
            .enumerate()
            .map(|(camera, original)| match self.decoded.get(camera) {
                Some(Decoded::Pixels(width, height)) => {
                    let pixels = &self.cameras[camera].pixels[..width * height * 3];
                    // Sizes come from a decoder, which never exceeds u32.
                    let (width, height) = (*width as u32, *height as u32);
                    ImageSource::Raw(RawImage::packed(PixelFormat::Rgb8, width, height, pixels))
                }
                Some(Decoded::Failed(_)) => ImageSource::Missing,
                Some(Decoded::Unchanged) | None => *original,
            })
            .collect()
    }

    /// Why camera `camera`'s image could not be decoded by the last [`Self::decode`].
    #[must_use]
    pub fn error(&self, camera: usize) -> Option<&PreprocessError> {
        match self.decoded.get(camera) {
            Some(Decoded::Failed(error)) => Some(error),
            _ => None,
        }
    }
}
