//! Errors of the simulator.

use std::path::PathBuf;

/// What can go wrong when setting up or writing a simulated drive.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The rig preset name is not one we know.
    #[error("unknown rig `{name}`: expected `nuscenes6` or `fisheye4`")]
    UnknownRig { name: String },
    /// The image size is outside what the renderer supports.
    #[error("image size {width}×{height} is out of range: use 16 to 8192 pixels on each side (for example 640x360)")]
    ImageSize { width: u32, height: u32 },
    /// A `WxH` size could not be read.
    #[error("image size `{text}` is not WIDTHxHEIGHT: write it like 640x360")]
    SizeSyntax { text: String },
    /// Frame sets would overlap in time.
    #[error("frame interval {seconds} s: frame sets must be more than 0.05 s apart (the sync window); use 0.1 or more")]
    FrameInterval { seconds: f64 },
    /// A rig given to the simulator does not have the preset's cameras.
    #[error("the rig's cameras must be the {preset} preset's, in order: {expected}")]
    RigCameras {
        preset: &'static str,
        expected: String,
    },
    /// A drive needs at least one frame set.
    #[error("frame count 0: ask for at least one frame set (--frames 1 or more)")]
    NoFrames,
    /// The preset's cameras failed the rig's own validation (a bug in the preset).
    #[error("the simulated rig is invalid: {0}")]
    Rig(#[from] panoptes_rig::RigError),
    /// An image could not be encoded.
    #[error("encoding {what} of camera `{camera}`: {message}")]
    Encode {
        what: &'static str,
        camera: String,
        message: String,
    },
    /// The drive writer refused something or could not write it.
    #[error(transparent)]
    Drive(#[from] panoptes_drive::DriveError),
    /// A file beside the drive's own (the instance maps) could not be written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}
