//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while configuring or running the pre-processor.
///
/// Layout and capacity variants are configuration errors (stop at start-up); the others are
/// per-camera errors returned in that camera's slot while the rest of the frame set goes on.
#[derive(Debug, thiserror::Error)]
pub enum PreprocessError {
    /// A field of the `[input]` table has a value the pre-processor cannot use.
    #[error(
        "[input] field `{field}`: got {got}, expected {expected}; fix the manifest's `{field}`"
    )]
    InvalidLayout {
        /// The field name as written in the manifest (`std[1]` for one element).
        field: String,
        /// The value found.
        got: String,
        /// What a valid value looks like.
        expected: &'static str,
    },

    /// The batch capacity asked of [`crate::Preprocessor::new`] is unusable.
    #[error(
        "batch capacity {got} is invalid: expected 1..={maximum}; pass the rig's camera count"
    )]
    InvalidCapacity {
        /// The capacity asked for.
        got: usize,
        /// The largest capacity accepted.
        maximum: usize,
    },

    /// The batch the layout and capacity ask for is too large to allocate.
    #[error("{capacity} cameras of {width}x{height} need a {mib} MiB input batch, more than the {maximum_mib} MiB allowed; fix the manifest's [input] width and height")]
    BatchTooLarge {
        /// Cameras.
        capacity: usize,
        /// Input width.
        width: u32,
        /// Input height.
        height: u32,
        /// The batch's size.
        mib: usize,
        /// The largest allowed.
        maximum_mib: usize,
    },

    /// More images were given than the batch was allocated for.
    #[error("{got} images given but the batch holds {capacity}; create the Preprocessor with a capacity of at least {got}")]
    TooManyImages {
        /// Images passed to `preprocess`.
        got: usize,
        /// The batch capacity.
        capacity: usize,
    },

    /// An image file could not be read.
    #[error("cannot read image {}: {source}; check that the file exists and is readable", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// Encoded bytes could not be decoded into an image.
    #[error(
        "cannot decode {format} image from {origin}: {reason}; the file is corrupt or truncated"
    )]
    Decode {
        /// `JPEG`, or the format the bytes were taken for.
        format: &'static str,
        /// Where the bytes came from: a path or `memory`.
        origin: String,
        /// The decoder's own message.
        reason: String,
    },

    /// A raw camera buffer that does not hold the image it claims to.
    #[error("{format} image of {width}x{height}: {problem}; pass the buffer's real size, stride and bytes")]
    RawImage {
        /// The pixel format's name.
        format: &'static str,
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// What is wrong (sizes, stride, length).
        problem: String,
    },

    /// An image with no pixels.
    #[error("image from {origin} is empty ({width}x{height}); every camera frame needs at least one pixel")]
    EmptyImage {
        /// Where the image came from.
        origin: String,
        /// Its width.
        width: usize,
        /// Its height.
        height: usize,
    },

    /// The image is larger than the limits allow; refused from its header, before its pixels
    /// are allocated (a decompression bomb, or a corrupt size field).
    #[error("image from {origin} is {width}x{height}: {limit}; refused before decoding")]
    TooLarge {
        /// Where the image came from.
        origin: String,
        /// Its width, as its header says.
        width: u64,
        /// Its height, as its header says.
        height: u64,
        /// The limit it breaks.
        limit: String,
    },

    /// The image is not the size its camera is calibrated for, so its pixels cannot be placed
    /// with that calibration.
    #[error("image from {origin} is {width}x{height} but camera {camera} is calibrated for {expected_width}x{expected_height}; send the camera's full frame, or calibrate the size sent")]
    WrongSize {
        /// Where the image came from.
        origin: String,
        /// Index of the camera in the frame set.
        camera: usize,
        /// Its width.
        width: u64,
        /// Its height.
        height: u64,
        /// The calibrated width.
        expected_width: u32,
        /// The calibrated height.
        expected_height: u32,
    },

    /// The camera had no frame in this frame set (its slot holds padding).
    #[error("camera {camera} has no image in this frame set")]
    MissingImage {
        /// Index of the camera in the frame set.
        camera: usize,
    },
}
