//! The error type of this crate: every variant names the head, the field or output, and the fix.

use std::path::PathBuf;

/// Everything that can go wrong while configuring or running the head decoders.
#[derive(Debug, thiserror::Error)]
pub enum HeadsError {
    /// A `[[heads]]` table is semantically wrong (the TOML itself parsed).
    #[error("head `{head}`: field `{field}`: {problem}; fix: {fix}")]
    Config {
        /// The head's `name`.
        head: String,
        /// The manifest field at fault.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
        /// How to fix it.
        fix: String,
    },
    /// A model output has a shape that does not fit the head's configuration.
    #[error("head `{head}`: output `{output}` has shape {got}, expected {expected}; fix: {fix}")]
    OutputShape {
        /// The head's `name`.
        head: String,
        /// The graph output name.
        output: String,
        /// The expected shape (`N` is the batch, `?` any size).
        expected: String,
        /// The shape the model really has (`?` for dynamic dimensions).
        got: String,
        /// How to fix the manifest.
        fix: String,
    },
    /// A head reads an output that was not among the model outputs handed to the decoder.
    #[error("head `{head}`: output `{output}` is missing (have: {available}); fix: name one of the model's outputs in `outputs`")]
    MissingOutput {
        /// The head's `name`.
        head: String,
        /// The output it wanted.
        output: String,
        /// The outputs that were there, comma separated.
        available: String,
    },
    /// The camera's batch index is outside the output's batch dimension.
    #[error("head `{head}`: output `{output}` has batch {batch} but camera {camera} asks for batch index {index}")]
    BatchIndex {
        /// The head's `name`.
        head: String,
        /// The graph output name.
        output: String,
        /// The camera's position in the frame set.
        camera: usize,
        /// The requested batch index.
        index: usize,
        /// The batch size of the output.
        batch: usize,
    },
    /// The model input size is unusable (zero).
    #[error("model input size {width}x{height} is empty; fix: set `[input]` width and height to positive sizes")]
    InputSize {
        /// Model input width in pixels.
        width: usize,
        /// Model input height in pixels.
        height: usize,
    },
    /// The model-to-image transform is unusable (non-positive or non-finite scale, empty image).
    #[error("invalid model-to-image transform: {problem}")]
    Transform {
        /// What is wrong.
        problem: String,
    },
    /// Encoding or writing a PNG failed.
    #[error("cannot write PNG {path}: {source}")]
    Png {
        /// The file (empty when encoding into memory).
        path: PathBuf,
        /// The encoder's error.
        source: image::ImageError,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = HeadsError> = std::result::Result<T, E>;
