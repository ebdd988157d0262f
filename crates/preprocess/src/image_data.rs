//! A camera image that shares its bytes: what a frame carries from the caller (or a recorded
//! drive) through the pipeline.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::pixels::{PixelFormat, RawImage};
use crate::source::ImageSource;

/// One frame's image. Cloning shares the bytes (reference counted), never copies them: a
/// caller's `Vec<u8>` handed over as [`Bytes`] is not copied either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageData {
    /// An encoded image file, read when the frame is pre-processed.
    File(PathBuf),
    /// Encoded bytes (JPEG, PNG, ...).
    Encoded(Bytes),
    /// A raw camera buffer.
    Raw {
        /// The layout.
        format: PixelFormat,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Bytes from one row's start to the next.
        stride: usize,
        /// The bytes.
        data: Bytes,
    },
}

impl ImageData {
    /// A tightly packed raw buffer.
    pub fn packed(format: PixelFormat, width: u32, height: u32, data: impl Into<Bytes>) -> Self {
        Self::Raw {
            format,
            width,
            height,
            stride: format.row_bytes(width),
            data: data.into(),
        }
    }

    /// The pre-processor's view of it.
    pub fn source(&self) -> ImageSource<'_> {
        match self {
            Self::File(path) => ImageSource::File(path),
            Self::Encoded(bytes) => ImageSource::Encoded(bytes),
            Self::Raw {
                format,
                width,
                height,
                stride,
                data,
            } => ImageSource::Raw(RawImage {
                format: *format,
                width: *width,
                height: *height,
                stride: *stride,
                data,
            }),
        }
    }

    /// The file, when the image is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::File(path) => Some(path),
            _ => None,
        }
    }
}
