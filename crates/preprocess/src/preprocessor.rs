//! The pre-processor: a preallocated NCHW batch filled per camera in parallel.

use ndarray::{s, Array4, ArrayView4};
use rayon::prelude::*;

use crate::limits::SizeCheck;
use crate::resize::{resize_into, Normalisation, ResizeScratch};
use crate::source::{decode, DecodeScratch};
use crate::{ImageLimits, ImageSource, InputLayout, PixelTransform, PreprocessError};

/// Largest batch capacity accepted (a rig has a handful of cameras; this catches typos).
pub const MAX_CAPACITY: usize = 256;

/// Largest batch allocated, in f32 values (1 GiB): six 1920×1080 cameras take 37 M; a manifest
/// asking for far more (16384×16384 inputs) is refused instead of exhausting memory.
pub const MAX_BATCH_VALUES: usize = 1 << 28;

/// What one camera's pre-processing gave: its transform back to original pixels, or why its slot
/// holds padding instead.
pub type CameraResult = Result<PixelTransform, PreprocessError>;

/// Turns the images of a frame set into one `[N, 3, H, W]` f32 batch, laid out as an
/// [`InputLayout`] says, reusing its buffers from one frame set to the next.
///
/// Each camera is decoded, resized and normalised on a rayon worker into its own slice of the
/// batch. A camera that fails (missing file, corrupt JPEG) gets padding and an error in its result;
/// the others are unaffected. Cloning gives another worker its own batch and buffers.
///
/// ```
/// use panoptes_preprocess::{
///     ColorOrder, ImageSource, InputLayout, PixelFormat, Preprocessor, RawImage, ResizeMode,
/// };
///
/// let layout = InputLayout::new("images", 8, 8, ColorOrder::Bgr, ResizeMode::LetterboxTopLeft)
///     .with_pad_value(114);
/// let mut preprocessor = Preprocessor::new(layout, 2)?;
/// let pixels = [255_u8, 0, 0].repeat(4 * 2); // a red 4x2 image
/// let results = preprocessor.preprocess(&[
///     ImageSource::Raw(RawImage::packed(PixelFormat::Rgb8, 4, 2, &pixels)),
///     ImageSource::Missing,
/// ])?;
/// let transform = results[0].as_ref().map_err(|error| error.to_string())?;
/// assert_eq!(transform.to_original(8.0, 4.0), (4.0, 2.0));
/// assert!(results[1].is_err());
/// let batch = preprocessor.batch();
/// assert_eq!(batch.shape(), &[2, 3, 8, 8]);
/// assert_eq!(batch[[0, 2, 0, 0]], 255.0); // plane 2 is red in BGR order
/// assert_eq!(batch[[0, 2, 7, 7]], 114.0); // padding
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Preprocessor {
    layout: InputLayout,
    normalisation: Normalisation,
    batch: Array4<f32>,
    cameras: Vec<CameraScratch>,
    filled: usize,
}

/// One camera's reused buffers.
#[derive(Debug, Clone, Default)]
struct CameraScratch {
    decode: DecodeScratch,
    resize: ResizeScratch,
    check: SizeCheck,
}

impl Preprocessor {
    /// Validates `layout` and allocates a batch for up to `capacity` images.
    pub fn new(layout: InputLayout, capacity: usize) -> Result<Self, PreprocessError> {
        layout.validate()?;
        if capacity == 0 || capacity > MAX_CAPACITY {
            return Err(PreprocessError::InvalidCapacity {
                got: capacity,
                maximum: MAX_CAPACITY,
            });
        }
        let shape = (capacity, 3, layout.height as usize, layout.width as usize);
        let values = shape.0 * shape.1 * shape.2 * shape.3;
        if values > MAX_BATCH_VALUES {
            return Err(PreprocessError::BatchTooLarge {
                capacity,
                width: layout.width,
                height: layout.height,
                mib: (values * std::mem::size_of::<f32>()) >> 20,
                maximum_mib: (MAX_BATCH_VALUES * std::mem::size_of::<f32>()) >> 20,
            });
        }
        Ok(Self {
            normalisation: Normalisation::new(&layout),
            layout,
            batch: Array4::zeros(shape),
            cameras: (0..capacity).map(|_| CameraScratch::default()).collect(),
            filled: 0,
        })
    }

    /// The layout this pre-processor writes.
    #[must_use]
    pub fn layout(&self) -> &InputLayout {
        &self.layout
    }

    /// Refuses images beyond `limits` (by default 16384 pixels a side and 50 megapixels),
    /// from their headers, before their pixels are allocated.
    pub fn set_limits(&mut self, limits: ImageLimits) {
        for camera in &mut self.cameras {
            camera.check.limits = limits;
        }
    }

    /// Refuses an image whose size is not its camera's calibrated `(width, height)` (in batch
    /// order; cameras beyond `sizes` are not checked), from its header.
    pub fn expect_sizes(&mut self, sizes: &[(u32, u32)]) {
        for (index, camera) in self.cameras.iter_mut().enumerate() {
            camera.check.expected = sizes.get(index).copied();
        }
    }

    /// Camera `camera`'s size check (limits and expected size), for decoding outside.
    pub(crate) fn size_check(&self, camera: usize) -> Option<&SizeCheck> {
        self.cameras.get(camera).map(|scratch| &scratch.check)
    }

    /// The most images one call can take.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.cameras.len()
    }

    /// Decodes, resizes and normalises `sources` (one per camera, in batch order) into the batch,
    /// in parallel. Returns one result per source, in the same order; a failed camera's slot holds
    /// padding. The outer error is only for more sources than the capacity.
    pub fn preprocess(
        &mut self,
        sources: &[ImageSource<'_>],
    ) -> Result<Vec<CameraResult>, PreprocessError> {
        if sources.len() > self.capacity() {
            return Err(PreprocessError::TooManyImages {
                got: sources.len(),
                capacity: self.capacity(),
            });
        }
        let _span = tracing::debug_span!("preprocess", cameras = sources.len()).entered();
        let image_len = self.layout.image_len();
        let layout = &self.layout;
        let normalisation = &self.normalisation;
        let batch = self
            .batch
            .as_slice_mut()
            .expect("the batch is allocated by Array4::zeros, hence contiguous");
        let results = batch
            .par_chunks_mut(image_len)
            .zip(self.cameras.par_iter_mut())
            .zip(sources.par_iter())
            .enumerate()
            .map(|(camera, ((slot, scratch), source))| {
                let result =
                    preprocess_camera(camera, source, layout, normalisation, scratch, slot);
                if result.is_err() {
                    normalisation.fill_padding(slot);
                    scratch.resize.forget_padding();
                }
                result
            })
            .collect();
        self.filled = sources.len();
        Ok(results)
    }

    /// Hands over the batch written by the last [`Self::preprocess`] call (`[N, 3, H, W]`, N its
    /// source count) without copying it when N is the capacity, and installs `spare` (a batch
    /// handed over earlier, given back) as the buffer for the next call; a missing or
    /// wrongly shaped spare is replaced by a new buffer. For pipelines that keep several batches
    /// in flight: passing buffers around instead of copying them saves a copy per frame set.
    pub fn take_batch(&mut self, spare: Option<Array4<f32>>) -> Array4<f32> {
        if self.filled != self.capacity() {
            return self.batch().to_owned();
        }
        let shape = self.batch.dim();
        let spare = match spare {
            Some(buffer) if buffer.dim() == shape && buffer.is_standard_layout() => buffer,
            _ => Array4::zeros(shape),
        };
        // The new buffer holds none of the padding that the resizer remembers writing.
        for camera in &mut self.cameras {
            camera.resize.forget_padding();
        }
        std::mem::replace(&mut self.batch, spare)
    }

    /// The batch written by the last [`Self::preprocess`] call: `[N, 3, H, W]`, N its source
    /// count, contiguous (standard layout), ready to hand to the engine.
    #[must_use]
    pub fn batch(&self) -> ArrayView4<'_, f32> {
        self.batch.slice(s![..self.filled, .., .., ..])
    }
}

fn preprocess_camera(
    camera: usize,
    source: &ImageSource<'_>,
    layout: &InputLayout,
    normalisation: &Normalisation,
    scratch: &mut CameraScratch,
    slot: &mut [f32],
) -> CameraResult {
    let image = match source {
        // A raw buffer's size is known before it is converted: only the rows the resize
        // reads are converted (two per output row at most).
        ImageSource::Raw(raw)
            if raw.format != crate::PixelFormat::Rgb8 && raw.width > 0 && raw.height > 0 =>
        {
            scratch
                .check
                .check(u64::from(raw.width), u64::from(raw.height), camera, &|| {
                    format!("a {} buffer", raw.format.name())
                })?;
            let transform = PixelTransform::for_layout(layout, raw.width, raw.height);
            let (_, _, _, resized_height) = transform.content();
            let wanted = crate::resize::read(raw.height as usize, resized_height as usize);
            crate::resize::RgbImage {
                pixels: raw.to_rgb8_rows(&mut scratch.decode.pixels, &|row| wanted[row])?,
                width: raw.width as usize,
                height: raw.height as usize,
            }
        }
        _ => decode(source, camera, &scratch.check, &mut scratch.decode)?,
    };
    // Sizes were checked non-zero by `decode`; u32 holds any size a decoder produces.
    let transform = PixelTransform::for_layout(
        layout,
        u32::try_from(image.width).unwrap_or(u32::MAX),
        u32::try_from(image.height).unwrap_or(u32::MAX),
    );
    resize_into(image, &transform, normalisation, &mut scratch.resize, slot);
    Ok(transform)
}
