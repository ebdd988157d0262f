//! Image decode, resize/letterbox and normalisation into a preallocated NCHW batch.
//!
//! A [`Preprocessor`] is built from a model manifest's `[input]` table ([`InputLayout`]) and the
//! rig's camera count. Each frame set's images ([`ImageSource`]: a file, encoded JPEG/PNG bytes,
//! or a raw camera buffer: RGB8, BGR8, NV12 or YUYV with a row stride) are decoded, resized (stretch, letterbox centred or top-left, bilinear like
//! OpenCV's `INTER_LINEAR`), reordered (RGB/BGR) and normalised (`(pixel * scale - mean) / std`)
//! in one pass per camera, the cameras in parallel on rayon, into one `[N, 3, H, W]` f32 batch.
//! Each camera gets back its [`PixelTransform`], the exact map from model pixels to original
//! pixels; a camera that fails gets an error and padding, never a panic.
//!
//! ```text
//! let mut preprocessor = Preprocessor::new(manifest.input, rig.len())?;   // once
//! let results = preprocessor.preprocess(&sources)?;   // per frame set: Vec<CameraResult>
//! engine.run(preprocessor.batch())                    // ArrayView4<f32>, [N, 3, H, W]
//! results[camera]?.box_to_original(model_box)          // back to original pixels
//! ```
//!
//! # Decoder choice
//!
//! JPEG decoding dominates the cost. CPU time to decode the six 1600×900 nuScenes frames on one
//! thread of the 2-core dev machine (while other builds ran; 2026-11-29):
//!
//! | decoder | full size | DCT-scaled 1/2 | 1/4 |
//! |---|---|---|---|
//! | zune-jpeg 0.5 (what `image` 0.25 uses), direct or via `image` | 26.7 ms | — | — |
//! | `jpeg-decoder` 0.3 (`scale()`) | 49 ms | 37 ms | 32 ms |
//! | libjpeg-turbo via `mozjpeg-sys` (`cc` build; no SIMD without nasm) | 61 ms | 28 ms | 19 ms |
//! | `turbojpeg` | does not build: needs cmake | | |
//!
//! Entropy decoding, which DCT scaling cannot skip, is ~40% of zune-jpeg's time and zune-jpeg's
//! AVX2 IDCT and colour conversion are fast, so at the 1/2 scale a 416-pixel model allows no
//! reduced-scale decoder here beats zune-jpeg at full size. JPEG is therefore decoded at full
//! resolution with zune-jpeg into per-camera reused buffers; other formats go through `image`.
//! The whole pre-processing of the six frames into YOLOX's 416×416 batch costs 30 ms of CPU
//! (resize and normalisation 4 ms of it), so about 15 ms on two free cores; decoding is the floor.

mod error;
mod image_data;
mod layout;
mod limits;
mod pixels;
mod preprocessor;
mod resize;
mod shared;
mod source;
mod transform;

pub use bytes::Bytes;
pub use error::PreprocessError;
pub use image_data::ImageData;
pub use layout::{ColorOrder, InputLayout, ResizeMode, MAX_INPUT_SIDE};
pub use limits::ImageLimits;
pub use pixels::{rgb_to_nv12, rgb_to_yuv, yuv_to_rgb, PixelFormat, RawImage};
pub use preprocessor::{CameraResult, Preprocessor, MAX_BATCH_VALUES, MAX_CAPACITY};
pub use shared::DecodedFrames;
pub use source::ImageSource;
pub use transform::PixelTransform;
